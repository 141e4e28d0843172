import { ChainError } from "@inzi/core"
import { type Address, beginCell, Cell } from "@ton/core"
import { Effect } from "effect"
import type { ToncenterClient, ToncenterStackEntry } from "./toncenter.js"

/** Reads a cell or slice out of a toncenter v2 stack entry (`["cell", { bytes }]`, `["tvm.Slice", b64]` …). */
export const cellOfStackEntry = (entry: ToncenterStackEntry | undefined): Cell | null => {
  if (entry === undefined) return null
  const [type, value] = entry
  try {
    if (
      (type === "cell" || type === "slice") &&
      typeof value === "object" &&
      value !== null &&
      "bytes" in value
    ) {
      return Cell.fromBase64(String((value as { bytes: unknown }).bytes))
    }
    if ((type === "tvm.Cell" || type === "tvm.Slice") && typeof value === "string")
      return Cell.fromBase64(value)
  } catch {
    return null
  }
  return null
}

/** The owner address as the `tvm.Slice` argument of `get_wallet_address`. */
export const ownerSliceArgument = (owner: Address): ToncenterStackEntry => [
  "tvm.Slice",
  beginCell().storeAddress(owner).endCell().toBoc().toString("base64"),
]

/**
 * Finds the genuine jetton wallet of `owner` for the jetton `master` by asking the master itself
 * (`get_wallet_address`), and remembers it: the answer never changes, so each (master, owner) pair costs one
 * call per process. Asking the master (rather than computing from a jetton wallet code we ship) stays correct
 * for any jetton, including USDT's own wallet code and state layout.
 */
export const makeJettonWalletResolver = (client: ToncenterClient, networkId: string) => {
  const cache = new Map<string, Address>()
  const fail = (message: string) => new ChainError({ network: networkId, message, retryable: false })
  const resolve = (master: Address, owner: Address): Effect.Effect<Address, ChainError> => {
    const key = `${master.toRawString()}|${owner.toRawString()}`
    const hit = cache.get(key)
    if (hit !== undefined) return Effect.succeed(hit)
    return client.runGetMethod(master.toRawString(), "get_wallet_address", [ownerSliceArgument(owner)]).pipe(
      Effect.flatMap((r) => {
        if (r.exitCode !== 0 && r.exitCode !== 1) {
          return Effect.fail(fail(`get_wallet_address on ${master.toRawString()} exited with ${r.exitCode}`))
        }
        const cell = cellOfStackEntry(r.stack[0])
        let wallet: Address | null = null
        try {
          wallet = cell?.beginParse().loadAddress() ?? null
        } catch {
          wallet = null
        }
        if (wallet === null) {
          return Effect.fail(fail(`get_wallet_address on ${master.toRawString()} returned no address`))
        }
        cache.set(key, wallet)
        return Effect.succeed(wallet)
      }),
    )
  }
  return { resolve, cached: () => cache.size }
}
