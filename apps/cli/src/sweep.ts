import { type ChainFamily, type Checkout, MerchantStore, type NetworkConfig } from "@inzi/core"
import { FAMILIES, readEnv } from "@inzi/platform"
import {
  formatUnits,
  journalFile,
  merchantCheckouts,
  parseTreasuries,
  pendingIntents,
  planSweep,
  planToJson,
  readJournal,
  renderPlan,
  runSweep,
  sweepableFamilies,
  sweeperOf,
  usedIndicesOf,
} from "@inzi/sweep"
import { Effect } from "effect"
import { type Args, list, required, str, UsageError } from "./args.js"
import { withRuntime } from "./db.js"
import { loadDevnet } from "./devnet.js"
import { cliNetworks, networkOf } from "./networks.js"
import { jsonText } from "./text.js"

/**
 * `inzi sweep plan | sweep run`, `inzi indices export`: getting the money out of per-checkout deposit
 * addresses (see packages/sweep/README.md). Secrets (the merchant's mnemonic, the gas account's key) are
 * read from stdin only: never from argv or the environment, never logged, never stored.
 */

type Command = (args: Args) => Promise<number | undefined>

const json = jsonText

const loadCheckouts = (merchantId: string): Promise<ReadonlyArray<Checkout>> =>
  withRuntime(
    Effect.gen(function* () {
      yield* Effect.flatMap(MerchantStore, (s) => s.getMerchant(merchantId))
      return yield* merchantCheckouts(merchantId)
    }),
  )

/** Reads the secrets from stdin, one per line. Refuses a terminal: there is no prompt that hides input. */
const readSecrets = async (): Promise<ReadonlyArray<string>> => {
  if (process.stdin.isTTY)
    throw new UsageError(
      "--execute reads the mnemonic (and the gas account key) from stdin, one per line; pipe them in (e.g. `inzi sweep run … --execute < secrets`), a terminal is refused because it would echo them",
    )
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
    .toString("utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
}

/** Why a network's family has nothing to sweep (its module has no `sweep`), or null. */
const noSweep = (network: NetworkConfig): string | null => {
  const family = FAMILIES[network.family]
  return family.sweep === undefined
    ? `${family.label} needs no sweep: payments land in the merchant's own wallet`
    : null
}

const plan: Command = async (args) => {
  const merchantId = required(args, "merchant")
  const only = str(args, "network")
  const note = only === undefined ? null : noSweep(networkOf(cliNetworks(), only, "network"))
  if (note !== null) {
    process.stdout.write(args.flags.json ? json({ network: only, sweep: false, note }) : `${note}\n`)
    return 0
  }
  const checkouts = await loadCheckouts(merchantId)
  const plans = await planSweep({
    families: FAMILIES,
    checkouts,
    networks: cliNetworks(),
    network: only,
    treasuries: parseTreasuries(FAMILIES, list(str(args, "treasury"))),
  })
  process.stdout.write(args.flags.json ? json(planToJson(plans)) : `${renderPlan(FAMILIES, plans)}\n`)
  return 0
}

const run: Command = async (args) => {
  const merchantId = required(args, "merchant")
  const networkId = required(args, "network")
  const network = networkOf(cliNetworks(), networkId, "network")
  const note = noSweep(network)
  if (note !== null) throw new UsageError(note)
  const treasuries: Readonly<Partial<Record<ChainFamily, string>>> = parseTreasuries(FAMILIES, [
    required(args, "treasury"),
  ])
  const treasury = treasuries[network.family]
  if (treasury === undefined) throw new UsageError(`--treasury is not a ${network.family} address`)
  const confirmations = str(args, "confirmations")
  if (confirmations !== undefined && !/^[1-9][0-9]*$/.test(confirmations))
    throw new UsageError("--confirmations must be a positive integer")
  const gasAccount = str(args, "gas-account")
  const rawIndices = list(str(args, "indices"))
  if (rawIndices.some((i) => !/^[0-9]+$/.test(i)))
    throw new UsageError("--indices must be derivation indices, comma-separated")
  const indices = rawIndices.length ? rawIndices.map((i) => BigInt(i)) : undefined
  const dataDir = readEnv().dataDir
  // Secrets first: a terminal is refused before anything else happens.
  const secrets = args.flags.execute ? await readSecrets() : []
  const checkouts = await loadCheckouts(merchantId)

  if (!args.flags.execute) {
    const plans = await planSweep({
      families: FAMILIES,
      checkouts,
      networks: [network],
      indices,
      treasuries: { [network.family]: treasury },
    })
    const pending = pendingIntents(readJournal(journalFile(dataDir)), network.id)
    if (args.flags.json)
      process.stdout.write(
        json({ dry_run: true, plan: planToJson(plans), journal_pending: pending.map((p) => p.txHash) }),
      )
    else
      process.stdout.write(
        `dry run (nothing is signed or sent; add --execute and pipe the mnemonic on stdin)\n${renderPlan(FAMILIES, plans)}\n${
          pending.length
            ? `first, ${pending.length} journaled transaction(s) of an interrupted run would be settled: ${pending.map((p) => p.txHash).join(", ")}\n`
            : ""
        }`,
      )
    return 0
  }

  const mnemonic = secrets[0]
  if (mnemonic === undefined) throw new UsageError("stdin is empty: the first line must be the mnemonic")
  let gasKey: string
  if (gasAccount !== undefined) {
    const m = /^devnet:([0-9]+)$/.exec(gasAccount)
    const named = m ? (await loadDevnet()).DEVNET_ACCOUNTS[Number(m[1])] : undefined
    if (named === undefined || network.id !== "devnet")
      throw new UsageError(
        "--gas-account names a devnet account (devnet:0..2) on the devnet only; elsewhere pipe its key as the second stdin line",
      )
    gasKey = named.privateKey
  } else {
    const k = secrets[1]
    if (k === undefined || !/^(0x)?[0-9a-fA-F]{64}$/.test(k))
      throw new UsageError("the second stdin line must be the gas account's private key (64 hex digits)")
    gasKey = k.startsWith("0x") ? k : `0x${k}`
  }
  const native = FAMILIES[network.family].sweep?.nativeDecimals ?? 0
  const report = await runSweep({
    families: FAMILIES,
    merchantId,
    checkouts,
    network,
    treasury,
    indices,
    mnemonic,
    gasKey,
    dataDir,
    confirmations: confirmations === undefined ? undefined : Number(confirmations),
    onEvent: (e) => {
      if (!args.flags.json && e.type === "settled")
        process.stderr.write(
          `  ${e.intent.role} #${e.intent.derivationIndex} ${e.intent.txHash} ${e.status} (fee ${formatUnits(e.fee, native)})\n`,
        )
    },
  })
  if (args.flags.json) process.stdout.write(json(report))
  else {
    const lines = [
      `${report.network}: swept to ${report.treasury}`,
      ...report.resumed.map((r) => `  settled from an earlier run: ${r.txHash} ${r.status}`),
      ...report.topUps.map((t) => `  top-up ${t.address} ${formatUnits(t.amount, native)} (${t.txHash})`),
      ...report.moved.map(
        (m) =>
          `  moved #${m.derivationIndex} ${m.address} ${formatUnits(m.amount, report.plan.addresses.flatMap((a) => a.transfers).find((t) => t.contract === m.contract)?.decimals ?? 0)} ${m.symbol} (${m.txHash})`,
      ),
      report.moved.length === 0 && report.topUps.length === 0 ? "  nothing to move" : "",
    ].filter(Boolean)
    process.stdout.write(`${lines.join("\n")}\n`)
  }
  return 0
}

const indicesExport: Command = async (args) => {
  const merchantId = required(args, "merchant")
  const network = str(args, "network")
  const networks = cliNetworks()
  if (network !== undefined) networkOf(networks, network, "network")
  const used = usedIndicesOf(FAMILIES, await loadCheckouts(merchantId), networks, network)
  const gap = (xs: ReadonlyArray<{ index: bigint }>) => (xs.length ? xs[xs.length - 1]!.index + 1n : 0n)
  // One entry per family the sweep tool knows (its registry), keyed by the family's name.
  const families = sweepableFamilies(FAMILIES).map((f) => {
    const indices = used[f] ?? []
    return [
      f,
      { path: `${sweeperOf(FAMILIES, f)?.sweep.chainPath}/i`, gap_limit: gap(indices), indices },
    ] as const
  })
  const out = { merchant: merchantId, ...Object.fromEntries(families) }
  if (args.flags.json) process.stdout.write(json(out))
  else
    process.stdout.write(
      `${families
        .map(
          ([f, u]) =>
            `${f} (${u.path}): ${u.indices.length} indices, wallets need a gap limit of at least ${u.gap_limit}\n${u.indices
              .map((x) => `  ${x.index}\t${x.address}\t${x.checkoutId}\t${x.paid ? "paid" : "unpaid"}`)
              .join("\n")}`,
        )
        .join("\n")}\n`,
    )
  return 0
}

/** Loaded by main.ts for `sweep plan`, `sweep run` and `indices export`. */
export const sweepCommands = { plan, run, indicesExport } as const
