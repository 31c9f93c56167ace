import { IpPermission } from '@aws-sdk/client-ec2';
import { IngressPermission } from '../record';
import { parseCidr } from './cidr';

/** Pure helpers over security-group ingress permissions. */

const isTcpLike = (proto: string | undefined): boolean => proto === 'tcp' || proto === '6' || proto === '-1';

export function coversPort(
  p: { IpProtocol?: string; FromPort?: number; ToPort?: number },
  port: number,
): boolean {
  if (p.IpProtocol === '-1') return true;
  if (!isTcpLike(p.IpProtocol)) return false;
  const from = p.FromPort ?? -1;
  const to = p.ToPort ?? -1;
  return from <= port && port <= to;
}

/** Splits AWS's grouped permissions into one permission per source. */
export function flatten(perms: IpPermission[]): IngressPermission[] {
  const out: IngressPermission[] = [];
  for (const p of perms) {
    const base = { IpProtocol: p.IpProtocol ?? '-1', FromPort: p.FromPort, ToPort: p.ToPort };
    for (const r of p.IpRanges ?? []) out.push({ ...base, CidrIp: r.CidrIp, Description: r.Description });
    for (const r of p.Ipv6Ranges ?? [])
      out.push({ ...base, CidrIpv6: r.CidrIpv6, Description: r.Description });
    for (const r of p.PrefixListIds ?? [])
      out.push({ ...base, PrefixListId: r.PrefixListId, Description: r.Description });
  }
  return out.map(
    (p) =>
      Object.fromEntries(
        Object.entries(p).filter(([, v]) => v !== undefined && v !== ''),
      ) as unknown as IngressPermission,
  );
}

/**
 * True when the CIDR admits every address of its family: 0.0.0.0/0, ::/0 or another spelling of them.
 * (What the lock revokes is decided by rules/exposure.ts; this literal /0 test serves the oracle.)
 */
export function isOpenCidr(cidr: string | undefined, family: 4 | 6): boolean {
  if (cidr === undefined) return false;
  const parsed = parseCidr(cidr);
  return parsed !== undefined && parsed.family === family && parsed.prefixLength === 0;
}

export const sameSource = (a: IngressPermission, b: IngressPermission): boolean =>
  a.IpProtocol === b.IpProtocol &&
  (a.IpProtocol === '-1' || (a.FromPort === b.FromPort && a.ToPort === b.ToPort)) &&
  a.CidrIp === b.CidrIp &&
  a.CidrIpv6 === b.CidrIpv6 &&
  a.PrefixListId === b.PrefixListId;

export const hasPermission = (live: IngressPermission[], p: IngressPermission): boolean =>
  live.some((l) => sameSource(l, p));

/** The parts of the port range [from, to] that are none of `ports`. */
function rangesWithout(from: number, to: number, ports: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  let next = from;
  for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
    if (port < next || port > to) continue;
    if (port > next) out.push([next, port - 1]);
    next = port + 1;
  }
  if (next <= to) out.push([next, to]);
  return out;
}

/**
 * What must stay open when an exposed rule that covers some of `ports` is revoked: the same source on
 * every other port of the rule (and, for an all-traffic rule, UDP and ICMP), so only those ports close.
 */
export function remaindersWithoutPorts(p: IngressPermission, ports: readonly number[]): IngressPermission[] {
  const src = {
    CidrIp: p.CidrIp,
    CidrIpv6: p.CidrIpv6,
    PrefixListId: p.PrefixListId,
    Description: p.Description,
  };
  const strip = (x: IngressPermission): IngressPermission =>
    Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as unknown as IngressPermission;
  const range = (proto: string, [from, to]: [number, number]): IngressPermission => ({
    IpProtocol: proto,
    FromPort: from,
    ToPort: to,
    ...src,
  });
  const pieces: IngressPermission[] = [];
  if (p.IpProtocol === '-1') {
    pieces.push(...rangesWithout(0, 65535, ports).map((r) => range('tcp', r)));
    pieces.push({ IpProtocol: 'udp', FromPort: 0, ToPort: 65535, ...src });
    pieces.push({ IpProtocol: p.CidrIpv6 ? 'icmpv6' : 'icmp', FromPort: -1, ToPort: -1, ...src });
  } else {
    const from = p.FromPort ?? ports[0];
    const to = p.ToPort ?? from;
    pieces.push(...rangesWithout(from, to, ports).map((r) => range(p.IpProtocol, r)));
  }
  return pieces.map(strip);
}

/** Whether the permission covers any of `ports` (TCP, or all traffic). */
export const coversAnyPort = (p: IngressPermission, ports: readonly number[]): boolean =>
  ports.some((port) => coversPort(p, port));

/** Rule weight against the per-group quota, by address family. */
export function quotaUsage(
  perms: IpPermission[],
  weights: Record<string, number>,
  v6ListIds: Set<string>,
): { v4: number; v6: number } {
  let v4 = 0;
  let v6 = 0;
  for (const p of flatten(perms)) {
    if (p.CidrIp) v4 += 1;
    else if (p.CidrIpv6) v6 += 1;
    else if (p.PrefixListId) {
      const w = weights[p.PrefixListId] ?? 1;
      if (v6ListIds.has(p.PrefixListId)) v6 += w;
      else v4 += w;
    }
  }
  // A security-group reference counts against both the IPv4 and the IPv6 rule quota.
  for (const p of perms) {
    v4 += (p.UserIdGroupPairs ?? []).length;
    v6 += (p.UserIdGroupPairs ?? []).length;
  }
  return { v4, v6 };
}
