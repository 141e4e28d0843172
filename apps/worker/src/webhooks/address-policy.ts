/**
 * Which IP addresses a webhook may not reach (SSRF protection), in either mode.
 *
 * Pure functions on address strings, so the table can be tested without a network. The transport applies
 * them at connect time (see `NodeWebhookTransport.ts`): to literal IP hosts, to every address the resolver
 * returns, and to the socket's remote address once connected.
 */
import { isIP } from "node:net"

/** Parses dotted-quad IPv4 (exactly four decimal parts) to an unsigned 32-bit number, or null. */
export const parseIpv4 = (s: string): number | null => {
  const parts = s.split(".")
  if (parts.length !== 4) return null
  let n = 0
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return null
    const b = Number(p)
    if (b > 255) return null
    n = n * 256 + b
  }
  return n
}

/** An IPv4 range: network address (32-bit unsigned) and prefix length. */
interface V4Range {
  readonly net: number
  readonly bits: number
  readonly reason: string
}

const v4 = (cidr: string, reason: string): V4Range => {
  const [addr, bits] = cidr.split("/") as [string, string]
  return { net: parseIpv4(addr)!, bits: Number(bits), reason }
}

/** IPv4 ranges refused in live mode (RFC 6890 special-purpose blocks that are not globally reachable). */
const V4_BLOCKED: ReadonlyArray<V4Range> = [
  v4("0.0.0.0/8", "this-network"),
  v4("10.0.0.0/8", "private"),
  v4("100.64.0.0/10", "carrier-grade NAT"),
  v4("127.0.0.0/8", "loopback"),
  v4("169.254.0.0/16", "link-local / cloud metadata"),
  v4("172.16.0.0/12", "private"),
  v4("192.0.0.0/24", "IETF protocol assignments"),
  v4("192.168.0.0/16", "private"),
  v4("198.18.0.0/15", "benchmarking"),
  v4("224.0.0.0/4", "multicast"),
  v4("240.0.0.0/4", "reserved / broadcast"),
]

/**
 * Parses an IPv6 address (with `::`, an embedded dotted IPv4 tail, and an optional `%zone`) into its eight
 * 16-bit groups, or null.
 */
export const parseIpv6 = (input: string): ReadonlyArray<number> | null => {
  let s = input
  const zone = s.indexOf("%")
  if (zone >= 0) s = s.slice(0, zone)
  if (s.length === 0) return null
  // An embedded IPv4 tail (`::ffff:127.0.0.1`) becomes two groups.
  const lastColon = s.lastIndexOf(":")
  if (lastColon < 0) return null
  const tail = s.slice(lastColon + 1)
  let tailGroups: number[] = []
  if (tail.includes(".")) {
    const n = parseIpv4(tail)
    if (n === null) return null
    tailGroups = [Math.floor(n / 65536), n % 65536]
    s = s.slice(0, lastColon + 1) // ends with ":" (or "::"); the tail groups are appended after parsing
  }
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return []
    const out: number[] = []
    for (const g of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null
      out.push(Number.parseInt(g, 16))
    }
    return out
  }
  const want = 8 - tailGroups.length
  const dbl = s.indexOf("::")
  let groups: number[]
  if (dbl >= 0) {
    if (s.indexOf("::", dbl + 1) >= 0) return null
    const head = parseGroups(s.slice(0, dbl))
    let rest = s.slice(dbl + 2)
    if (tailGroups.length > 0 && rest.endsWith(":")) rest = rest.slice(0, -1)
    const back = parseGroups(rest)
    if (head === null || back === null) return null
    const fill = want - head.length - back.length
    if (fill < 1) return null
    groups = [...head, ...new Array<number>(fill).fill(0), ...back]
  } else {
    let body = s
    if (tailGroups.length > 0) {
      if (!body.endsWith(":")) return null
      body = body.slice(0, -1)
    }
    const all = parseGroups(body)
    if (all === null || all.length !== want) return null
    groups = all
  }
  return [...groups, ...tailGroups]
}

const v4Reason = (n: number): string | null => {
  for (const r of V4_BLOCKED) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0
    if ((n & mask) >>> 0 === r.net) return r.reason
  }
  return null
}

const embeddedV4 = (hi: number, lo: number): number => hi * 65536 + lo

const v6Reason = (g: ReadonlyArray<number>): string | null => {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const zeroTo = (k: number) => g.slice(0, k).every((x) => x === 0)
  // ::/96 — unspecified (::), loopback (::1) and the deprecated IPv4-compatible form (::a.b.c.d).
  if (zeroTo(6)) {
    if (g6 === 0 && g7 === 0) return "unspecified"
    if (g6 === 0 && g7 === 1) return "loopback"
    return "IPv4-compatible IPv6"
  }
  // ::ffff:a.b.c.d — IPv4-mapped: judged as the IPv4 address it carries.
  if (zeroTo(5) && g5 === 0xffff) {
    const r = v4Reason(embeddedV4(g6, g7))
    return r === null ? null : `IPv4-mapped ${r}`
  }
  // 64:ff9b::/96 — well-known NAT64 prefix: judged as the IPv4 address it carries.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    const r = v4Reason(embeddedV4(g6, g7))
    return r === null ? null : `NAT64 ${r}`
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return "local-use NAT64"
  // 2002::/16 — 6to4: bits 16..47 are an IPv4 address.
  if (g0 === 0x2002) {
    const r = v4Reason(embeddedV4(g1, g2))
    return r === null ? null : `6to4 ${r}`
  }
  if (g0 === 0x2001 && g1 === 0) return "Teredo"
  if (g0 === 0x2001 && g1 === 0xdb8) return "documentation"
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return "discard-only"
  if ((g0 & 0xfe00) === 0xfc00) return "unique local (private)"
  if ((g0 & 0xffc0) === 0xfe80) return "link-local"
  if ((g0 & 0xffc0) === 0xfec0) return "site-local"
  if ((g0 & 0xff00) === 0xff00) return "multicast"
  return null
}

/**
 * `blockedAddressReason`, except that a loopback address passes when `allowLoopback` (test-mode deliveries
 * to a local receiver, when the operator allows them). Everything else private stays refused.
 */
export const refusedAddressReason = (ip: string, allowLoopback: boolean): string | null => {
  const reason = blockedAddressReason(ip)
  return allowLoopback && (reason === "loopback" || reason === "IPv4-mapped loopback") ? null : reason
}

/** AWS's IPv6 instance metadata address (fd00:ec2::254), inside the unique-local range. */
const AWS_METADATA_V6 = [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254]

/**
 * Why `ip` is refused even when the operator lets webhooks reach private addresses (`INZI_ALLOW_PRIVATE_WEBHOOKS`):
 * link-local addresses (169.254.0.0/16 — the cloud metadata services —, fe80::/10, and their IPv4-mapped, NAT64
 * and 6to4 forms) and fd00:ec2::254. Null otherwise.
 * @example
 * metadataAddressReason("169.254.169.254") // "link-local / cloud metadata"
 * metadataAddressReason("10.1.2.3")        // null
 */
export const metadataAddressReason = (ip: string): string | null => {
  const reason = blockedAddressReason(ip)
  if (reason?.includes("link-local")) return reason
  const g = parseIpv6(ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip)
  return g?.every((x, i) => x === AWS_METADATA_V6[i]) ? "cloud metadata" : null
}

/**
 * Why `ip` may not be reached by a webhook (`"loopback"`, `"private"`, `"link-local / cloud metadata"` …),
 * or null when it is a public address. Input that is not an IP address is refused too ("not an IP address").
 *
 * @example
 * blockedAddressReason("169.254.169.254") // "link-local / cloud metadata"
 * blockedAddressReason("::ffff:127.0.0.1") // "IPv4-mapped loopback"
 * blockedAddressReason("93.184.216.34")    // null
 */
export const blockedAddressReason = (ip: string): string | null => {
  const bare = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip
  const family = isIP(bare.split("%")[0]!)
  if (family === 4) {
    const n = parseIpv4(bare)
    return n === null ? "not an IP address" : v4Reason(n)
  }
  if (family === 6) {
    const g = parseIpv6(bare)
    return g === null ? "not an IP address" : v6Reason(g)
  }
  return "not an IP address"
}
