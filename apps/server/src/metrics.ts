/**
 * A small Prometheus text-format registry (counters, gauges, histograms with labels). Process-local metrics
 * (HTTP) live here; cluster-wide ones (checkouts by status, scanner lag, webhook backlog) are read from the
 * database at scrape time so that several workers and servers report one truth.
 */
type Labels = Readonly<Record<string, string>>

const renderLabels = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map(
      (k) => `${k}="${String(labels[k]).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
    )
    .join(",")

/** Rendered label sets by their raw names and values (label sets repeat on every request; bounded). */
const rendered = new Map<string, string>()

const labelKey = (labels: Labels): string => {
  let raw = ""
  // Length-prefixed, so no two label sets share a raw key.
  for (const k in labels) {
    const v = String(labels[k])
    raw += `${k.length}:${k}${v.length}:${v}`
  }
  let key = rendered.get(raw)
  if (key === undefined) {
    key = renderLabels(labels)
    if (rendered.size >= 10_000) rendered.clear()
    rendered.set(raw, key)
  }
  return key
}

interface Family {
  readonly name: string
  readonly help: string
  readonly type: "counter" | "gauge" | "histogram"
  render(): string[]
}

export class Registry {
  private readonly families: Family[] = []

  counter(name: string, help: string) {
    const values = new Map<string, number>()
    this.families.push({
      name,
      help,
      type: "counter",
      render: () => [...values].map(([k, v]) => `${name}${k ? `{${k}}` : ""} ${v}`),
    })
    const add = (k: string, by: number) => {
      values.set(k, (values.get(k) ?? 0) + by)
    }
    return {
      inc: (labels: Labels = {}, by = 1) => add(labelKey(labels), by),
      /** The series of `labels`, its key worked out once: for label sets a hot path repeats. */
      series: (labels: Labels) => {
        const k = labelKey(labels)
        return (by = 1) => add(k, by)
      },
    }
  }

  histogram(name: string, help: string, buckets: ReadonlyArray<number>) {
    const series = new Map<string, { counts: number[]; sum: number; count: number }>()
    this.families.push({
      name,
      help,
      type: "histogram",
      render: () => {
        const out: string[] = []
        for (const [k, s] of series) {
          const sep = k ? `${k},` : ""
          for (let i = 0; i < buckets.length; i++)
            out.push(`${name}_bucket{${sep}le="${buckets[i]}"} ${s.counts[i]}`)
          out.push(`${name}_bucket{${sep}le="+Inf"} ${s.count}`)
          out.push(`${name}_sum${k ? `{${k}}` : ""} ${s.sum}`)
          out.push(`${name}_count${k ? `{${k}}` : ""} ${s.count}`)
        }
        return out
      },
    })
    const seriesOf = (labels: Labels) => {
      const k = labelKey(labels)
      let s = series.get(k)
      if (s === undefined) {
        s = { counts: buckets.map(() => 0), sum: 0, count: 0 }
        series.set(k, s)
      }
      return s
    }
    const add = (s: { counts: number[]; sum: number; count: number }, value: number) => {
      for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) s.counts[i]!++
      s.sum += value
      s.count++
    }
    return {
      observe: (labels: Labels, value: number) => add(seriesOf(labels), value),
      /** The series of `labels`, looked up once: for label sets a hot path repeats. */
      series: (labels: Labels) => {
        const s = seriesOf(labels)
        return (value: number) => add(s, value)
      },
    }
  }

  /** Renders registered families plus `extra` gauge samples computed at scrape time. */
  render(
    extra: ReadonlyArray<{ name: string; help: string; samples: ReadonlyArray<[Labels, number]> }> = [],
  ): string {
    const lines: string[] = []
    for (const f of this.families) {
      lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render())
    }
    for (const g of extra) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`)
      for (const [labels, v] of g.samples) {
        const k = labelKey(labels)
        lines.push(`${g.name}${k ? `{${k}}` : ""} ${v}`)
      }
    }
    return `${lines.join("\n")}\n`
  }
}

export const makeHttpMetrics = (registry: Registry) => {
  const requests = registry.counter("inzi_http_requests_total", "HTTP requests by route, method and status.")
  const duration = registry.histogram(
    "inzi_http_request_duration_seconds",
    "HTTP request latency by route.",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  )
  // route → (its latency series, method → status → its request counter): a request costs three map lookups by
  // strings the server holds, not a label key built per observation. Bounded: route names are the server's, methods
  // the HTTP parser's fixed list, statuses the server's own.
  const routes = new Map<
    string,
    { readonly latency: (seconds: number) => void; readonly counts: Map<string, Map<number, () => void>> }
  >()
  return {
    /** One finished request: counted by route, method and status, its latency by route. */
    record: (route: string, method: string, status: number, seconds: number) => {
      let r = routes.get(route)
      if (r === undefined) {
        r = { latency: duration.series({ route }), counts: new Map() }
        routes.set(route, r)
      }
      let byStatus = r.counts.get(method)
      if (byStatus === undefined) {
        byStatus = new Map()
        r.counts.set(method, byStatus)
      }
      let count = byStatus.get(status)
      if (count === undefined) {
        count = requests.series({ route, method, status: String(status) })
        byStatus.set(status, count)
      }
      count()
      r.latency(seconds)
    },
  }
}

/**
 * `f` shared: every call while it runs gets its one promise, and its result is reused for `ttlMs` after it
 * settles (a failure is not kept). N concurrent scrapers cost one read of the cluster gauges.
 */
export const sharedFor = <A>(ttlMs: number, f: () => Promise<A>): (() => Promise<A>) => {
  let current: Promise<A> | null = null
  let running = false
  let settledAt = 0
  return () => {
    if (current !== null && (running || Date.now() - settledAt < ttlMs)) return current
    running = true
    const p = f().then(
      (v) => {
        running = false
        settledAt = Date.now()
        return v
      },
      (e: unknown) => {
        running = false
        current = null
        throw e
      },
    )
    current = p
    return p
  }
}
