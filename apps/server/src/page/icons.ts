/**
 * Network and token icons: our own small drawings (a coloured disc and a plain white mark each, 24×24),
 * not copies of the projects' logos. The page carries one inline sprite with the symbols its options use
 * and a `<use>` per icon. Icons are decorative (`aria-hidden`): the token and network are named in text.
 */

/** Symbol bodies, keyed by icon id. Attribute values are our literals: nothing here comes from input. */
const SYMBOLS: Readonly<Record<string, string>> = {
  // tokens
  "t-usdt": `<circle cx="12" cy="12" r="12" fill="#1b8a68"/><path fill="#fff" d="M6 6h12v3h-4.5v9h-3V9H6z"/>`,
  "t-usdc": `<circle cx="12" cy="12" r="12" fill="#2775ca"/><path fill="none" stroke="#fff" stroke-width="2" d="M15.5 8.5a5 5 0 1 0 0 7M12 4v16"/>`,
  "t-any": `<circle cx="12" cy="12" r="12" fill="#5b6270"/><circle cx="12" cy="12" r="5" fill="#fff"/>`,
  // networks: `n-<icon>` for a network's `icon` (its config's, else its family module's)
  "n-eth": `<circle cx="12" cy="12" r="12" fill="#627eea"/><path fill="#fff" d="M12 3l5.5 9-5.5 3.3L6.5 12zm0 13.6l5.5-3.3L12 21l-5.5-7.7z"/>`,
  "n-bsc": `<circle cx="12" cy="12" r="12" fill="#c99400"/><path fill="#fff" d="M12 5l7 7-7 7-7-7zm0 4.2L9.2 12l2.8 2.8 2.8-2.8z"/>`,
  "n-pol": `<circle cx="12" cy="12" r="12" fill="#7b3fe4"/><path fill="none" stroke="#fff" stroke-width="2.2" d="M12 5.5l5.6 3.2v6.6L12 18.5l-5.6-3.2V8.7z"/>`,
  "n-arb": `<circle cx="12" cy="12" r="12" fill="#213147"/><path fill="#28a0f0" d="M12 4l7 13h-3.4L12 10.2 8.4 17H5z"/><path fill="#fff" d="M7.3 19h9.4l-1-2H8.3z"/>`,
  "n-base": `<circle cx="12" cy="12" r="12" fill="#0052ff"/><path fill="#fff" d="M12 5a7 7 0 1 1-6.9 8H15v-2H5.1A7 7 0 0 1 12 5z"/>`,
  "n-tron": `<circle cx="12" cy="12" r="12" fill="#d9001f"/><path fill="none" stroke="#fff" stroke-width="1.8" stroke-linejoin="round" d="M5.5 6.5l13 3.2-7.6 8.8zm0 0l5.4 12m7.6-8.8l-7.4-.6"/>`,
  "n-ton": `<circle cx="12" cy="12" r="12" fill="#0088cc"/><path fill="none" stroke="#fff" stroke-width="1.8" stroke-linejoin="round" d="M6.5 7.5h11L12 18zm5.5 0V18"/>`,
  "n-any": `<circle cx="12" cy="12" r="12" fill="#5b6270"/><path fill="none" stroke="#fff" stroke-width="2" d="M8 9h8v6H8z"/>`,
}

/**
 * The symbol of a network's icon id (`PageOption.icon`: `"base"` → `"n-base"`); a neutral one when the page
 * has no drawing of that name.
 */
export const networkIcon = (icon: string): string => {
  const id = `n-${icon}`
  return id in SYMBOLS ? id : "n-any"
}

/** The icon id of a token symbol (`"USDT"` → `"t-usdt"`); a neutral one when unknown. */
export const tokenIcon = (token: string): string => {
  const id = `t-${token.toLowerCase()}`
  return id in SYMBOLS ? id : "t-any"
}

/** One decorative icon: a reference into the page's sprite ({@link iconSprite}). */
export const icon = (id: string): string =>
  `<svg class="ic" aria-hidden="true" focusable="false"><use href="#${SYMBOLS[id] === undefined ? "n-any" : id}"/></svg>`

/** The hidden sprite with just the symbols `ids` names (each once), or `""` for none. */
export const iconSprite = (ids: Iterable<string>): string => {
  const used = [...new Set(ids)].filter((id) => SYMBOLS[id] !== undefined)
  return used.length === 0
    ? ""
    : `<svg xmlns="http://www.w3.org/2000/svg" hidden>` +
        used.map((id) => `<symbol id="${id}" viewBox="0 0 24 24">${SYMBOLS[id]}</symbol>`).join("") +
        `</svg>`
}

/** @internal every icon id, for the tests */
export const ICON_IDS: ReadonlyArray<string> = Object.keys(SYMBOLS)
