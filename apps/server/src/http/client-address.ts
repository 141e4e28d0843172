import type { IncomingMessage } from "node:http"

/**
 * The client address a per-address limit counts, from the connection's peer — or, behind `trustedProxies`
 * proxies (INZI_TRUST_PROXY), from `X-Forwarded-For`: the entry the farthest trusted proxy appended (entries to
 * its left are whatever the client sent, never trusted). IPv6 addresses count per /64 (one host's usual
 * allocation), IPv4-mapped IPv6 as the IPv4 address.
 */
export const clientAddress = (incoming: IncomingMessage, trustedProxies: number): string => {
  const peer = incoming.socket.remoteAddress ?? ""
  if (trustedProxies <= 0) return addressKey(peer)
  const raw = incoming.headers["x-forwarded-for"]
  const header = Array.isArray(raw) ? raw.join(",") : raw
  if (header === undefined || header === "") return addressKey(peer)
  const hops = header.split(",")
  // [...hops, peer]: the proxy nearest to us is the peer; the client is `trustedProxies` entries left of it.
  const i = hops.length - trustedProxies
  const hop = (hops[Math.max(0, i)] ?? "").trim()
  return addressKey(hop === "" ? peer : hop)
}

/** `addr` as a limiter key: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 as its /64 prefix. */
export const addressKey = (addr: string): string => {
  if (!addr.includes(":")) return addr
  const plain = addr
    .replace(/^\[|\](?::\d+)?$/g, "")
    .replace(/%.*$/, "")
    .toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain)
  if (mapped !== null) return mapped[1]!
  const [head = "", tail] = plain.split("::", 2)
  const left = head === "" ? [] : head.split(":")
  const right = tail === undefined || tail === "" ? [] : tail.split(":")
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`
}
