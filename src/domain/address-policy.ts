/**
 * Which network addresses a webhook may be sent to (SSRF guard, DESIGN §6). Private, loopback, link-local,
 * unique-local, CGNAT, multicast, unspecified and cloud-metadata ranges are blocked unless the operator's
 * allow-list (`HERALD_ALLOWED_TARGETS`: CIDRs, addresses or host names) admits them.
 */
import { BlockList, isIP } from "node:net";

const BLOCKED_V4 = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const;

const BLOCKED_V6 = [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  // NAT64 would otherwise smuggle a blocked v4 address through (BlockList already maps ::ffff:a.b.c.d to v4).
  ["64:ff9b::", 96],
] as const;

const blocked = new BlockList();
for (const [network, prefix] of BLOCKED_V4) blocked.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of BLOCKED_V6) blocked.addSubnet(network, prefix, "ipv6");

export interface TargetAllowList {
  /** Host names (lower case) allowed whatever they resolve to. */
  hosts: ReadonlySet<string>;
  addresses: BlockList;
}

/** Parses `HERALD_ALLOWED_TARGETS` entries; returns the problems for entries that are neither CIDRs, IPs nor hosts. */
export function parseAllowList(entries: readonly string[]): {
  allowList: TargetAllowList;
  problems: string[];
} {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  const problems: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === "") continue;
    const [network, prefixText] = entry.split("/", 2) as [string, string | undefined];
    const family = isIP(network);
    if (family !== 0) {
      const type = family === 4 ? "ipv4" : "ipv6";
      const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        problems.push(`${entry}: invalid prefix length`);
        continue;
      }
      addresses.addSubnet(network, prefix, type);
    } else if (prefixText === undefined && /^[a-z0-9.-]+$/i.test(entry)) {
      hosts.add(entry.toLowerCase());
    } else {
      problems.push(`${entry}: not a CIDR, an IP address or a host name`);
    }
  }
  return { allowList: { hosts, addresses }, problems };
}

/** True when an address in a blocked range is not admitted by the allow-list. */
export function isAddressBlocked(address: string, allowList: TargetAllowList): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (allowList.addresses.check(address, type)) return false;
  return blocked.check(address, type);
}

export function isHostAllowListed(host: string, allowList: TargetAllowList): boolean {
  return allowList.hosts.has(host.toLowerCase());
}
