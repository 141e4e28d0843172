import {
  AddressDerivation,
  CheckoutStore,
  formatCents,
  formatTimestamp,
  hostAllowed,
  hostPatternProblem,
  issueApiKey,
  MerchantStore,
  type Mode,
  newWebhookSecret,
  Outbox,
  registerMerchant,
  urlProblem,
} from "@inzi/core"
import { isTonWalletAddress } from "@inzi/adapter-ton"
import { openRuntime, readEnv, type RuntimeServices } from "@inzi/platform"
import { Effect } from "effect"
import { type Args, required, str, UsageError } from "./args.js"
import { runDev } from "./dev.js"
import { runPay } from "./pay.js"
import { quarantineCommands, quarantineStatusLines } from "./quarantine.js"
import { secretsCommands } from "./secrets.js"
import { sweepCommands } from "./sweep.js"

export interface Command {
  readonly booleans?: ReadonlySet<string>
  readonly run: (args: Args) => Promise<number | undefined>
}

const out = (args: Args, json: unknown, text: string) => {
  process.stdout.write(
    args.flags.json
      ? `${JSON.stringify(json, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`
      : `${text}\n`,
  )
}

const mode = (s: string | undefined): Mode => {
  if (s === "live" || s === "test") return s
  throw new UsageError(`--mode must be live or test`)
}

const list = (s: string | undefined): ReadonlyArray<string> =>
  s === undefined
    ? []
    : s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)

/** Runs an Effect against the configured database (embedded PGlite or DATABASE_URL). */
const withRuntime = async <A, E>(eff: Effect.Effect<A, E, RuntimeServices>): Promise<A> => {
  const rt = await openRuntime(readEnv(), { migrate: true })
  try {
    return await rt.run(eff)
  } finally {
    await rt.close()
  }
}

const JSON_FLAG = new Set(["json"])

/** A merchant's default endpoint for one mode: a URL the API would accept for that mode (https in live). */
const webhookUrlFlag = (args: Args, flag: "webhook-url" | "test-webhook-url"): string | null | undefined => {
  const v = str(args, flag)
  if (v === undefined) return undefined
  if (v === "") return null
  const problem = urlProblem(v, flag === "webhook-url" ? "live" : "test")
  if (problem !== null) throw new UsageError(`--${flag} ${problem}`)
  return v
}

/** `--allowed-*-hosts a,b` as a host allow-list ("" clears it: any host); `undefined` when not given. */
const hostsFlag = (args: Args, flag: string): ReadonlyArray<string> | undefined => {
  const v = str(args, flag)
  if (v === undefined) return undefined
  const hosts = list(v)
  for (const h of hosts) {
    const problem = hostPatternProblem(h)
    if (problem !== null) throw new UsageError(`--${flag}: ${problem}`)
  }
  return hosts
}

const forever = () => new Promise<number>(() => {})

export const commands: Record<string, Command> = {
  dev: {
    run: async () => {
      await runDev()
      return forever()
    },
  },
  serve: {
    run: async () => {
      await import("@inzi/server/main")
      return forever()
    },
  },
  work: {
    run: async () => {
      await import("@inzi/worker/main")
      return forever()
    },
  },
  pay: { booleans: JSON_FLAG, run: runPay },
  "secrets encrypt": secretsCommands.encrypt,
  "secrets rotate": secretsCommands.rotate,
  "sweep plan": sweepCommands.plan,
  "sweep run": sweepCommands.run,
  "indices export": sweepCommands.indicesExport,
  status: {
    booleans: JSON_FLAG,
    run: async (args) => {
      const rt = await openRuntime(readEnv(), { migrate: true })
      try {
        const s = await rt.status()
        const lines = [
          "network        head          scanned_to    lag     rpc calls/errors  updated                   last error",
          ...s.watchers.map(
            (w) =>
              `${w.network.padEnd(14)} ${String(w.head ?? "-").padEnd(13)} ${String(w.scannedTo ?? "-").padEnd(13)} ${String(w.lag ?? "-").padEnd(7)} ${`${w.rpcCalls}/${w.rpcErrors}`.padEnd(17)} ${w.updatedAt.padEnd(25)} ${w.lastError ?? ""}`,
          ),
          `webhooks: ${s.outbox.pending} pending (oldest ${s.outbox.oldestPendingAgeSeconds}s), ${s.outbox.failed} failed`,
          ...quarantineStatusLines(s.quarantine),
        ]
        out(args, s, lines.join("\n"))
      } finally {
        await rt.close()
      }
      return 0
    },
  },
  migrate: {
    booleans: JSON_FLAG,
    run: async (args) => {
      const rt = await openRuntime(readEnv(), { migrate: false })
      try {
        const r = await rt.migrate()
        out(args, r, r.applied.length ? `applied: ${r.applied.join(", ")}` : "database is up to date")
      } finally {
        await rt.close()
      }
      return 0
    },
  },

  "merchant create": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const name = required(args, "name")
      const evmXpub = str(args, "evm-xpub") ?? null
      const tronXpub = str(args, "tron-xpub") ?? null
      const tonWallet = str(args, "ton-wallet") ?? null
      if (tonWallet !== null && !isTonWalletAddress(tonWallet))
        throw new UsageError(
          `--ton-wallet is not a TON address (expected UQ…/EQ… or 0:<hex>): "${tonWallet}"`,
        )
      const webhookUrl = webhookUrlFlag(args, "webhook-url") ?? null
      const testWebhookUrl = webhookUrlFlag(args, "test-webhook-url") ?? null
      const r = await withRuntime(
        Effect.gen(function* () {
          const derivation = yield* AddressDerivation
          if (evmXpub) yield* derivation.validateXpub("evm", evmXpub)
          if (tronXpub) yield* derivation.validateXpub("tron", tronXpub)
          const store = yield* MerchantStore
          // Deposit addresses are unique across merchants: the same xpub twice would hand out the same addresses.
          for (const other of yield* store.listMerchants()) {
            if (evmXpub && other.evmXpub === evmXpub)
              return yield* Effect.fail(
                new UsageError(`this EVM xpub is already used by merchant ${other.id}`),
              )
            if (tronXpub && other.tronXpub === tronXpub)
              return yield* Effect.fail(
                new UsageError(`this Tron xpub is already used by merchant ${other.id}`),
              )
          }
          return yield* registerMerchant({
            name,
            webhookUrl,
            testWebhookUrl,
            evmXpub,
            tronXpub,
            tonWallet,
            networks: { live: list(str(args, "live-networks")), test: list(str(args, "test-networks")) },
          })
        }),
      )
      out(
        args,
        {
          id: r.id,
          name: r.name,
          webhook_secret: r.webhookSecret,
          test_webhook_secret: r.testWebhookSecret,
        },
        [
          `merchant ${r.id} (${r.name})`,
          "webhook secrets (shown once here; keep them safe; each mode signs with its own):",
          `  live: ${r.webhookSecret}`,
          `  test: ${r.testWebhookSecret}`,
        ].join("\n"),
      )
      return 0
    },
  },

  "merchant update": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const id = required(args, "merchant")
      const webhookUrl = webhookUrlFlag(args, "webhook-url")
      const testWebhookUrl = webhookUrlFlag(args, "test-webhook-url")
      const allowedRedirectHosts = hostsFlag(args, "allowed-redirect-hosts")
      const allowedWebhookHosts = hostsFlag(args, "allowed-webhook-hosts")
      const rotate = str(args, "rotate-secret")
      if (rotate !== undefined && rotate !== "live" && rotate !== "test")
        throw new UsageError(`--rotate-secret must be live or test`)
      if (
        webhookUrl === undefined &&
        testWebhookUrl === undefined &&
        rotate === undefined &&
        allowedRedirectHosts === undefined &&
        allowedWebhookHosts === undefined
      )
        throw new UsageError(
          'nothing to change: give --webhook-url, --test-webhook-url, --allowed-redirect-hosts, --allowed-webhook-hosts ("" clears one) or --rotate-secret live|test',
        )
      const m = await withRuntime(
        Effect.gen(function* () {
          const secret = rotate === undefined ? undefined : yield* newWebhookSecret
          const store = yield* MerchantStore
          // The merchant's own default endpoints obey its webhook allow-list, as a checkout's webhook_url does.
          const current = yield* store.getMerchant(id)
          const hooks = allowedWebhookHosts ?? current.allowedWebhookHosts ?? []
          for (const [flag, url] of [
            ["webhook-url", webhookUrl === undefined ? current.webhookUrl : webhookUrl],
            ["test-webhook-url", testWebhookUrl === undefined ? current.testWebhookUrl : testWebhookUrl],
          ] as const)
            if (url !== null && !hostAllowed(url, hooks))
              return yield* Effect.fail(
                new UsageError(
                  `--${flag} ${url}: its host is not in the merchant's allowed webhook hosts (${hooks.join(", ")})`,
                ),
              )
          return yield* store.updateMerchant(id, {
            ...(allowedRedirectHosts !== undefined ? { allowedRedirectHosts } : {}),
            ...(allowedWebhookHosts !== undefined ? { allowedWebhookHosts } : {}),
            ...(webhookUrl !== undefined ? { webhookUrl } : {}),
            ...(testWebhookUrl !== undefined ? { testWebhookUrl } : {}),
            ...(rotate === "live" ? { webhookSecret: secret } : {}),
            ...(rotate === "test" ? { testWebhookSecret: secret } : {}),
          })
        }),
      )
      const rotated = rotate === "live" ? m.webhookSecret : rotate === "test" ? m.testWebhookSecret : null
      out(
        args,
        {
          id: m.id,
          webhook_url: m.webhookUrl,
          test_webhook_url: m.testWebhookUrl,
          allowed_redirect_hosts: m.allowedRedirectHosts ?? [],
          allowed_webhook_hosts: m.allowedWebhookHosts ?? [],
          ...(rotate !== undefined ? { [`${rotate === "live" ? "" : "test_"}webhook_secret`]: rotated } : {}),
        },
        [
          `merchant ${m.id}: live webhooks → ${m.webhookUrl ?? "(none)"}; test webhooks → ${m.testWebhookUrl ?? "(none)"}`,
          `  allowed redirect hosts: ${m.allowedRedirectHosts?.join(", ") || "any"}; allowed webhook hosts: ${m.allowedWebhookHosts?.join(", ") || "any"}`,
          ...(rotated !== null
            ? [
                `new ${rotate} webhook secret (shown once; the old one stops signing now — accept both at your endpoint while you switch): ${rotated}`,
              ]
            : []),
        ].join("\n"),
      )
      return 0
    },
  },

  "merchant list": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const ms = await withRuntime(Effect.flatMap(MerchantStore, (s) => s.listMerchants()))
      const rows = ms.map((m) => ({
        id: m.id,
        name: m.name,
        webhook_url: m.webhookUrl,
        test_webhook_url: m.testWebhookUrl,
        evm: m.evmXpub !== null,
        tron: m.tronXpub !== null,
        ton_wallet: m.tonWallet,
        networks: m.networks,
        created_at: formatTimestamp(m.createdAt),
      }))
      out(
        args,
        rows,
        rows
          .map((r) => `${r.id}\t${r.name}\tevm:${r.evm} tron:${r.tron} ton:${r.ton_wallet ?? "-"}`)
          .join("\n") || "no merchants",
      )
      return 0
    },
  },

  "key create": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const merchantId = required(args, "merchant")
      const m = mode(str(args, "mode"))
      const r = await withRuntime(
        Effect.map(issueApiKey(merchantId, m), ({ record, key }) => ({ rec: record, key })),
      )
      out(
        args,
        { id: r.rec.id, merchant: merchantId, mode: m, prefix: r.rec.prefix, key: r.key },
        `${r.key}\n(this ${m} key is shown once; Inzi stores only its hash — id ${r.rec.id}, prefix ${r.rec.prefix})`,
      )
      return 0
    },
  },

  "key revoke": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const which = args.positionals[0]
      if (!which) throw new UsageError("key revoke needs a key id or visible prefix")
      const r = await withRuntime(Effect.flatMap(MerchantStore, (s) => s.revokeApiKey(which, new Date())))
      if (r === null) {
        out(args, { revoked: false }, `no key matches "${which}"`)
        return 1
      }
      out(args, { revoked: true, id: r.id, prefix: r.prefix }, `revoked ${r.id} (${r.prefix}…)`)
      return 0
    },
  },

  "key list": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const merchantId = required(args, "merchant")
      const keys = await withRuntime(Effect.flatMap(MerchantStore, (s) => s.listApiKeys(merchantId)))
      out(
        args,
        keys,
        keys
          .map((k) => `${k.id}\t${k.prefix}…\t${k.mode}\t${k.revokedAt ? "revoked" : "active"}`)
          .join("\n") || "no keys",
      )
      return 0
    },
  },

  "webhooks list": {
    booleans: new Set(["json", "failed"]),
    run: async (args) => {
      const events = await withRuntime(
        Effect.flatMap(Outbox, (o) =>
          o.listEvents({
            status: args.flags.failed ? "failed" : undefined,
            checkoutId: str(args, "checkout"),
            limit: 200,
          }),
        ),
      )
      out(
        args,
        events,
        events
          .map(
            (e) =>
              `${e.eventId}\t${e.type}\t${e.status}\tattempts=${e.attempts}\t${e.checkoutId}\t${e.lastError ?? ""}`,
          )
          .join("\n") || "no events",
      )
      return 0
    },
  },

  "webhooks resend": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const id = args.positionals[0]
      if (!id) throw new UsageError("webhooks resend needs an event id")
      const ok = await withRuntime(Effect.flatMap(Outbox, (o) => o.resend(id, new Date())))
      out(args, { resent: ok }, ok ? `${id} queued for delivery` : `no event ${id}`)
      return ok ? 0 : 1
    },
  },

  "unmatched list": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const rows = await withRuntime(
        Effect.flatMap(CheckoutStore, (s) => s.listUnmatched(str(args, "network"))),
      )
      out(
        args,
        rows,
        rows
          .map(
            (u) =>
              `${u.id}\t${u.network}\t${u.token}\t${u.amount}\tmemo=${u.memo ?? "-"}\t${u.reason}\t${u.assignedCheckoutId ?? ""}`,
          )
          .join("\n") || "no unmatched payments",
      )
      return 0
    },
  },

  "quarantine list": quarantineCommands.list,

  "unmatched assign": {
    booleans: JSON_FLAG,
    run: async (args) => {
      const [id, checkoutId] = args.positionals
      if (!id || !checkoutId) throw new UsageError("unmatched assign needs <unmatched id> <checkout id>")
      const r = await withRuntime(
        Effect.flatMap(CheckoutStore, (s) => s.assignUnmatched(id, checkoutId, new Date())),
      )
      out(args, r, `assigned ${id} to ${checkoutId} (${r.emitted} webhook event(s))`)
      return 0
    },
  },

  export: {
    booleans: JSON_FLAG,
    run: async (args) => {
      const from = new Date(required(args, "from"))
      const to = new Date(required(args, "to"))
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
        throw new UsageError("--from/--to must be ISO 8601 timestamps")
      const rt = await openRuntime(readEnv(), { migrate: true })
      try {
        const rows = await rt.exportCheckouts({
          from,
          to,
          status: str(args, "status"),
          merchantId: str(args, "merchant"),
          mode: str(args, "mode"),
        })
        const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
        process.stdout.write(
          "id,merchant_id,mode,status,amount_usd,amount_paid_usd,created_at,expires_at,payments\n",
        )
        for (const r of rows) {
          process.stdout.write(
            [
              r.id,
              r.merchantId,
              r.mode,
              r.status,
              formatCents(r.amountCents),
              formatCents(r.paidCents),
              formatTimestamp(r.createdAt),
              formatTimestamp(r.expiresAt),
              r.payments,
            ]
              .map((v) => esc(String(v)))
              .join(",") + "\n",
          )
        }
      } finally {
        await rt.close()
      }
      return 0
    },
  },
}
