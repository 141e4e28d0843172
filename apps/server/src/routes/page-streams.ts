/**
 * What the hosted page's event streams of one server share: one reader. Every `tickMs`, while any stream is open,
 * it asks the store once for the versions of every watched checkout (`Checkouts.checkoutVersions`) and tells each
 * stream its checkout's: a text, `undefined` (the checkout is gone) or the Error of a failed read. A stream reads
 * its checkout again only when its version changed, so N open pages cost one query a tick, not N reads.
 */
export interface StreamHub {
  /** Until the returned function is called, `onTick` hears every tick's answer for checkout `id`. */
  readonly watch: (id: string, onTick: (version: string | undefined | Error) => void) => () => void
}

export const makeStreamHub = (
  versions: (ids: ReadonlyArray<string>) => Promise<ReadonlyMap<string, string>>,
  tickMs: number,
): StreamHub => {
  const watchers = new Set<{
    readonly id: string
    readonly onTick: (v: string | undefined | Error) => void
  }>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let reading = false
  const tell = (
    w: { readonly onTick: (v: string | undefined | Error) => void },
    v: string | undefined | Error,
  ) => {
    try {
      w.onTick(v)
    } catch {
      // one stream's failure is its own: the others still hear this tick
    }
  }
  const schedule = () => {
    if (timer === undefined && !reading && watchers.size > 0) timer = setTimeout(tick, tickMs)
  }
  const tick = () => {
    timer = undefined
    if (watchers.size === 0) return
    reading = true
    const heard = [...watchers]
    versions([...new Set(heard.map((w) => w.id))])
      .then(
        (found) => {
          for (const w of heard) if (watchers.has(w)) tell(w, found.get(w.id))
        },
        (e: unknown) => {
          const error = e instanceof Error ? e : new Error(String(e))
          for (const w of heard) if (watchers.has(w)) tell(w, error)
        },
      )
      .finally(() => {
        reading = false
        schedule()
      })
  }
  return {
    watch: (id, onTick) => {
      const w = { id, onTick }
      watchers.add(w)
      schedule()
      return () => {
        watchers.delete(w)
        if (watchers.size === 0 && timer !== undefined) {
          clearTimeout(timer)
          timer = undefined
        }
      }
    },
  }
}
