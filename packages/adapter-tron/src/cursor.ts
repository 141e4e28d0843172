/**
 * The scanner's persisted position: the next block to scan. Blocks are processed whole, so a block-number
 * cursor can neither skip nor repeat a transfer across a restart (no intra-block offsets, no timestamp ties).
 * When the last scan reached the head, `tip` remembers that block's id so the next scan can tell whether a fork
 * replaced it. Serialized as JSON with a version so the format can evolve.
 */
export interface TronCursor {
  readonly next: bigint
  /** The last scanned block, when it was the head: its number (`next − 1`) and block id. */
  readonly tip?: { readonly id: string } | undefined
}

const BLOCK_ID_RE = /^[0-9a-f]{64}$/

export const encodeCursor = (cursor: TronCursor): string =>
  JSON.stringify(
    cursor.tip === undefined
      ? { v: 1, next: cursor.next.toString() }
      : { v: 1, next: cursor.next.toString(), tip: cursor.tip.id },
  )

/** The cursor in `text`, or null when it is not one of ours. */
export const decodeCursor = (text: string): TronCursor | null => {
  try {
    const json: unknown = JSON.parse(text)
    if (typeof json !== "object" || json === null) return null
    const { v, next, tip } = json as { v?: unknown; next?: unknown; tip?: unknown }
    if (v !== 1 || typeof next !== "string" || !/^\d{1,19}$/.test(next)) return null
    if (tip === undefined) return { next: BigInt(next) }
    if (typeof tip !== "string" || !BLOCK_ID_RE.test(tip) || next === "0") return null
    return { next: BigInt(next), tip: { id: tip } }
  } catch {
    return null
  }
}
