import { describe, expect, it } from "vitest"
import { makeHttpMetrics, Registry } from "../src/metrics.js"

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
