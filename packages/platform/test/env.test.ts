import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NetworkConfigError } from "@inzi/core"
import { describe, expect, it } from "vitest"
import { EnvError, loadNetworks, makeLogger, PRESETS, readEnv, redactText } from "../src/index.js"

describe("readEnv", () => {
  it("has documented defaults", () => {
    const e = readEnv({})
    expect(e).toMatchObject({
      databaseUrl: null,
      dataDir: "./.inzi",
      host: "127.0.0.1",
      port: 3000,
      publicUrl: "http://127.0.0.1:3000",
      minAmountCents: 100n,
      maxAmountCents: 100_000_000n,
      logLevel: "info",
      networksFile: null,
      rateLimitPerSecond: 50,
      authFailuresPerMinute: 60,
      pageRatePerSecond: 20,
      trustProxy: 0,
      metricsAddr: { host: "127.0.0.1", port: 9464, explicit: false },
      metricsToken: null,
      metricsCacheMs: 5000,
      allowPrivateWebhooks: false,
      allowTestLoopbackWebhooks: false,
      dbSchema: undefined,
      dbPoolSize: 10,
      addressPool: 500,
    })
  })

  it("reads every variable", () => {
    const e = readEnv({
      DATABASE_URL: "postgres://x@h/db",
      INZI_DATA_DIR: "/d",
      INZI_DB_SCHEMA: "s1",
      HOST: "0.0.0.0",
      PORT: "8080",
      PUBLIC_URL: "https://pay.example.com/",
      INZI_MIN_AMOUNT: "0.50",
      INZI_MAX_AMOUNT: "500",
      LOG_LEVEL: "DEBUG",
      INZI_NETWORKS: "/n.json",
      INZI_RATE_LIMIT: "0",
      INZI_AUTH_FAILURE_LIMIT: "0",
      INZI_PAGE_RATE_LIMIT: "5",
      INZI_TRUST_PROXY: "2",
      INZI_METRICS_ADDR: "[::1]:9100",
      INZI_METRICS_TOKEN: "0123456789abcdef",
      INZI_METRICS_CACHE_MS: "0",
      INZI_ALLOW_PRIVATE_WEBHOOKS: "1",
      INZI_ALLOW_TEST_LOOPBACK_WEBHOOKS: "1",
      INZI_WORKER_ID: "w9",
      INZI_ADDRESS_POOL: "0",
      INZI_DB_POOL_SIZE: "32",
    })
    expect(e).toMatchObject({
      databaseUrl: "postgres://x@h/db",
      dataDir: "/d",
      dbSchema: "s1",
      port: 8080,
      publicUrl: "https://pay.example.com",
      minAmountCents: 50n,
      maxAmountCents: 50_000n,
      logLevel: "debug",
      networksFile: "/n.json",
      rateLimitPerSecond: 0,
      authFailuresPerMinute: 0,
      pageRatePerSecond: 5,
      trustProxy: 2,
      metricsAddr: { host: "::1", port: 9100, explicit: true },
      metricsToken: "0123456789abcdef",
      metricsCacheMs: 0,
      allowPrivateWebhooks: true,
      allowTestLoopbackWebhooks: true,
      workerId: "w9",
      addressPool: 0,
      dbPoolSize: 32,
    })
  })

  it.each([
    [{ PORT: "x" }, /PORT must be an integer/],
    [{ PORT: "70000" }, /PORT must be between/],
    [{ INZI_MIN_AMOUNT: "1.001" }, /INZI_MIN_AMOUNT must be a USD amount/],
    [{ INZI_MIN_AMOUNT: "10", INZI_MAX_AMOUNT: "5" }, /not above INZI_MAX_AMOUNT/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ PUBLIC_URL: "ftp://x" }, /PUBLIC_URL/],
    [{ INZI_ADDRESS_POOL: "-1" }, /INZI_ADDRESS_POOL must be an integer/],
    [{ INZI_TRUST_PROXY: "yes" }, /INZI_TRUST_PROXY must be an integer/],
    [{ INZI_METRICS_ADDR: "localhost" }, /INZI_METRICS_ADDR must be host:port/],
    [{ INZI_METRICS_ADDR: "0.0.0.0:70000" }, /INZI_METRICS_ADDR must be host:port/],
    [{ INZI_METRICS_TOKEN: "short" }, /INZI_METRICS_TOKEN must be at least 16/],
    [{ INZI_DB_POOL_SIZE: "0" }, /INZI_DB_POOL_SIZE must be between 1 and 1000/],
    [{ INZI_DB_POOL_SIZE: "ten" }, /INZI_DB_POOL_SIZE must be an integer/],
  ])("refuses bad input %o with a clear message", (env, msg) => {
    expect(() => readEnv(env)).toThrow(EnvError)
    expect(() => readEnv(env)).toThrow(msg)
  })
})

describe("loadNetworks", () => {
  const file = (content: string) => {
    const p = join(mkdtempSync(join(tmpdir(), "inzi-net-")), "networks.json")
    writeFileSync(p, content)
    return p
  }

  it("merges presets with overrides and accepts full entries", () => {
    const nets = loadNetworks(
      file(
        JSON.stringify({
          networks: [
            { preset: "base", rpcUrls: ["https://rpc.example/base"] },
            {
              id: "linea",
              family: "evm",
              mode: "live",
              name: "Linea",
              chainId: 59144,
              rpcUrls: ["https://rpc.example/linea"],
              confirmations: 10,
              pollIntervalMs: 4000,
              tokens: [
                { symbol: "USDC", contract: "0x176211869cA2b568f2A7D4EE941E073a821EE1ff", decimals: 6 },
              ],
            },
          ],
        }),
      ),
    )
    expect(nets.map((n) => n.id)).toEqual(["base", "linea"])
    const base = PRESETS.find((p) => p.id === "base")!
    expect(nets[0]).toMatchObject({ ...base, rpcUrls: ["https://rpc.example/base"] })
  })

  it("has presets for every chain family", () => {
    const ids = PRESETS.map((p) => p.id)
    for (const id of ["ethereum", "bsc", "polygon", "arbitrum", "base", "sepolia", "tron", "ton"])
      expect(ids).toContain(id)
  })

  it("has a ton-testnet preset whose test jetton master the operator names", () => {
    // A well-formed test-only address (not a real testnet USDT: there is none official).
    const master = "kQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_ntm"
    const [net] = loadNetworks(
      file(
        JSON.stringify({
          networks: [{ preset: "ton-testnet", tokens: [{ symbol: "USDT", contract: master, decimals: 6 }] }],
        }),
      ),
    )
    expect(net).toMatchObject({
      id: "ton-testnet",
      family: "ton",
      mode: "test",
      rpcUrls: ["https://testnet.toncenter.com/api/v2"],
      tokens: [{ symbol: "USDT", contract: master, decimals: 6 }],
    })
    expect(() => loadNetworks(file('{"networks":[{"preset":"ton-testnet"}]}'))).toThrow(
      /preset "ton-testnet" has no official token contract: add "tokens"/,
    )
  })

  it.each([
    ["not json", /cannot read network config/],
    ['{"nets":[]}', /expected \{ "networks"/],
    ['{"networks":[{"preset":"nope"}]}', /unknown preset "nope"/],
    ['{"networks":[{"preset":"base","rpcUrls":["ftp://x"]}]}', /rpcUrls/],
  ])("refuses %s", (content, msg) => {
    expect(() => loadNetworks(file(content))).toThrow(NetworkConfigError)
    expect(() => loadNetworks(file(content))).toThrow(msg)
  })

  it("without a file returns the extra networks only", () => {
    expect(loadNetworks(null, [])).toEqual([])
  })
})

describe("logs never carry a secret", () => {
  const key = `sk_live_${"A1b2C3d4".repeat(5)}`
  const secret = `whsec_${"z9".repeat(16)}`
  const xpub = `xpub6${"C".repeat(105)}`

  it("masks keys, webhook secrets and extended keys in text", () => {
    const t = redactText(`key ${key} secret ${secret} xpub ${xpub}`)
    expect(t).not.toContain(key)
    expect(t).not.toContain(secret)
    expect(t).not.toContain(xpub)
    expect(t).toContain("sk_live_A1b2…")
  })

  it("redacts secret-named fields and writes one JSON object per line", () => {
    const lines: string[] = []
    const log = makeLogger("info", { service: "t" }, (l) => lines.push(l))
    log.debug("hidden")
    log.info("created", {
      authorization: `Bearer ${key}`,
      webhookSecret: secret,
      note: `see ${key}`,
      amount: 5n,
    })
    expect(lines).toHaveLength(1)
    const o = JSON.parse(lines[0]!)
    expect(o).toMatchObject({
      level: "info",
      msg: "created",
      service: "t",
      authorization: "[redacted]",
      webhookSecret: "[redacted]",
      amount: "5",
    })
    expect(lines[0]).not.toContain(key)
    expect(lines[0]).not.toContain(secret)
  })

  it("redacts nested secret fields; a line's field replaces a base field in its place", () => {
    const lines: string[] = []
    const log = makeLogger("debug", { service: "t", mode: "live" }, (l) => lines.push(l))
    log.debug("x", { mode: "test", nested: { apiKey: key, ok: `k ${key}` } })
    const o = JSON.parse(lines[0]!)
    expect(Object.keys(o)).toEqual(["time", "level", "msg", "service", "mode", "nested"])
    expect(o.mode).toBe("test")
    expect(o.nested.apiKey).toBe("[redacted]")
    expect(lines[0]).not.toContain(key)
  })

  it("stdout: lines of one turn go out together, in order, and are flushed when the process exits", () => {
    const src = new URL("../src/log.ts", import.meta.url).pathname
    const script = `import { makeLogger } from ${JSON.stringify(src)}
const log = makeLogger("info", { service: "t" })
log.info("one"); log.info("two"); log.warn("three")
process.exit(0)`
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    })
    expect(r.status).toBe(0)
    const msgs = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).msg)
    expect(msgs).toEqual(["one", "two", "three"])
  })
})

describe("the README's configuration table", () => {
  it("documents every variable readEnv reads", () => {
    const source = readFileSync(new URL("../src/env.ts", import.meta.url), "utf8")
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
    const table = readme.slice(
      readme.indexOf("## Configuration"),
      readme.indexOf("### ", readme.indexOf("## Configuration")),
    )
    const names = new Set(
      [...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)|\(env, "([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1] ?? m[2]),
    )
    expect(names.size).toBeGreaterThan(10)
    const missing = [...names].filter((n) => !table.includes(`\`${n}\``))
    expect(missing).toEqual([])
  })
})
