/**
 * The scanner's persisted position: the next block to scan. Blocks are processed whole, so a block-number
 * cursor can neither skip nor repeat a transfer across a restart (no intra-block offsets, no timestamp ties).
 * Serialized as JSON with a version so the format can evolve.
 */
export interface TronCursor {
  readonly next: bigint
}

export const encodeCursor = (cursor: TronCursor): string =>
  JSON.stringify({ v: 1, next: cursor.next.toString() })

/** The cursor in `text`, or null when it is not one of ours. */
export const decodeCursor = (text: string): TronCursor | null => {
  try {
    const json: unknown = JSON.parse(text)
    if (typeof json !== "object" || json === null) return null
    const { v, next } = json as { v?: unknown; next?: unknown }
    if (v !== 1 || typeof next !== "string" || !/^\d{1,19}$/.test(next)) return null
    return { next: BigInt(next) }
  } catch {
    return null
  }
}
