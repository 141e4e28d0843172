import { describe, expect, it } from "vitest"
import { blockedAddressReason, metadataAddressReason, parseIpv6 } from "../../src/webhooks/address-policy.js"

describe("blockedAddressReason", () => {
  const blocked: ReadonlyArray<readonly [string, string]> = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local / cloud metadata"],
    ["169.254.0.1", "link-local / cloud metadata"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["0.0.0.0", "this-network"],
    ["0.1.2.3", "this-network"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "reserved / broadcast"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:7f00:1", "IPv4-mapped loopback"],
    ["::ffff:10.1.2.3", "IPv4-mapped private"],
    ["::ffff:169.254.169.254", "IPv4-mapped link-local / cloud metadata"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped link-local / cloud metadata"],
    ["0:0:0:0:0:ffff:c0a8:0101", "IPv4-mapped private"],
    ["::127.0.0.1", "IPv4-compatible IPv6"],
    ["64:ff9b::7f00:1", "NAT64 loopback"],
    ["64:ff9b::10.0.0.1", "NAT64 private"],
    ["2002:7f00:1::", "6to4 loopback"],
    ["2002:a9fe:a9fe::1", "6to4 link-local / cloud metadata"],
    ["fc00::1", "unique local (private)"],
    ["fd00:ec2::254", "unique local (private)"],
    ["fdff:ffff::1", "unique local (private)"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
    ["localhost", "not an IP address"],
    ["example.com", "not an IP address"],
  ]
  it.each(blocked)("refuses %s (%s)", (ip, reason) => {
    expect(blockedAddressReason(ip)).toBe(reason)
  })

  const allowed = [
    "8.8.8.8",
    "93.184.216.34",
    "1.1.1.1",
    "172.15.255.255",
    "172.32.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "169.253.255.255",
    "169.255.0.0",
    "192.167.255.255",
    "192.169.0.0",
    "11.0.0.0",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "::ffff:808:808",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "fe00::1",
  ]
  it.each(allowed)("allows public %s", (ip) => {
    expect(blockedAddressReason(ip)).toBeNull()
  })
})

describe("metadataAddressReason (refused even when private addresses are allowed)", () => {
  it.each([
    ["169.254.169.254", "link-local / cloud metadata"],
    ["169.254.0.1", "link-local / cloud metadata"],
    ["::ffff:169.254.169.254", "IPv4-mapped link-local / cloud metadata"],
    ["64:ff9b::a9fe:a9fe", "NAT64 link-local / cloud metadata"],
    ["fe80::1", "link-local"],
    ["[fe80::1%eth0]", "link-local"],
    ["fd00:ec2::254", "cloud metadata"],
  ])("refuses %s (%s)", (ip, reason) => {
    expect(metadataAddressReason(ip)).toBe(reason)
  })
  it.each(["127.0.0.1", "::1", "10.1.2.3", "192.168.1.1", "fd00:ec2::253", "fc00::1", "8.8.8.8"])(
    "lets %s through",
    (ip) => {
      expect(metadataAddressReason(ip)).toBeNull()
    },
  )
})

describe("parseIpv6", () => {
  it("expands every textual form to eight groups", () => {
    expect(parseIpv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
    expect(parseIpv6("1::")).toEqual([1, 0, 0, 0, 0, 0, 0, 0])
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(parseIpv6("1:2:3:4:5:6:1.2.3.4")).toEqual([1, 2, 3, 4, 5, 6, 0x102, 0x304])
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304])
    expect(parseIpv6("::1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0, 0x102, 0x304])
    expect(parseIpv6("1::8")).toEqual([1, 0, 0, 0, 0, 0, 0, 8])
    expect(parseIpv6("fe80::1%lo0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1])
  })
  it("rejects malformed input", () => {
    expect(parseIpv6("1::2::3")).toBeNull()
    expect(parseIpv6("1:2:3:4:5:6:7")).toBeNull()
    expect(parseIpv6("1:2:3:4:5:6:7:8:9")).toBeNull()
    expect(parseIpv6("g::1")).toBeNull()
    expect(parseIpv6("::1.2.3")).toBeNull()
  })
})
