import { type Mode, type NetworkConfig, type PayoutKeys, payoutKeyOf } from "@inzi/core"
import { loadNetworks, PRESETS, readEnv } from "@inzi/platform"
import { type Args, list, str, UsageError } from "./args.js"

/** The configured networks (INZI_NETWORKS), plus the local devnet (as `inzi dev` runs it) when the config has none. */
export const cliNetworks = (): ReadonlyArray<NetworkConfig> => {
  const configured = loadNetworks(readEnv().networksFile)
  if (configured.some((n) => n.id === "devnet")) return configured
  const devnet = PRESETS.find((n) => n.id === "devnet")!
  const rpc = process.env.INZI_DEVNET_RPC_URL ?? `http://127.0.0.1:${process.env.INZI_DEVNET_PORT ?? 8545}`
  return [...configured, { ...devnet, rpcUrls: [rpc] }]
}

/** `ids` of the networks, for an error message. */
export const knownNetworks = (networks: ReadonlyArray<NetworkConfig>): string =>
  networks.map((n) => `${n.id} (${n.mode})`).join(", ")

/** The network `id` given with `--<flag>`, or a usage error that lists the known ones. */
export const networkOf = (
  networks: ReadonlyArray<NetworkConfig>,
  id: string,
  flag: string,
): NetworkConfig => {
  const n = networks.find((x) => x.id === id)
  if (n === undefined)
    throw new UsageError(
      `--${flag}: unknown network "${id}"; configured: ${knownNetworks(networks)} (INZI_NETWORKS names the config file)`,
    )
  return n
}

/**
 * The networks given with `--<mode>-networks`: each must be configured, of that mode, and have a payout key of
 * its family (an xpub or a wallet) among the merchant's flags.
 */
export const enabledNetworks = (
  args: Args,
  m: Mode,
  known: ReadonlyArray<NetworkConfig>,
  keys: PayoutKeys,
): ReadonlyArray<string> => {
  const flag = `${m}-networks`
  return list(str(args, flag)).map((id) => {
    const n = networkOf(known, id, flag)
    if (n.mode !== m)
      throw new UsageError(`--${flag}: ${n.id} is a ${n.mode} network (put it in --${n.mode}-networks)`)
    if (payoutKeyOf({ payoutKeys: keys }, n.family) === null)
      throw new UsageError(`--${flag}: ${n.id} is a ${n.family} network and needs --payout ${n.family}=<key>`)
    return n.id
  })
}
