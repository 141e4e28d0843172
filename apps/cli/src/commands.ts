/**
 * The database commands' bodies (loaded by main.ts only when one of them runs). Human output escapes every
 * piece of text the CLI did not write (`cell`, `terminalSafe`); `--json` output goes through `jsonText`.
 */
import { readFileSync, statSync } from "node:fs"
import {
  accentColorProblem,
  BRANDING_LIMITS,
  checkLogoImage,
  checkoutNetworks,
  type FamilyRegistry,
  familyModules,
  csvRow,
  displayNameProblem,
  formatCents,
  formatTimestamp,
  formatUnits,
  hostAllowed,
  hostPatternProblem,
  issueApiKey,
  type LogoImage,
  logoUrlProblem,
  type Merchant,
  type MerchantBranding,
  MerchantStore,
  type Mode,
  newWebhookSecret,
  Outbox,
  payoutKeyOf,
  payoutKeysFormatProblem,
  payoutKeysProblem,
  registerMerchant,
  updateBranding,
  urlProblem,
  UnmatchedPayments,
} from "@inzi/core"
// The subpaths, not the package index: a database command loads no chain adapter it does not use.
import { readEnv } from "@inzi/platform/env"
import { openRuntime } from "@inzi/platform/runtime"
import { Effect } from "effect"
import { type Args, required, str, UsageError } from "./args.js"
import { notFound, withRuntime } from "./db.js"
import { givenPayoutKeys, payoutKeyError, payoutUsage } from "./payout.js"
import { quarantineStatusLines } from "./quarantine.js"
import { cell, jsonText, terminalSafe } from "./text.js"

const out = (args: Args, json: unknown, text: string) => {
  process.stdout.write(args.flags.json ? jsonText(json) : `${text}\n`)
}

/** Rows as tab-separated columns under a header line, or `empty` when there are none. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, empty: string) =>
  rows.length === 0 ? empty : [header, ...rows].map((r) => r.join("\t")).join("\n")

const mode = (s: string | undefined): Mode => {
  if (s === "live" || s === "test") return s
  throw new UsageError(`--mode must be live or test`)
}

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
  const hosts = v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
  for (const h of hosts) {
    const problem = hostPatternProblem(h)
    if (problem !== null) throw new UsageError(`--${flag}: ${problem}`)
  }
  return hosts
}

/** A flag that sets a branding field: `undefined` when absent, null for "" (clear), else the checked value. */
const brandFlag = (
  args: Args,
  flag: "display-name" | "logo-url" | "accent-color",
  problem: (v: string) => string | null,
): string | null | undefined => {
  const v = str(args, flag)
  if (v === undefined || v === "") return v === "" ? null : undefined
  const p = problem(v)
  if (p !== null) throw new UsageError(`--${flag} ${p}`)
  return v
}

/** `--logo-file`: the image read and checked (type by its bytes, size), or `undefined` when absent. */
const logoFileFlag = (args: Args): LogoImage | undefined => {
  const path = str(args, "logo-file")
  if (path === undefined) return undefined
  let bytes: Uint8Array
  try {
    if (statSync(path).size > BRANDING_LIMITS.logoMaxBytes)
      throw new UsageError(
        `--logo-file ${terminalSafe(path)} is larger than ${BRANDING_LIMITS.logoMaxBytes} bytes (32 KiB)`,
      )
    bytes = new Uint8Array(readFileSync(path))
  } catch (e) {
    if (e instanceof UsageError) throw e
    throw new UsageError(
      `--logo-file ${terminalSafe(path)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    )
  }
  const image = checkLogoImage(bytes)
  if ("problem" in image) throw new UsageError(`--logo-file ${terminalSafe(path)} ${image.problem}`)
  return image
}

const NO_BRANDING: MerchantBranding = { displayName: null, logo: null, accentColor: null }

/** The branding as JSON and as one human line (every merchant-set text escaped). */
const brandingJson = (b: MerchantBranding | undefined) => {
  const v = b ?? NO_BRANDING
  return {
    display_name: v.displayName,
    logo:
      v.logo === null
        ? null
        : v.logo.kind === "url"
          ? { url: v.logo.url }
          : { uploaded: `${v.logo.sha256}`, content_type: v.logo.contentType },
    accent_color: v.accentColor,
  }
}
const brandingLine = (b: MerchantBranding | undefined): string => {
  const v = b ?? NO_BRANDING
  const logo =
    v.logo === null
      ? "-"
      : v.logo.kind === "url"
        ? cell(v.logo.url)
        : `uploaded ${cell(v.logo.contentType)} sha256:${cell(v.logo.sha256.slice(0, 16))}…`
  return `  page branding: display name ${cell(v.displayName)}; logo ${logo}; accent ${cell(v.accentColor)}`
}

/**
 * A merchant's payout keys as `merchant show/list --json` print them: by family, the wallet of a memo family
 * (where payers send), `true` for an xpub (the account key itself is not printed).
 */
const payoutJson = (m: Merchant, families: FamilyRegistry): Record<string, string | true> =>
  Object.fromEntries(
    familyModules(families).flatMap((f) => {
      const key = payoutKeyOf(m, f.family)
      return key === null ? [] : [[f.family, f.deposit.kind === "derived-address" ? true : key]]
    }),
  )

/** The payout keys in text: `evm tron ton:<wallet>`. */
const payoutLine = (m: Merchant, families: FamilyRegistry): string =>
  Object.entries(payoutJson(m, families))
    .map(([family, v]) => (v === true ? family : `${family}:${cell(v)}`))
    .join(" ") || "-"

export const commands: Record<string, (args: Args) => Promise<number | undefined>> = {
  status: async (args) => {
    const rt = await openRuntime(readEnv(), { migrate: true })
    try {
      const s = await rt.status()
      const lines = [
        "network        head          scanned_to    lag     rpc calls/errors  updated                   last error",
        ...s.watchers.map(
          (w) =>
            `${cell(w.network).padEnd(14)} ${String(w.head ?? "-").padEnd(13)} ${String(w.scannedTo ?? "-").padEnd(13)} ${String(w.lag ?? "-").padEnd(7)} ${`${w.rpcCalls}/${w.rpcErrors}`.padEnd(17)} ${w.updatedAt.padEnd(25)} ${w.lastError === null ? "" : cell(w.lastError)}`,
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

  migrate: async (args) => {
    const rt = await openRuntime(readEnv(), { migrate: false })
    try {
      const r = await rt.migrate()
      out(args, r, r.applied.length ? `applied: ${r.applied.join(", ")}` : "database is up to date")
    } finally {
      await rt.close()
    }
    return 0
  },

  "merchant create": async (args) => {
    const name = required(args, "name")
    // The payment page shows it to shoppers when no display name is set: the display name's rules.
    const nameProblem = displayNameProblem(name)
    if (nameProblem !== null) throw new UsageError(`--name ${nameProblem}`)
    const webhookUrl = webhookUrlFlag(args, "webhook-url") ?? null
    const testWebhookUrl = webhookUrlFlag(args, "test-webhook-url") ?? null
    const { FAMILIES } = await import("@inzi/platform")
    const given = givenPayoutKeys(args, FAMILIES)
    const keys = given.keys
    if (Object.keys(keys).length === 0)
      throw new UsageError(
        `a merchant needs a way to be paid: give ${payoutUsage(FAMILIES)} (no payment could reach it otherwise)`,
      )
    // The keys' own checks first (no database): a bad key is the error, not the networks it would allow.
    const formatProblem = await Effect.runPromise(payoutKeysFormatProblem(keys, FAMILIES))
    if (formatProblem !== null) throw payoutKeyError(formatProblem, given, FAMILIES)
    const { cliNetworks, enabledNetworks, knownNetworks } = await import("./networks.js")
    const known = cliNetworks()
    const networks = {
      live: enabledNetworks(args, "live", known, keys),
      test: enabledNetworks(args, "test", known, keys),
    }
    const draft = { payoutKeys: keys, networks } as Merchant
    const payable = {
      live: checkoutNetworks(draft, "live", known),
      test: checkoutNetworks(draft, "test", known),
    }
    if (payable.live.length === 0 && payable.test.length === 0)
      throw new UsageError(
        `this merchant could take no payment: no configured network is of a family it has a key for (${Object.keys(
          keys,
        ).join(", ")}); configured: ${knownNetworks(known)}`,
      )
    const r = await withRuntime(
      Effect.gen(function* () {
        const problem = yield* payoutKeysProblem(keys, FAMILIES)
        if (problem !== null) return yield* Effect.fail(payoutKeyError(problem, given, FAMILIES))
        return yield* registerMerchant({ name, webhookUrl, testWebhookUrl, payoutKeys: keys, networks })
      }),
    )
    const paidOn = (m: Mode) => payable[m].map((n) => n.id).join(", ") || "-"
    out(
      args,
      { id: r.id, name: r.name, webhook_secret: r.webhookSecret, test_webhook_secret: r.testWebhookSecret },
      [
        `merchant ${r.id} (${terminalSafe(r.name)}): live payments on ${paidOn("live")}; test payments on ${paidOn("test")}`,
        "webhook secrets (shown once here; keep them safe; each mode signs with its own):",
        `  live: ${r.webhookSecret}`,
        `  test: ${r.testWebhookSecret}`,
      ].join("\n"),
    )
    return 0
  },

  "merchant update": async (args) => {
    const id = required(args, "merchant")
    const webhookUrl = webhookUrlFlag(args, "webhook-url")
    const testWebhookUrl = webhookUrlFlag(args, "test-webhook-url")
    const allowedRedirectHosts = hostsFlag(args, "allowed-redirect-hosts")
    const allowedWebhookHosts = hostsFlag(args, "allowed-webhook-hosts")
    const rotate = str(args, "rotate-secret")
    if (rotate !== undefined && rotate !== "live" && rotate !== "test")
      throw new UsageError(`--rotate-secret must be live or test`)
    const displayName = brandFlag(args, "display-name", displayNameProblem)
    const accentColor = brandFlag(args, "accent-color", accentColorProblem)
    if (str(args, "logo-url") !== undefined && str(args, "logo-file") !== undefined)
      throw new UsageError("give --logo-url or --logo-file, not both")
    const logoUrl = brandFlag(args, "logo-url", logoUrlProblem)
    const logoFile = logoFileFlag(args)
    const rebrand =
      displayName !== undefined ||
      accentColor !== undefined ||
      logoUrl !== undefined ||
      logoFile !== undefined
    if (
      webhookUrl === undefined &&
      testWebhookUrl === undefined &&
      rotate === undefined &&
      allowedRedirectHosts === undefined &&
      allowedWebhookHosts === undefined &&
      !rebrand
    )
      throw new UsageError(
        'nothing to change: give --webhook-url, --test-webhook-url, --allowed-redirect-hosts, --allowed-webhook-hosts, --display-name, --logo-url, --accent-color ("" clears one), --logo-file or --rotate-secret live|test',
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
        return yield* updateBranding(
          id,
          {
            displayName,
            accentColor,
            logo:
              logoFile ??
              (logoUrl === undefined || logoUrl === null ? logoUrl : { kind: "url", url: logoUrl }),
          },
          {
            ...(allowedRedirectHosts !== undefined ? { allowedRedirectHosts } : {}),
            ...(allowedWebhookHosts !== undefined ? { allowedWebhookHosts } : {}),
            ...(webhookUrl !== undefined ? { webhookUrl } : {}),
            ...(testWebhookUrl !== undefined ? { testWebhookUrl } : {}),
            ...(rotate === "live" ? { webhookSecret: secret } : {}),
            ...(rotate === "test" ? { testWebhookSecret: secret } : {}),
          },
        )
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
        branding: brandingJson(m.branding),
        ...(rotate !== undefined ? { [`${rotate === "live" ? "" : "test_"}webhook_secret`]: rotated } : {}),
      },
      [
        `merchant ${m.id}: live webhooks → ${cell(m.webhookUrl)}; test webhooks → ${cell(m.testWebhookUrl)}`,
        `  allowed redirect hosts: ${cell(m.allowedRedirectHosts?.join(", ") || "any")}; allowed webhook hosts: ${cell(m.allowedWebhookHosts?.join(", ") || "any")}`,
        brandingLine(m.branding),
        ...(rotated !== null
          ? [
              `new ${rotate} webhook secret (shown once; the old one stops signing now — accept both at your endpoint while you switch): ${rotated}`,
            ]
          : []),
      ].join("\n"),
    )
    return 0
  },

  "merchant show": async (args) => {
    const id = required(args, "merchant")
    const m = await withRuntime(Effect.flatMap(MerchantStore, (s) => s.getMerchant(id)))
    const { FAMILIES } = await import("@inzi/platform")
    out(
      args,
      {
        id: m.id,
        name: m.name,
        webhook_url: m.webhookUrl,
        test_webhook_url: m.testWebhookUrl,
        payout: payoutJson(m, FAMILIES),
        networks: m.networks,
        allowed_redirect_hosts: m.allowedRedirectHosts ?? [],
        allowed_webhook_hosts: m.allowedWebhookHosts ?? [],
        branding: brandingJson(m.branding),
        created_at: formatTimestamp(m.createdAt),
      },
      [
        `merchant ${m.id} (${cell(m.name)}), created ${formatTimestamp(m.createdAt)}`,
        `  keys: ${payoutLine(m, FAMILIES)}`,
        `  live networks: ${m.networks.live.join(",") || "(all configured)"}; test networks: ${m.networks.test.join(",") || "(all configured)"}`,
        `  live webhooks → ${cell(m.webhookUrl)}; test webhooks → ${cell(m.testWebhookUrl)}`,
        `  allowed redirect hosts: ${cell(m.allowedRedirectHosts?.join(", ") || "any")}; allowed webhook hosts: ${cell(m.allowedWebhookHosts?.join(", ") || "any")}`,
        brandingLine(m.branding),
      ].join("\n"),
    )
    return 0
  },

  "merchant list": async (args) => {
    const ms = await withRuntime(Effect.flatMap(MerchantStore, (s) => s.listMerchants()))
    const { FAMILIES } = await import("@inzi/platform")
    const rows = ms.map((m) => ({
      id: m.id,
      name: m.name,
      webhook_url: m.webhookUrl,
      test_webhook_url: m.testWebhookUrl,
      payout: payoutJson(m, FAMILIES),
      keys: payoutLine(m, FAMILIES),
      networks: m.networks,
      created_at: formatTimestamp(m.createdAt),
    }))
    out(
      args,
      rows,
      table(
        ["id", "name", "keys", "live networks", "test networks", "live webhooks", "test webhooks", "created"],
        rows.map((r) => [
          r.id,
          cell(r.name),
          r.keys,
          r.networks.live.join(",") || "(all configured)",
          r.networks.test.join(",") || "(all configured)",
          cell(r.webhook_url),
          cell(r.test_webhook_url),
          r.created_at,
        ]),
        "no merchants",
      ),
    )
    return 0
  },

  "key create": async (args) => {
    const merchantId = required(args, "merchant")
    const m = mode(str(args, "mode"))
    const r = await withRuntime(
      Effect.gen(function* () {
        yield* Effect.flatMap(MerchantStore, (s) => s.getMerchant(merchantId))
        const { record, key } = yield* issueApiKey(merchantId, m)
        return { rec: record, key }
      }),
    )
    out(
      args,
      { id: r.rec.id, merchant: merchantId, mode: m, prefix: r.rec.prefix, key: r.key },
      `${r.key}\n(this ${m} key is shown once; Inzi stores only its hash — id ${r.rec.id}, prefix ${r.rec.prefix})`,
    )
    return 0
  },

  "key revoke": async (args) => {
    const which = args.positionals[0]
    if (!which) throw new UsageError("key revoke needs a key id or visible prefix")
    const r = await withRuntime(Effect.flatMap(MerchantStore, (s) => s.revokeApiKey(which, new Date())))
    if (r === null) {
      out(args, { revoked: false }, `no key matches "${terminalSafe(which)}"`)
      return 1
    }
    out(args, { revoked: true, id: r.id, prefix: r.prefix }, `revoked ${r.id} (${r.prefix}…)`)
    return 0
  },

  "key list": async (args) => {
    const merchantId = required(args, "merchant")
    const keys = await withRuntime(
      Effect.gen(function* () {
        const store = yield* MerchantStore
        yield* store.getMerchant(merchantId)
        return yield* store.listApiKeys(merchantId)
      }),
    )
    out(
      args,
      keys,
      table(
        ["id", "prefix", "mode", "state", "created"],
        keys.map((k) => [
          k.id,
          `${k.prefix}…`,
          k.mode,
          k.revokedAt ? `revoked ${formatTimestamp(k.revokedAt)}` : "active",
          formatTimestamp(k.createdAt),
        ]),
        "no keys",
      ),
    )
    return 0
  },

  "webhooks list": async (args) => {
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
      table(
        ["event", "type", "status", "attempts", "created", "next attempt", "checkout", "last error"],
        events.map((e) => [
          e.eventId,
          e.type,
          e.status,
          String(e.attempts),
          formatTimestamp(e.createdAt),
          e.nextAttemptAt === null ? "-" : formatTimestamp(e.nextAttemptAt),
          e.checkoutId,
          cell(e.lastError),
        ]),
        "no events",
      ),
    )
    return 0
  },

  "webhooks resend": async (args) => {
    const id = args.positionals[0]
    if (!id) throw new UsageError("webhooks resend needs an event id")
    const ok = await withRuntime(Effect.flatMap(Outbox, (o) => o.resend(id, new Date())))
    out(args, { resent: ok }, ok ? `${id} queued for delivery` : `no event ${terminalSafe(id)}`)
    return ok ? 0 : 1
  },

  "unmatched list": async (args) => {
    const network = str(args, "network")
    if (network !== undefined) {
      const { cliNetworks, networkOf } = await import("./networks.js")
      networkOf(cliNetworks(), network, "network")
    }
    const rows = await withRuntime(Effect.flatMap(UnmatchedPayments, (s) => s.listUnmatched(network)))
    out(
      args,
      rows,
      table(
        ["id", "observed", "network", "amount", "token", "sender", "tx", "memo", "reason", "assigned to"],
        rows.map((u) => [
          u.id,
          formatTimestamp(u.observedAt),
          cell(u.network),
          formatUnits(u.amount, u.decimals),
          cell(u.token),
          cell(u.sender),
          `${cell(u.txHash)}:${u.logIndex}`,
          cell(u.memo),
          cell(u.reason),
          u.assignedCheckoutId ?? "-",
        ]),
        "no unmatched payments",
      ),
    )
    return 0
  },

  "unmatched assign": async (args) => {
    const [id, checkoutId] = args.positionals
    if (!id || !checkoutId) throw new UsageError("unmatched assign needs <unmatched id> <checkout id>")
    const r = await withRuntime(
      Effect.flatMap(UnmatchedPayments, (s) => s.assignUnmatched(id, checkoutId, new Date())),
    )
    out(args, r, `assigned ${id} to ${checkoutId} (${r.emitted} webhook event(s))`)
    return 0
  },

  export: async (args) => {
    const from = new Date(required(args, "from"))
    const to = new Date(required(args, "to"))
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
      throw new UsageError("--from/--to must be ISO 8601 timestamps")
    const m = str(args, "mode")
    if (m !== undefined) mode(m)
    const rt = await openRuntime(readEnv(), { migrate: true })
    try {
      const rows = await rt
        .exportCheckouts({
          from,
          to,
          status: str(args, "status"),
          merchantId: str(args, "merchant"),
          mode: m,
        })
        .catch((e: unknown) => {
          throw notFound(e)
        })
      // One row per checkout (so amount columns add up); a checkout paid in several transfers lists each
      // transfer's network, token, amount and hash space-separated in the same order.
      process.stdout.write(
        csvRow([
          "id",
          "merchant_id",
          "mode",
          "status",
          "amount_usd",
          "amount_paid_usd",
          "created_at",
          "expires_at",
          "network",
          "token",
          "amount_crypto",
          "tx_hash",
          "description",
          "metadata",
          "payments",
        ]),
      )
      for (const r of rows) {
        const each = (f: (p: (typeof r.paymentList)[number]) => string) => r.paymentList.map(f).join(" ")
        process.stdout.write(
          csvRow([
            r.id,
            r.merchantId,
            r.mode,
            r.status,
            formatCents(r.amountCents),
            formatCents(r.paidCents),
            formatTimestamp(r.createdAt),
            formatTimestamp(r.expiresAt),
            each((p) => p.network),
            each((p) => p.token),
            each((p) => formatUnits(p.amount, p.decimals)),
            each((p) => p.txHash),
            r.description ?? "",
            r.metadataJson ?? "",
            r.payments,
          ]),
        )
      }
    } finally {
      await rt.close()
    }
    return 0
  },
}
