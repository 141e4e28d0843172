import { EVM_PRESETS } from "@inzi/adapter-evm"
import { tonTestnet } from "@inzi/adapter-ton"
import { TRON_NILE } from "@inzi/adapter-tron"
import type { NetworkConfig } from "@inzi/core"
import { HDNodeWallet, Mnemonic } from "ethers"

export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** Test-mode networks of every family (no chain is contacted by the API). */
export const BENCH_NETWORKS: ReadonlyArray<NetworkConfig> = [
  EVM_PRESETS.devnet,
  TRON_NILE,
  tonTestnet({ usdtMaster: "EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ" }),
]
export const TON_WALLET = "EQCWZJqPYmVbsm7ljOgM2lxCtkS3cyY51mAiQPAv91wDq79o"

const ROOT = HDNodeWallet.fromSeed(
  Mnemonic.fromPhrase("test test test test test test test test test test test junk").computeSeed(),
)
/** Account-level xpub `m/44'/<coin>'/<account>'`. */
export const accountXpub = (coin: 60 | 195, account: number): string =>
  ROOT.derivePath(`m/44'/${coin}'/${account}'`).neuter().extendedKey

export const benchSchema = (name: string) => `bench_${name}_${process.pid}_${Date.now().toString(36)}`
