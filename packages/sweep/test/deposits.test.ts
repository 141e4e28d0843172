import type {
  ChainFamilyModule,
  Checkout,
  NetworkConfig,
  Payment,
  PaymentStatus,
  SweepRunner,
} from "@inzi/core"
import { describe, expect, it } from "vitest"
import {
  depositsFromCheckouts,
  formatUnits,
  parseTreasuries,
  planSweep,
  sweepableFamilies,
  usedIndicesOf,
} from "../src/index.js"
import { FAMILIES } from "./families.js"

const net = (id: string, family: NetworkConfig["family"]): NetworkConfig => ({
  id,
  family,
  mode: "test",
  name: id,
  rpcUrls: ["http://127.0.0.1:1"],
  tokens: [],
  confirmations: 1,
  pollIntervalMs: 1000,
})
const NETS = [net("devnet", "evm"), net("tron-nile", "tron"), net("ton-testnet", "ton")]

const payment = (
  network: string,
  recipient: string,
  status: PaymentStatus,
  amount: bigint,
  n: number,
): Payment => ({
  network,
  txHash: `0x${n}`,
  logIndex: 0,
  token: "USDT",
  tokenContract: "0xAbC",
  decimals: 6,
  amount,
  sender: null,
  recipient,
  blockNumber: 1n,
  blockHash: null,
  status,
  confirmations: 1,
  detectedAt: new Date(0),
  confirmedAt: null,
})

const checkout = (index: bigint, payments: Payment[]): Checkout => ({
  id: `chk_test_${String(index).padEnd(24, "0")}`,
  merchantId: "mer",
  mode: "test",
  status: "completed",
  amountCents: 100n,
  currency: "USD",
  description: null,
  metadataJson: null,
  customerEmail: null,
  redirectUrl: null,
  webhookUrl: null,
  targets: {
    derivationIndex: index,
    entries: [
      { family: "evm", address: `0x${"a".repeat(39)}${index}`, memo: null },
      { family: "ton", address: null, memo: "c" },
      { family: "tron", address: `T${index}`, memo: null },
    ],
  },
  networks: ["devnet", "tron-nile", "ton-testnet"],
  payments,
  expiresAt: new Date(0),
  createdAt: new Date(0),
  updatedAt: new Date(0),
})

describe("deposit addresses from recorded payments", () => {
  it("counts confirmed and late payments, not detected or reverted ones, and never TON", () => {
    const evm = (i: bigint) => `0x${"a".repeat(39)}${i}`
    const cs = [
      checkout(7n, [
        payment("devnet", evm(7n).toUpperCase().replace("0X", "0x"), "confirmed", 5n, 1),
        payment("devnet", evm(7n), "late", 2n, 2),
      ]),
      checkout(1n, [payment("devnet", evm(1n), "detected", 9n, 3)]),
      checkout(2n, [payment("devnet", evm(2n), "reverted", 9n, 4)]),
      checkout(3n, [
        payment("ton-testnet", "EQ…", "confirmed", 9n, 5),
        payment("tron-nile", "T3", "confirmed", 4n, 6),
      ]),
      // A payment whose recipient is not this checkout's address is not swept from it.
      checkout(4n, [payment("devnet", evm(5n), "confirmed", 9n, 7)]),
    ]
    const ds = depositsFromCheckouts(FAMILIES, cs, NETS)
    expect(ds.map((d) => [d.network, d.address, d.derivationIndex, d.recorded])).toEqual([
      ["devnet", evm(7n), 7n, { "0xabc": 7n }],
      ["tron-nile", "T3", 3n, { "0xabc": 4n }],
    ])
    const used = usedIndicesOf(FAMILIES, cs, NETS)
    expect(used.evm!.map((u) => [u.index, u.paid])).toEqual([
      [1n, true],
      [2n, false],
      [3n, false],
      [4n, true],
      [7n, true],
    ])
    expect(usedIndicesOf(FAMILIES, cs, NETS, "tron-nile").evm).toEqual([])
  })

  it("formats base units exactly and sorts treasuries by family", () => {
    expect(formatUnits(42_623_456n, 6)).toBe("42.623456")
    expect(formatUnits(10n ** 18n, 18)).toBe("1")
    expect(formatUnits(5n, 6)).toBe("0.000005")
    expect(
      parseTreasuries(FAMILIES, [
        "0x000000000000000000000000000000000000dEaD",
        "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre",
      ]),
    ).toEqual({
      evm: "0x000000000000000000000000000000000000dEaD",
      tron: "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre",
    })
    // The families are the registry's sweepable modules, each named by its module's label.
    expect(() => parseTreasuries(FAMILIES, ["nope"])).toThrow(
      'treasury "nope" is not an address of EVM or Tron',
    )
    expect(() =>
      parseTreasuries(FAMILIES, ["TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre", "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre"]),
    ).toThrow("two Tron treasuries given")
  })
})

describe("the sweep tool's family registry (the one it is given)", () => {
  it("finds each network's runner, address and facts through its family's entry, never by name", async () => {
    const calls: Array<[string, ReadonlyArray<string>, string | null]> = []
    // A stand-in sweeper for TON (which has none); its payments land at the checkout's TON target address.
    const runner: SweepRunner = {
      isTreasury: (a) => a.startsWith("EQ"),
      addressOfKey: () => "unused",
      plan: async ({ network, deposits, treasury }) => {
        calls.push([network.id, deposits.map((d) => d.address), treasury])
        return {
          network: network.id,
          family: network.family,
          treasury,
          nativeUnit: "wei",
          gasPrice: 0n,
          addresses: [],
          totals: {},
          gasNeeded: 0n,
          topUpTotal: 0n,
          gasAccountOverhead: 0n,
          estimate: "stand-in",
        }
      },
      run: async () => {
        throw new Error("not run")
      },
    }
    const ton = {
      ...FAMILIES.evm,
      family: "ton",
      label: "TON",
      sweep: { nativeCoin: "TON", nativeDecimals: 9, chainPath: "m/44'/607'/0'/0", runner },
    } as unknown as ChainFamilyModule<"ton">
    const cs = [
      {
        ...checkout(4n, [payment("ton-testnet", "ton:4", "confirmed", 5n, 1)]),
        targets: { derivationIndex: 4n, entries: [{ family: "ton" as const, address: "ton:4", memo: null }] },
      },
    ]
    expect(depositsFromCheckouts(FAMILIES, cs, NETS)).toEqual([])
    await expect(
      planSweep({ families: FAMILIES, checkouts: cs, networks: NETS, network: "ton-testnet" }),
    ).rejects.toThrow("ton-testnet needs no sweep")
    // The same tool, given a registry whose TON module carries a sweep: found through it, never by name.
    const withTon = { ...FAMILIES, ton }
    expect(sweepableFamilies(FAMILIES)).toEqual(["evm", "tron"])
    expect(sweepableFamilies(withTon)).toEqual(["evm", "tron", "ton"])
    expect(depositsFromCheckouts(withTon, cs, NETS).map((d) => [d.network, d.family, d.address])).toEqual([
      ["ton-testnet", "ton", "ton:4"],
    ])
    expect(parseTreasuries(withTon, ["EQabc"])).toEqual({ ton: "EQabc" })
    const treasuries = parseTreasuries(withTon, ["EQabc"])
    const plans = await planSweep({ families: withTon, checkouts: cs, networks: NETS, treasuries })
    expect(plans.map((p) => p.estimate)).toEqual(["stand-in"])
    expect(calls).toEqual([["ton-testnet", ["ton:4"], "EQabc"]])
  })
})
