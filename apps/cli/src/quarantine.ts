import { readEnv } from "@inzi/platform/env"
import { openRuntime } from "@inzi/platform/runtime"
import { type Args, str } from "./args.js"
import { cell as shown, jsonText } from "./text.js"

/**
 * `inzi quarantine list` and the quarantine lines of `inzi status`: chain events the store set aside because
 * their data could not be stored (packages/adapter-postgres quarantine.ts). Their text comes from the chain,
 * so it is escaped before it reaches a terminal.
 */

type Command = (args: Args) => Promise<number | undefined>

export interface QuarantineStatus {
  readonly network: string
  readonly count: number
  readonly latestSqlstate: string
  readonly latestReason: string
  readonly latestAt: string
}

/** The `inzi status` lines: one per network with quarantined events, or none at all. */
export const quarantineStatusLines = (q: ReadonlyArray<QuarantineStatus>): ReadonlyArray<string> =>
  q.map(
    (n) =>
      `quarantined chain events: ${shown(n.network)} ${n.count} (latest ${n.latestAt}, ${shown(n.latestSqlstate)}: ${shown(n.latestReason)}; inzi quarantine list)`,
  )

const list: Command = async (args) => {
  const rt = await openRuntime(readEnv(), { migrate: true })
  try {
    const rows = await rt.quarantined(str(args, "network"))
    if (args.flags.json) {
      process.stdout.write(jsonText(rows))
      return 0
    }
    const lines = rows.map((r) =>
      [
        r.quarantinedAt.toISOString(),
        r.network,
        r.txHash,
        r.logIndex,
        r.event,
        r.sqlstate,
        r.reason,
        JSON.stringify(r.body),
      ]
        .map(shown)
        .join("\t"),
    )
    process.stdout.write(
      `${
        lines.length === 0
          ? "no quarantined chain events"
          : [
              "quarantined_at\tnetwork\ttx_hash\tlog_index\tevent\tsqlstate\treason\tevent_json",
              ...lines,
            ].join("\n")
      }\n`,
    )
    return 0
  } finally {
    await rt.close()
  }
}

export const quarantineCommands = { list } as const
