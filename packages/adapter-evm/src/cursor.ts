/**
 * The scanner's cursor, persisted by the worker as an opaque string: the next block to scan and the hashes of
 * a few recently scanned blocks (one per scanned range), so a restart after a reorg rewinds to the fork
 * point instead of skipping the re-mined blocks.
 */
export interface EvmCursor {
  /** Next block to scan. */
  readonly next: bigint
  /** First block of the oldest checkpoint's range: where to rescan from when no checkpoint is canonical. */
  readonly base: bigint
  /** Recently scanned checkpoints, oldest first: [block number, block hash (lower-case)]. */
  readonly recent: ReadonlyArray<readonly [bigint, string]>
}

/** How many checkpoints the cursor keeps (its size stays under ~2 KB). */
export const CURSOR_CHECKPOINTS = 24

export const encodeCursor = (cursor: EvmCursor): string =>
  JSON.stringify({
    v: 1,
    next: cursor.next.toString(),
    base: cursor.base.toString(),
    recent: cursor.recent.slice(-CURSOR_CHECKPOINTS).map(([n, h]) => [n.toString(), h]),
  })

/** Null when the text is not a cursor of this adapter (the scanner then fails instead of guessing). */
export const decodeCursor = (text: string): EvmCursor | null => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof json !== "object" || json === null) return null
  const o = json as Record<string, unknown>
  if (o.v !== 1 || typeof o.next !== "string" || !/^[0-9]+$/.test(o.next) || !Array.isArray(o.recent))
    return null
  const recent: Array<readonly [bigint, string]> = []
  for (const item of o.recent) {
    if (!Array.isArray(item) || item.length !== 2) return null
    const [n, h] = item
    if (typeof n !== "string" || !/^[0-9]+$/.test(n) || typeof h !== "string" || !/^0x[0-9a-f]{64}$/.test(h))
      return null
    recent.push([BigInt(n), h])
  }
  const next = BigInt(o.next)
  return { next, base: o.base === undefined ? next : BigInt(o.base as string), recent }
}
