import { Either, ParseResult, Schema } from "effect"
import type { NetworkConfig } from "./domain.js"
import { type FamilyRegistry, isKnownFamily, knownFamilies } from "./family.js"

/**
 * The operator's network configuration file: a JSON array of networks (see `NetworkConfig` in domain.ts).
 * Adding a network of a known family is an entry here, not code; `family` names a module of the `FamilyRegistry`
 * and `options` holds that family's own settings (its `options` schema).
 *
 * @example
 * [{ "id": "base", "family": "evm", "mode": "live", "name": "Base", "chainId": 8453,
 *    "rpcUrls": ["https://mainnet.base.org"], "confirmations": 12, "pollIntervalMs": 4000,
 *    "tokens": [{ "symbol": "USDC", "contract": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "decimals": 6 }] }]
 */

const isHttpUrl = (s: string): boolean => {
  if (!/^https?:\/\//i.test(s)) return false
  try {
    return new URL(s).hostname !== ""
  } catch {
    return false
  }
}

export const TokenConfigSchema = Schema.Struct({
  symbol: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9.]{1,16}$/, {
      message: () => "must be 1-16 letters, digits or dots (e.g. USDT)",
    }),
  ),
  contract: Schema.String.pipe(Schema.nonEmptyString({ message: () => "must be a contract address" })),
  decimals: Schema.Number.pipe(
    Schema.int({ message: () => "must be an integer" }),
    Schema.between(0, 36, { message: () => "must be between 0 and 36" }),
  ),
}).annotations({ identifier: "TokenConfig" })

const NonNegInt = Schema.Number.pipe(
  Schema.int({ message: () => "must be an integer" }),
  Schema.nonNegative({ message: () => "must be ≥ 0" }),
)

export const NetworkConfigSchema = Schema.Struct({
  id: Schema.String.pipe(
    Schema.pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/, {
      message: () => "must match [a-z0-9-]+ (e.g. base-sepolia)",
    }),
    Schema.maxLength(64, { message: () => "must be at most 64 characters" }),
  ),
  family: Schema.String.pipe(Schema.nonEmptyString({ message: () => "must name a chain family" })),
  mode: Schema.Literal("live", "test").annotations({ message: () => 'must be "live" or "test"' }),
  name: Schema.optionalWith(Schema.String.pipe(Schema.nonEmptyString()), { exact: true }),
  chainId: Schema.optionalWith(
    Schema.Number.pipe(
      Schema.int({ message: () => "must be an integer" }),
      Schema.positive({ message: () => "must be > 0" }),
    ),
    { exact: true },
  ),
  rpcUrls: Schema.Array(
    Schema.String.pipe(Schema.filter(isHttpUrl, { message: () => "must be an http(s) URL" })),
  ).pipe(Schema.minItems(1, { message: () => "must list at least one RPC URL" })),
  headers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
    exact: true,
  }),
  tokens: Schema.Array(TokenConfigSchema).pipe(
    Schema.minItems(1, { message: () => "must list at least one token" }),
  ),
  confirmations: NonNegInt,
  pollIntervalMs: Schema.Number.pipe(
    Schema.int({ message: () => "must be an integer" }),
    Schema.greaterThanOrEqualTo(100, { message: () => "must be ≥ 100" }),
  ),
  finalityTag: Schema.optionalWith(Schema.Literal("finalized", "safe", "latest"), { exact: true }),
  startBlock: Schema.optionalWith(
    Schema.String.pipe(Schema.pattern(/^[0-9]+$/, { message: () => "must be a block number (digits)" })),
    { exact: true },
  ),
  maxBlockRange: Schema.optionalWith(
    Schema.Number.pipe(
      Schema.int({ message: () => "must be an integer" }),
      Schema.positive({ message: () => "must be > 0" }),
    ),
    { exact: true },
  ),
  explorerTxUrl: Schema.optionalWith(
    Schema.String.pipe(
      Schema.filter(
        (s) => /^https:\/\//i.test(s) && s.includes("{tx}") && isHttpUrl(s.replace("{tx}", "x")),
        {
          message: () => "must be an https URL with {tx} where the transaction hash goes",
        },
      ),
    ),
    { exact: true },
  ),
  explorerAddressUrl: Schema.optionalWith(
    Schema.String.pipe(
      Schema.filter(
        (s) => /^https:\/\//i.test(s) && s.includes("{address}") && isHttpUrl(s.replace("{address}", "x")),
        { message: () => "must be an https URL with {address} where the address goes" },
      ),
    ),
    { exact: true },
  ),
  icon: Schema.optionalWith(
    Schema.String.pipe(
      Schema.pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: () => "must match [a-z0-9-]+ (e.g. base)" }),
      Schema.maxLength(32, { message: () => "must be at most 32 characters" }),
    ),
    { exact: true },
  ),
  options: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), {
    exact: true,
  }),
}).annotations({ identifier: "NetworkConfig" })

export const NetworkConfigFileSchema = Schema.Array(NetworkConfigSchema)

/**
 * The network config is wrong: it does not decode (`issues`, one readable line each), cannot be read, or
 * (with `network`) is refused by that network's chain. Processes stop on it with a configuration exit code.
 */
export class NetworkConfigError extends Schema.TaggedError<NetworkConfigError>()("NetworkConfigError", {
  message: Schema.String,
  issues: Schema.Array(Schema.String),
  network: Schema.optional(Schema.String),
}) {}

const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("") || "(root)"

/** Rules across fields and entries that a per-field Schema cannot express. */
const crossChecks = (
  nets: ReadonlyArray<typeof NetworkConfigSchema.Type>,
  families: FamilyRegistry,
): Array<string> => {
  const issues: Array<string> = []
  const seen = new Set<string>()
  nets.forEach((n, i) => {
    if (seen.has(n.id)) issues.push(`[${i}].id: duplicate network id "${n.id}"`)
    seen.add(n.id)
    if (isKnownFamily(families, n.family))
      for (const issue of families[n.family].checkNetwork(n as NetworkConfig)) issues.push(`[${i}].${issue}`)
    const symbols = new Set<string>()
    n.tokens.forEach((t, j) => {
      if (symbols.has(t.symbol))
        issues.push(`[${i}].tokens[${j}].symbol: duplicate token "${t.symbol}" on ${n.id}`)
      symbols.add(t.symbol)
    })
  })
  return issues
}

/** Each entry's family must be a registry module, and its `options` must decode with that module's schema. */
const familyChecks = (value: unknown, families: FamilyRegistry): Array<string> => {
  if (!Array.isArray(value)) return []
  const issues: Array<string> = []
  value.forEach((entry: unknown, i) => {
    if (typeof entry !== "object" || entry === null) return
    const { family, options } = entry as { family?: unknown; options?: unknown }
    if (typeof family !== "string" || family === "") return
    if (!isKnownFamily(families, family)) {
      issues.push(`[${i}].family: unknown family "${family}" (known: ${knownFamilies(families).join(", ")})`)
      return
    }
    const decoded = Schema.decodeUnknownEither(families[family].options, {
      errors: "all",
      onExcessProperty: "error",
    })(options ?? {})
    if (Either.isLeft(decoded))
      for (const o of ParseResult.ArrayFormatter.formatErrorSync(decoded.left))
        issues.push(`[${i}].options${pathText(o.path) === "(root)" ? "" : pathText(o.path)}: ${o.message}`)
  })
  return issues
}

/**
 * Decodes the network config (JSON text or an already parsed value) into `NetworkConfig`s; `name` defaults
 * to the id. Errors list every problem with its path, e.g. `[1].rpcUrls[0]: must be an http(s) URL`.
 * @example decodeNetworkConfig(readFileSync("networks.json", "utf8"), families)
 */
export const decodeNetworkConfig = (
  json: unknown,
  families: FamilyRegistry,
): Either.Either<ReadonlyArray<NetworkConfig>, NetworkConfigError> => {
  let value = json
  if (typeof json === "string") {
    try {
      value = JSON.parse(json)
    } catch (e) {
      const message = `network config is not valid JSON: ${(e as Error).message}`
      return Either.left(new NetworkConfigError({ message, issues: [message] }))
    }
  }
  const decoded = Schema.decodeUnknownEither(NetworkConfigFileSchema, {
    errors: "all",
    onExcessProperty: "error",
  })(value)
  const issues = [
    ...(Either.isLeft(decoded)
      ? ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map(
          (i) => `${pathText(i.path)}: ${i.message}`,
        )
      : []),
    ...familyChecks(value, families),
  ]
  if (Either.isRight(decoded) && issues.length === 0) issues.push(...crossChecks(decoded.right, families))
  if (issues.length > 0 || Either.isLeft(decoded))
    return Either.left(
      new NetworkConfigError({ message: `invalid network config:\n  ${issues.join("\n  ")}`, issues }),
    )
  return Either.right(decoded.right.map((n) => ({ ...n, name: n.name ?? n.id }) as NetworkConfig))
}
