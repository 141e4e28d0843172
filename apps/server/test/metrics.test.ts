import { describe, expect, it } from "vitest"
import { makeHttpMetrics, Registry, sharedFor } from "../src/metrics.js"

describe("metrics Registry", () => {
  it("one series per label set whatever the key order; values escaped in the text format", () => {
    const r = new Registry()
    const c = r.counter("inzi_test_total", "Test counter")
    c.inc({ route: "a", method: "GET" })
    c.inc({ method: "GET", route: "a" })
    c.inc({ route: 'q"b\\c\nd', method: "GET" })
    // Same characters split differently across names and values: two series, not one.
    c.inc({ ab: "c" })
    c.inc({ a: "bc" })
    const text = r.render()
    expect(text).toContain('inzi_test_total{method="GET",route="a"} 2')
    expect(text).toContain('inzi_test_total{method="GET",route="q\\"b\\\\c\\nd"} 1')
    expect(text).toContain('inzi_test_total{ab="c"} 1')
    expect(text).toContain('inzi_test_total{a="bc"} 1')
  })

  it("a label set reused across calls counts into its one series", () => {
    const r = new Registry()
    const c = r.counter("inzi_test_total", "Test counter")
    const labels = Object.freeze({ route: "a", status: "200" })
    for (let i = 0; i < 3; i++) c.inc(labels)
    c.inc({ status: "200", route: "a" })
    expect(r.render()).toContain('inzi_test_total{route="a",status="200"} 4')
  })

  it("histograms count each observation in every bucket at or above it", () => {
    const r = new Registry()
    const h = r.histogram("inzi_test_seconds", "Test histogram", [0.1, 1])
    h.observe({ route: "x" }, 0.05)
    h.observe({ route: "x" }, 0.5)
    const text = r.render()
    expect(text).toContain('inzi_test_seconds_bucket{route="x",le="0.1"} 1')
    expect(text).toContain('inzi_test_seconds_bucket{route="x",le="1"} 2')
    expect(text).toContain('inzi_test_seconds_bucket{route="x",le="+Inf"} 2')
    expect(text).toContain('inzi_test_seconds_count{route="x"} 2')
  })

  it("a bound series counts into the same series as inc/observe with the same labels", () => {
    const r = new Registry()
    const c = r.counter("inzi_test_total", "Test counter")
    const h = r.histogram("inzi_test_seconds", "Test histogram", [0.1])
    const bound = c.series({ route: "a" })
    bound()
    bound(2)
    c.inc({ route: "a" })
    h.series({ route: "a" })(0.05)
    h.observe({ route: "a" }, 0.5)
    const text = r.render()
    expect(text).toContain('inzi_test_total{route="a"} 4')
    expect(text).toContain('inzi_test_seconds_bucket{route="a",le="0.1"} 1')
    expect(text).toContain('inzi_test_seconds_count{route="a"} 2')
  })

  it("HTTP metrics: record counts by route, method and status, and latency by route", () => {
    const r = new Registry()
    const http = makeHttpMetrics(r)
    http.record("checkouts.retrieve", "GET", 200, 0.004)
    http.record("checkouts.retrieve", "GET", 200, 0.02)
    http.record("checkouts.retrieve", "GET", 404, 0.001)
    http.record("checkouts.create", "POST", 201, 0.03)
    const text = r.render()
    expect(text).toContain('inzi_http_requests_total{method="GET",route="checkouts.retrieve",status="200"} 2')
    expect(text).toContain('inzi_http_requests_total{method="GET",route="checkouts.retrieve",status="404"} 1')
    expect(text).toContain('inzi_http_requests_total{method="POST",route="checkouts.create",status="201"} 1')
    expect(text).toContain(
      'inzi_http_request_duration_seconds_bucket{route="checkouts.retrieve",le="0.005"} 2',
    )
    expect(text).toContain('inzi_http_request_duration_seconds_count{route="checkouts.retrieve"} 3')
    expect(text).toContain('inzi_http_request_duration_seconds_count{route="checkouts.create"} 1')
  })
})

describe("sharedFor (the cluster gauges' cache)", () => {
  it("concurrent callers share one run; its result is reused for ttlMs; a failure is not kept", async () => {
    let runs = 0
    let fail = false
    let release: () => void = () => {}
    const f = sharedFor(60_000, () => {
      runs++
      return new Promise<number>((resolve, reject) => {
        release = () => (fail ? reject(new Error("down")) : resolve(runs))
      })
    })
    const eight = Array.from({ length: 8 }, () => f())
    release()
    expect(await Promise.all(eight)).toEqual(Array(8).fill(1))
    expect(await f()).toBe(1)
    expect(runs).toBe(1)

    let fresh = 0
    const noCache = sharedFor(0, async () => ++fresh)
    expect(await noCache()).toBe(1)
    expect(await noCache()).toBe(2)

    fail = true
    const failing = sharedFor(60_000, () => {
      runs++
      return fail ? Promise.reject(new Error("down")) : Promise.resolve(runs)
    })
    await expect(failing()).rejects.toThrow("down")
    fail = false
    expect(await failing()).toBe(runs)
  })
})
