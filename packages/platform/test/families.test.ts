import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type ChainFamily,
  decodeNetworkConfig,
  type DepositTargets,
  depositTargetOf,
  type NetworkConfig,
  seededRandomBytes,
  storedTarget,
} from "@inzi/core"
import { Effect, Either, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FAMILIES, loadNetworks, PRESETS, scannerFor, TOKENLESS_PRESETS } from "../src/index.js"

const file = (networks: ReadonlyArray<unknown>) => {
  const p = join(mkdtempSync(join(tmpdir(), "inzi-fam-")), "networks.json")
  writeFileSync(p, JSON.stringify({ networks }))
  return p
}

const preset = (id: string): NetworkConfig => [...PRESETS, ...TOKENLESS_PRESETS].find((p) => p.id === id)!

const targets: DepositTargets = {
  derivationIndex: 3n,
  entries: [
    { family: "evm", address: "0x00000000000000000000000000000000000000Aa", memo: null },
    { family: "tron", address: "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", memo: null },
    { family: "ton", address: null, memo: "INZ-7K2Q" },
    { family: "solana", address: null, memo: "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny" },
  ],
}
const EVM = "0x00000000000000000000000000000000000000Aa"
const TRON = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"

describe("FAMILIES (the registry the apps run)", () => {
  it("has one module per family, each under its own name, with presets that decode", () => {
    for (const [name, module] of Object.entries(FAMILIES)) {
      expect(module.family).toBe(name)
      for (const p of module.presets) {
        expect(p.family).toBe(name)
        expect(Either.isRight(decodeNetworkConfig([p], FAMILIES))).toBe(true)
      }
    }
    expect(PRESETS.map((p) => p.id)).toEqual(
      Object.values(FAMILIES).flatMap((m) => m.presets.map((p) => p.id)),
    )
  })

  it("writes each family's payment target as the page and API always did", () => {
    const token = (n: NetworkConfig) => n.tokens[0]!
    const option = (id: string, payout: string | null) => {
      const network = preset(id)
      const family = FAMILIES[network.family]
      const target = depositTargetOf(targets, network.family)
      return family.paymentTarget({
        network,
        token: token(network),
        units: 25_000_000n,
        target,
        payout,
        payee: "Acme & Co",
        purpose: "Order #7",
      })
    }
    expect(option("base", null)).toEqual({
      address: EVM,
      memo: null,
      uri: `ethereum:${token(preset("base")).contract}@8453/transfer?address=${EVM}&uint256=25000000`,
    })
    expect(option("tron", null)).toEqual({
      address: TRON,
      memo: null,
      uri: TRON,
    })
    expect(option("ton", null)).toBeNull()
    expect(option("ton", "UQwallet")).toEqual({
      address: "UQwallet",
      memo: "INZ-7K2Q",
      uri: `ton://transfer/UQwallet?jetton=${encodeURIComponent(token(preset("ton")).contract)}&amount=25000000&text=INZ-7K2Q`,
    })
    // Solana Pay: the merchant's wallet, no memo to type (the reference rides in the link), the payee and
    // purpose as the label and message wallets show.
    expect(option("solana", null)).toBeNull()
    expect(option("solana", "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN")).toEqual({
      address: "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN",
      memo: null,
      uri:
        "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=25&spl-token=EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v" +
        "&reference=82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny&label=Acme%20%26%20Co&message=Order%20%237",
    })
    expect(
      FAMILIES.evm.paymentTarget({
        network: preset("base"),
        token: token(preset("base")),
        units: 1n,
        target: null,
        payout: null,
        payee: "Acme",
        purpose: null,
      }),
    ).toBeNull()
  })

  it("names each network's token standard and explorer links", () => {
    const standard = (id: string) => FAMILIES[preset(id).family].tokenStandard(preset(id))
    expect(["ethereum", "bsc", "base", "tron", "ton", "solana"].map(standard)).toEqual([
      "ERC-20",
      "BEP-20",
      "ERC-20",
      "TRC-20",
      "jetton",
      "SPL",
    ])
    const tron = preset("tron")
    expect(FAMILIES.tron.explorerTxUrl(tron, "ab/c")).toBe("https://tronscan.org/#/transaction/ab%2Fc")
    expect(FAMILIES.tron.explorerAddressUrl(tron, "T1")).toBeNull()
    const withAddress = { ...tron, explorerAddressUrl: "https://tronscan.org/#/address/{address}" }
    expect(FAMILIES.tron.explorerAddressUrl(withAddress, "T1")).toBe("https://tronscan.org/#/address/T1")
  })

  it("reads deposits the family's way: derived address (hex case-insensitive) or wallet + memo", () => {
    const kinds = Object.fromEntries(Object.values(FAMILIES).map((m) => [m.family, m.deposit]))
    expect(kinds).toEqual({
      evm: { kind: "derived-address", caseInsensitive: true },
      tron: { kind: "derived-address", caseInsensitive: false },
      ton: { kind: "wallet-memo", memoName: "comment", newMemo: expect.any(Function), caseInsensitive: true },
      solana: {
        kind: "wallet-memo",
        memoName: "reference",
        newMemo: expect.any(Function),
        caseInsensitive: false,
      },
    } satisfies Record<ChainFamily, unknown>)
    // Solana's reference: 32 random bytes as a base58 public key, looked up exactly as written.
    const solana = FAMILIES.solana.deposit
    if (solana.kind !== "wallet-memo") throw new Error("expected wallet-memo")
    expect(solana.newMemo(seededRandomBytes(2))).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/)
    // TON's memo generator: 8 characters a payer can type, from the bytes given.
    const ton = FAMILIES.ton.deposit
    if (ton.kind !== "wallet-memo") throw new Error("expected wallet-memo")
    expect(ton.newMemo(seededRandomBytes(1))).toMatch(/^[2-9A-HJKMNP-Z]{8}$/)
    expect(ton.newMemo(seededRandomBytes(1))).toBe(ton.newMemo(seededRandomBytes(1)))
    // Lookup keys as stored: EVM in lower case, Tron as is, a TON comment with its merchant, upper case.
    const stored = (family: ChainFamily, address: string | null, memo: string | null) =>
      storedTarget(FAMILIES, "mer_1", { family, address, memo }).lookup
    expect(stored("evm", "0xAbC", null)).toBe("0xabc")
    expect(stored("tron", "TAbC", null)).toBe("TAbC")
    expect(stored("ton", null, " k7p2m9qx")).toBe("mer_1:K7P2M9QX")
    expect(stored("solana", null, "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny")).toBe(
      "mer_1:82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny",
    )
    expect(FAMILIES.solana.walletProblem?.("mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN")).toBeNull()
    expect(FAMILIES.solana.walletProblem?.("0xAbC")).toMatch(/not a Solana address/)
    // Payout keys checked by the module: an xpub by its deriver, a wallet by `walletProblem`.
    expect(FAMILIES.ton.walletProblem?.(`0:${"ab".repeat(32)}`)).toBeNull()
    expect(FAMILIES.ton.walletProblem?.("UQnope")).toMatch(/not a TON address/)
    expect(Object.values(FAMILIES).map((m) => `${m.label} ${m.payoutKeyLabel}`)).toEqual([
      "EVM account xpub",
      "Tron account xpub",
      "TON wallet",
      "Solana wallet",
    ])
    expect(
      Object.values(FAMILIES)
        .filter((m) => m.deriver !== undefined)
        .map((m) => m.family),
    ).toEqual(["evm", "tron"])
  })
})

describe("loadNetworks with the registry", () => {
  it("names the known presets for an unknown one, and the known families for an unknown family", () => {
    expect(() => loadNetworks(file([{ preset: "optimism" }]))).toThrow(
      /unknown preset "optimism" \(known: ethereum, .*tron, tron-nile, ton, solana, solana-devnet, ton-testnet\)/,
    )
    const stellar = { ...preset("base"), id: "stellar", family: "stellar" }
    expect(() => loadNetworks(file([stellar]))).toThrow(
      /\[0\]\.family: unknown family "stellar" \(known: evm, tron, ton, solana\)/,
    )
  })

  it("takes a family's options from the network file, validated by the family's schema", () => {
    const [ton] = loadNetworks(
      file([{ preset: "ton", options: { source: "notifications", minIntervalMs: 1100 } }]),
    )
    expect(ton?.options).toEqual({ source: "notifications", minIntervalMs: 1100 })
    expect(() => loadNetworks(file([{ preset: "ton", options: { source: "mempool" } }]))).toThrow(
      /\[0\]\.options\.source: /,
    )
    expect(() => loadNetworks(file([{ preset: "ton", options: { minIntervalMs: -1 } }]))).toThrow(
      /\[0\]\.options\.minIntervalMs: /,
    )
    expect(() => loadNetworks(file([{ preset: "tron", options: { source: "notifications" } }]))).toThrow(
      /\[0\]\.options\.source: /,
    )
    expect(() => loadNetworks(file([{ preset: "base", options: { scanFrom: "head" } }]))).toThrow(
      /\[0\]\.options\.scanFrom: /,
    )
    const [tron] = loadNetworks(file([{ preset: "tron", options: { scanFrom: "solidified" } }]))
    expect(tron?.options).toEqual({ scanFrom: "solidified" })
  })
})

describe("scannerFor", () => {
  // A toncenter stand-in that rate-limits every call with `Retry-After: 0` (retried at once): only the times of
  // the calls matter here.
  const calls: Array<number> = []
  const server = createServer((_req, res) => {
    calls.push(Date.now())
    res
      .writeHead(429, { "content-type": "application/json", "retry-after": "0" })
      .end('{"ok":false,"error":"slow down","code":429}')
  })
  let url = ""
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it("passes the network file's options to the family's scanner (TON minIntervalMs spaces the calls)", async () => {
    const ton = { ...preset("ton"), rpcUrls: [url], options: { minIntervalMs: 300, maxAttempts: 4 } }
    const scanner = await Effect.runPromise(scannerFor(ton))
    calls.length = 0
    await Effect.runPromiseExit(scanner.verify())
    expect(calls.length).toBe(4)
    // Four calls at least 300 ms apart at send time span ≥ 900 ms (≈ 300 ms without the option).
    expect(calls[3]! - calls[0]!).toBeGreaterThanOrEqual(800)
  }, 30_000)

  it("refuses options its family's schema refuses, before any call", async () => {
    calls.length = 0
    const exit = await Effect.runPromiseExit(
      scannerFor({ ...preset("ton"), rpcUrls: [url], options: { pageSize: 1 } }),
    )
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toMatch(/"retryable":false/)
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toMatch(/pageSize/)
    expect(calls).toEqual([])
  })
})
