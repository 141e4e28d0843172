import type { ChainEvent } from "./chain-events.js"

/**
 * Text PostgreSQL cannot hold: NUL (refused in `text` and `jsonb`) and unpaired UTF-16 surrogates (refused in
 * `jsonb` as `"\ud800"` escapes; in `text` the driver's UTF-8 encoder turns them into U+FFFD, so the value read
 * back is another string). Matched per UTF-16 code unit.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const UNSTORABLE_ONE = new RegExp(UNSTORABLE.source)

/** Text a PostgreSQL `text` / `jsonb` value stores and gives back unchanged (the API refuses anything else). */
export const isStorableText = (s: string): boolean => !UNSTORABLE_ONE.test(s)

/**
 * The rule for chain-sourced free text (TON comments, memos, sender text, reasons): every unstorable code unit
 * becomes U+FFFD. Replaced, never removed: a comment "K7P2\0M9QX" stripped would name checkout K7P2M9QX, which
 * the payer never wrote; with U+FFFD it names none (no memo alphabet holds U+FFFD). Storable text is returned
 * as is.
 *
 * @example
 * storableText("K7P2\u0000M9QX") // "K7P2\uFFFDM9QX"
 */
export const storableText = (s: string): string =>
  UNSTORABLE_ONE.test(s) ? s.replace(UNSTORABLE, "\uFFFD") : s

/**
 * For the operator's eyes (a quarantined event, an error text): every unstorable code unit as a visible
 * `\uXXXX` escape, so what arrived can still be told apart. Not reversible (a literal `\u0000` reads the same).
 *
 * @example
 * escapeUnstorable("ab\u0000") // "ab\\u0000"
 */
export const escapeUnstorable = (s: string): string =>
  UNSTORABLE_ONE.test(s)
    ? s.replace(UNSTORABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : s

const storableOrNull = (s: string | null): string | null => (s === null ? null : storableText(s))

/**
 * A chain event with `storableText` applied to its free text: memos (both the target's and an unmatched
 * transfer's), the sender and reasons. Identity and address fields (network, transaction hash, wallet,
 * addresses, token contract, block hash) are left as they are: changed, they would name another transaction
 * or account, so an event whose identity cannot be stored is set aside whole by the store instead. Every
 * chain family's events pass through here before the store writes them.
 */
export const storableChainEvent = (e: ChainEvent): ChainEvent => {
  switch (e._tag) {
    case "PaymentObserved": {
      const memo = e.target.kind === "memo" ? storableText(e.target.memo) : null
      const sender = storableOrNull(e.sender)
      if (sender === e.sender && (e.target.kind !== "memo" || memo === e.target.memo)) return e
      return {
        ...e,
        sender,
        target: e.target.kind === "memo" && memo !== null ? { ...e.target, memo } : e.target,
      }
    }
    case "UnmatchedTransfer": {
      const memo = storableOrNull(e.memo)
      const sender = storableOrNull(e.sender)
      const reason = storableText(e.reason)
      if (memo === e.memo && sender === e.sender && reason === e.reason) return e
      return { ...e, memo, sender, reason }
    }
    case "PaymentReverted": {
      const reason = storableText(e.reason)
      return reason === e.reason ? e : { ...e, reason }
    }
    case "PaymentConfirmed":
    case "PaymentConfirmationsUpdated":
      return e
  }
}
