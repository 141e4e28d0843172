import dns from "node:dns"
import net from "node:net"
import { describe, expect, it } from "vitest"

/**
 * Hardhat must not phone home (telemetry, Sentry, compiler downloads). In its own test file, so Hardhat is
 * loaded after the hooks are in place. (Also checked by hand: the devnet starts and pays inside
 * `unshare -rn`, a network namespace with only loopback, and `strace -e connect` shows only 127.0.0.1.)
 */
describe("devnet offline", () => {
  it("opens no connection and resolves no name beyond 127.0.0.1 while starting, paying and stopping", async () => {
    const targets: Array<string> = []
    const lookups: Array<string> = []
    const originalConnect = net.Socket.prototype.connect
    const originalLookup = dns.lookup
    // biome-ignore lint/suspicious/noExplicitAny: recording hook over Node's overloaded signature
    net.Socket.prototype.connect = function (this: net.Socket, ...args: Array<any>) {
      const first = args[0]
      const opts = Array.isArray(first) ? first[0] : first
      if (typeof opts === "object" && opts !== null)
        targets.push(String(opts.host ?? opts.path ?? "localhost"))
      else targets.push(String(args[1] ?? "localhost"))
      return originalConnect.apply(this, args as never)
    } as typeof net.Socket.prototype.connect
    // biome-ignore lint/suspicious/noExplicitAny: recording hook over Node's overloaded signature
    ;(dns as any).lookup = (hostname: string, ...rest: Array<any>) => {
      lookups.push(hostname)
      return (originalLookup as (...a: Array<unknown>) => void)(hostname, ...rest)
    }
    try {
      const { payTo, startDevnet } = await import("../src/index.js")
      const devnet = await startDevnet()
      await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: devnet.accounts[2]!.address,
        amount: 1n,
      })
      await devnet.stop()
    } finally {
      net.Socket.prototype.connect = originalConnect
      // biome-ignore lint/suspicious/noExplicitAny: restoring the hook
      ;(dns as any).lookup = originalLookup
    }
    expect(targets.length).toBeGreaterThan(0) // the hook saw payTo's connections
    for (const t of targets) expect(["127.0.0.1", "localhost", "::1"]).toContain(t)
    for (const h of lookups) expect(["127.0.0.1", "localhost"]).toContain(h)
  })
})
