import { openRuntime, readEnv } from "@inzi/platform"
import { type Args, str } from "./args.js"

/**
 * `inzi quarantine list` and the quarantine lines of `inzi status`: chain events the store set aside because
 * their data could not be stored (packages/adapter-postgres quarantine.ts). Their text comes from the chain,
 * so it is escaped before it reaches a terminal.
 */

interface Command {
  readonly booleans?: ReadonlySet<string>
  readonly run: (args: Args) => Promise<number | undefined>
}

/** C0 controls, DEL, C1 controls and the bidi/format characters that reorder or hide text. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** Chain text made inert for a terminal table cell: each unsafe character (tab included) as `\xNN`/`\uNNNN`. */
export const shown = (s: string): string =>
  s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`
  })

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

const list: Command = {
  booleans: new Set(["json"]),
  run: async (args) => {
    const rt = await openRuntime(readEnv(), { migrate: true })
    try {
      const rows = await rt.quarantined(str(args, "network"))
      if (args.flags.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
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
  },
}

export const quarantineCommands = { list } as const
