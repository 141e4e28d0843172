import type { SweepRunner } from "@inzi/core"
import { computeAddress, getBytes } from "ethers"
import { isTronAddress, tronAddressFromBytes } from "./address.js"

/** The Tron address (`T…`) of a private key: base58check(0x41 ‖ the EVM address bytes). */
export const tronAddressOfKey = (privateKey: string): string =>
  tronAddressFromBytes(getBytes(computeAddress(privateKey)))

/**
 * The Tron family's sweep runner (`tronFamily.sweep.runner`). Its chain code (sweep.ts, with tronweb) is loaded
 * on first use: a server or watcher that loads the family module never loads tronweb.
 */
export const tronSweepRunner: SweepRunner = {
  isTreasury: (a) => isTronAddress(a) && a.startsWith("T"),
  addressOfKey: tronAddressOfKey,
  plan: async (p) => (await import("./sweep.js")).planTron(p),
  run: async (p) => (await import("./sweep.js")).runTron(p),
}
