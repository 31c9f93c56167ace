import {
  admits,
  isDualstack,
  projectedUsage,
  RULES_PER_GROUP_QUOTA,
} from '../../../engine/plan/controls/security-group';
import { coversAnyPort, coversPort, flatten } from '../../../engine/rules/ingress';
import { exposes } from '../../../engine/rules/exposure';
import { CLOUDFRONT_V4_LIST, CLOUDFRONT_V6_LIST } from '../../../engine/rules/prefix-lists';
import { Observed, ObservedGroup, PrefixListRef } from '../../../engine/observed';
import { exposurePolicyOf, listenerPortsOf } from '../../../engine/plan/context';
import { loadBalancerName } from '../describe';
import { Finding, finding } from '../findings';
import { LIMITS } from '../../../engine/limits';

/** Security-group controls: who may open a connection to the listener port. */

const lbName = (o: Observed): string => loadBalancerName(o.loadBalancer.arn);
const groupIds = (o: Observed): string[] => o.groups.map((g) => g.groupId);

const groupAdmits = (g: ObservedGroup, listId: string, port: number): boolean =>
  admits(flatten(g.permissions), listId, port);

export function openIngress(o: Observed): Finding {
  const port = o.listener.port;
  if (o.groups.length === 0) {
    return finding(
      'open-ingress',
      'fail',
      `load balancer ${lbName(o)} has no security group: nothing filters who reaches port ${port}`,
      [o.loadBalancer.arn],
    );
  }
  // The engine's own exposure math, on every listener port, with the lock's AllowedSources if it has one.
  const ports = listenerPortsOf(o);
  const allowed = o.record?.spec.AllowedSources ?? [];
  const policy = exposurePolicyOf(o, allowed);
  const open = o.groups.flatMap((g) =>
    flatten(g.permissions)
      .filter((p) => exposes(p, policy) && coversAnyPort(p, ports))
      .map((p) => ({
        groupId: g.groupId,
        source: p.CidrIp ?? p.CidrIpv6 ?? p.PrefixListId ?? '',
        ports: ports.filter((port) => coversPort(p, port)),
      })),
  );
  const portsText = ports.length > 1 ? `listener ports ${ports.join(', ')}` : `port ${port}`;
  const kept = allowed.length > 0 ? `; AllowedSources keeps ${allowed.join(', ')} open on purpose` : '';
  if (open.length === 0) {
    return finding(
      'open-ingress',
      'pass',
      `no security group of ${lbName(o)} (${groupIds(o).join(', ')}) admits an internet source on ${portsText}${kept}`,
      groupIds(o),
    );
  }
  const where = open.map((x) => `${x.groupId} admits ${x.source} on port ${x.ports.join(', ')}`).join('; ');
  return finding(
    'open-ingress',
    'fail',
    `${where}: internet clients can reach the load balancer without going through CloudFront${kept}`,
    open.map((x) => x.groupId),
  );
}

/** Other listeners of the load balancer that forward with no header condition of the lock. */
export function otherListeners(o: Observed): Finding | undefined {
  const others = (o.loadBalancer.listeners ?? []).filter((l) => l.arn !== o.listener.arn);
  if (others.length === 0) return undefined;
  const forwarding = others.filter((l) => l.defaultActions.some((a) => a.Type === 'forward'));
  const locked = new Set(o.otherLockArns ?? []);
  const open = forwarding.filter((l) => !locked.has(l.arn));
  if (open.length === 0) {
    return finding(
      'other-listeners',
      'pass',
      `the other listeners of ${lbName(o)} (${others.map((l) => `${l.protocol}:${l.port}`).join(', ')}) are locked or do not forward by default`,
    );
  }
  return finding(
    'other-listeners',
    'warn',
    `${open.map((l) => `${l.protocol}:${l.port}`).join(', ')} of ${lbName(o)} forward${open.length === 1 ? 's' : ''} without requiring the header: once its port is closed to the internet only CloudFront reaches it, but any CloudFront distribution can; lock that listener too, or make it redirect`,
    open.map((l) => l.arn),
  );
}

function prefixList(o: Observed, family: 'v4' | 'v6'): Finding {
  const control = family === 'v4' ? 'prefix-list-ipv4' : 'prefix-list-ipv6';
  const name = family === 'v4' ? CLOUDFRONT_V4_LIST : CLOUDFRONT_V6_LIST;
  const port = o.listener.port;
  if (family === 'v6' && !isDualstack(o)) {
    return finding(
      control,
      'pass',
      `not needed: load balancer ${lbName(o)} is ${o.loadBalancer.ipAddressType}, so CloudFront reaches it over IPv4 only`,
    );
  }
  const list = o.prefixLists[family];
  if (!list) {
    return finding(
      control,
      'fail',
      `managed prefix list ${name} does not exist in this region, so no security group can admit CloudFront by it`,
    );
  }
  // Security groups add up: one group admitting the list is enough for CloudFront to get in.
  const admitting = o.groups.filter((g) => groupAdmits(g, list.id, port)).map((g) => g.groupId);
  if (admitting.length > 0) {
    return finding(
      control,
      'pass',
      `${admitting.join(', ')} admits CloudFront's origin-facing prefix list ${list.id} on port ${port}`,
      [...admitting, list.id],
    );
  }
  return finding(
    control,
    'fail',
    `no security group of ${lbName(o)} (${groupIds(o).join(', ') || 'none'}) admits CloudFront's origin-facing prefix list ${list.id} (${name}) on port ${port}`,
    [...groupIds(o), list.id],
  );
}

export const prefixListIpv4 = (o: Observed): Finding => prefixList(o, 'v4');
export const prefixListIpv6 = (o: Observed): Finding => prefixList(o, 'v6');

/**
 * Whether every group that lacks a CloudFront list still has room for it: a rule referencing a managed
 * list weighs its MaxEntries (55 for the IPv4 list) against the rules-per-group quota, per family.
 */
export function ruleHeadroom(o: Observed): Finding {
  const port = o.listener.port;
  const lists = [o.prefixLists.v4, isDualstack(o) ? o.prefixLists.v6 : undefined].filter(
    (l): l is PrefixListRef => !!l,
  );
  const v6Ids = new Set(o.prefixLists.v6 ? [o.prefixLists.v6.id] : []);
  const short: string[] = [];
  const room: string[] = [];
  for (const g of o.groups) {
    // The same projection the lock checks before its first write, so the two always agree.
    const { usage, pieces: kept } = projectedUsage(o, g, [port], exposurePolicyOf(o));
    for (const list of lists) {
      const family = v6Ids.has(list.id) ? 'v6' : 'v4';
      const narrowing =
        kept[family] > 0
          ? ` (${kept[family]} of them keep other ports open once port ${port} closes to the internet)`
          : '';
      const used = `${usage[family]} of ${RULES_PER_GROUP_QUOTA} IP${family} inbound rules${narrowing}`;
      if (groupAdmits(g, list.id, port)) {
        room.push(`${g.groupId} uses ${used} (${list.id} already admitted)`);
      } else if (usage[family] + list.weight > RULES_PER_GROUP_QUOTA) {
        short.push(
          `${g.groupId} uses ${used} and ${list.id} weighs ${list.weight}, so adding it needs ${usage[family] + list.weight}`,
        );
      } else {
        room.push(`${g.groupId} uses ${used}, room for ${list.id} (weighs ${list.weight})`);
      }
    }
  }
  const ids = [...groupIds(o), ...lists.map((l) => l.id)];
  // One group with room suffices (groups add up); with none the lock creates a group of its own, which
  // a load balancer at its limit of security groups cannot take.
  const fits = o.groups.some((g) => !short.some((line) => line.startsWith(`${g.groupId} `)));
  if (short.length > 0 && !fits) {
    const full = o.groups.length >= LIMITS.securityGroupsPerLoadBalancer;
    return finding(
      'rule-headroom',
      full ? 'fail' : 'warn',
      full
        ? `${short.join('; ')}: over the rules-per-security-group quota (L-0EA8095F), and the load balancer already has ${o.groups.length} security groups (the limit), so the lock cannot add one of its own; raise the quota or free a group`
        : `${short.join('; ')}: over the rules-per-security-group quota (L-0EA8095F); the lock will put the CloudFront lists in a security group of its own`,
      ids,
    );
  }
  if (room.length === 0) {
    return finding('rule-headroom', 'pass', 'no CloudFront prefix list found in this region to weigh', ids);
  }
  return finding('rule-headroom', 'pass', room.join('; '), ids);
}
