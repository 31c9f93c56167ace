import { LockError } from '../../errors';
import { QUOTA_INFO, quotaExceeded } from '../../limits';
import {
  coversPort,
  flatten,
  hasPermission,
  isOpen,
  quotaUsage,
  remaindersWithoutPort,
  sameSource,
} from '../../rules/ingress';
import { Observed, ObservedGroup, PrefixListRef } from '../../observed';
import { GroupPermission, IngressPermission, LockRecord } from '../../record';
import { CLOUDFRONT_V4_LIST, CLOUDFRONT_V6_LIST } from '../../rules/prefix-lists';
import { Step } from '../steps';
import { NOTHING_PLANNED, Planned, withGroupPermission } from '../change';
import { PlanContext } from '../context';

/** Security groups: admit CloudFront's origin-facing prefix lists, then close the port to the internet. */

export const RULES_PER_GROUP_QUOTA = QUOTA_INFO.rulesPerSecurityGroup.default;

export const isDualstack = (o: Observed): boolean => o.loadBalancer.ipAddressType.startsWith('dualstack');

function requiredLists(o: Observed): PrefixListRef[] {
  if (!o.prefixLists.v4) {
    throw new LockError(
      'NotFound',
      `Enforce.SecurityGroup: managed prefix list '${CLOUDFRONT_V4_LIST}' not found in this region`,
    );
  }
  const lists = [o.prefixLists.v4];
  if (isDualstack(o)) {
    if (!o.prefixLists.v6) {
      throw new LockError(
        'NotFound',
        `Enforce.SecurityGroup: the load balancer is dualstack but managed prefix list '${CLOUDFRONT_V6_LIST}' was not found`,
      );
    }
    lists.push(o.prefixLists.v6);
  }
  return lists;
}

export const admits = (perms: IngressPermission[], listId: string, port: number): boolean =>
  perms.some((p) => p.PrefixListId === listId && coversPort(p, port));

const prefixPermission = (listId: string, port: number): IngressPermission => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  PrefixListId: listId,
  Description: 'CloudFront origin-facing (Acme::Origin::Lock)',
});

/** Open permissions on the listener port and the pieces that must stay open once they go (deduplicated). */
export function openOnPort(
  live: IngressPermission[],
  port: number,
): { open: IngressPermission[]; pieces: IngressPermission[] } {
  const open = live.filter((x) => isOpen(x) && coversPort(x, port));
  const pieces: IngressPermission[] = [];
  for (const p of open) {
    for (const piece of remaindersWithoutPort(p, port)) {
      if (!hasPermission(live, piece) && !hasPermission(pieces, piece)) pieces.push(piece);
    }
  }
  return { open, pieces };
}

/**
 * Rules a group will hold per address family just before the prefix lists go in: what it has now plus
 * the pieces of wider open rules, which the lock adds before it revokes those rules.
 */
export function projectedUsage(
  o: Observed,
  g: ObservedGroup,
  port: number,
): {
  usage: { v4: number; v6: number };
  pieces: { v4: number; v6: number };
} {
  const v6Ids = new Set(o.prefixLists.v6 ? [o.prefixLists.v6.id] : []);
  const usage = quotaUsage(g.permissions, o.prefixLists.weights, v6Ids);
  const pieces = { v4: 0, v6: 0 };
  for (const piece of openOnPort(flatten(g.permissions), port).pieces)
    pieces[piece.CidrIpv6 ? 'v6' : 'v4'] += 1;
  return { usage: { v4: usage.v4 + pieces.v4, v6: usage.v6 + pieces.v6 }, pieces };
}

/** Before anything else: the prefix lists are admitted (quota checked for every group before any write). */
export function admit(ctx: PlanContext): Planned {
  if (!ctx.enforce.SecurityGroup) return NOTHING_PLANNED;
  const o = ctx.observed;
  if (o.groups.length === 0) {
    throw new LockError(
      'InvalidRequest',
      'Enforce.SecurityGroup: the load balancer has no security groups to restrict',
    );
  }
  const lists = requiredLists(o);
  const v6Ids = new Set(o.prefixLists.v6 ? [o.prefixLists.v6.id] : []);
  const steps: Step[] = [];
  const admitted: GroupPermission[] = [];
  for (const g of o.groups) {
    const live = flatten(g.permissions);
    const { usage } = projectedUsage(o, g, ctx.port);
    for (const list of lists) {
      if (admits(live, list.id, ctx.port)) continue;
      const family = v6Ids.has(list.id) ? 'v6' : 'v4';
      const after = usage[family] + list.weight;
      if (after > ctx.quotas.rulesPerSecurityGroup.value) {
        throw quotaExceeded(
          ctx.quotas,
          'rulesPerSecurityGroup',
          'Enforce.SecurityGroup',
          `security group ${g.groupId} has ${usage[family]} IP${family} inbound rules and the prefix list ${list.id} weighs ${list.weight}: it needs ${after}`,
          'Raise the quota or give the load balancer a dedicated security group.',
        );
      }
      usage[family] = after;
      const permission = prefixPermission(list.id, ctx.port);
      admitted.push({ groupId: g.groupId, permission });
      steps.push({ kind: 'authorize-ingress', groupId: g.groupId, permission, tagListener: true });
    }
  }
  return { steps, change: (r) => ({ ...r, admitted: admitted.reduce(withGroupPermission, r.admitted) }) };
}

/** Last: open ingress on the listener port is revoked, keeping the rest of a wider rule open. */
export function revoke(ctx: PlanContext): Planned {
  if (!ctx.enforce.SecurityGroup) return NOTHING_PLANNED;
  const steps: Step[] = [];
  const remainders: GroupPermission[] = [];
  const revoked: GroupPermission[] = [];
  for (const g of ctx.observed.groups) {
    const { open, pieces } = openOnPort(flatten(g.permissions), ctx.port);
    for (const piece of pieces) {
      remainders.push({ groupId: g.groupId, permission: piece });
      steps.push({ kind: 'authorize-ingress', groupId: g.groupId, permission: piece, tagListener: false });
    }
    for (const p of open) {
      revoked.push({ groupId: g.groupId, permission: p });
      steps.push({ kind: 'revoke-ingress', groupId: g.groupId, permission: p });
    }
  }
  return {
    steps,
    change: (r) => ({
      ...r,
      remainders: remainders.reduce(withGroupPermission, r.remainders),
      revoked: revoked.reduce(withGroupPermission, r.revoked),
    }),
  };
}

/** Release: restore revoked ingress first, then remove what the lock added; the record forgets all three. */
export function release(ctx: PlanContext, undoLog: Readonly<LockRecord>): Planned {
  if (ctx.enforce.SecurityGroup) return NOTHING_PLANNED;
  const steps: Step[] = [];
  const liveOf = (groupId: string): IngressPermission[] | undefined => {
    const g = ctx.observed.groups.find((x) => x.groupId === groupId);
    return g ? flatten(g.permissions) : undefined;
  };
  for (const e of undoLog.revoked) {
    const live = liveOf(e.groupId);
    if (live && !hasPermission(live, e.permission)) {
      steps.push({
        kind: 'authorize-ingress',
        groupId: e.groupId,
        permission: e.permission,
        tagListener: false,
      });
    }
  }
  for (const e of [...undoLog.remainders, ...undoLog.admitted]) {
    const live = liveOf(e.groupId);
    // A remainder identical to a restored rule is the restored rule: keep it.
    const restored = undoLog.revoked.some(
      (r) => r.groupId === e.groupId && sameSource(r.permission, e.permission),
    );
    if (live && hasPermission(live, e.permission) && !restored) {
      steps.push({ kind: 'revoke-ingress', groupId: e.groupId, permission: e.permission });
    }
  }
  return { steps, change: (r) => ({ ...r, revoked: [], remainders: [], admitted: [] }) };
}

/** Whether the control holds right now (the drift surface). */
export function holds(o: Observed): boolean {
  if (o.groups.length === 0 || !o.prefixLists.v4) return false;
  const port = o.listener.port;
  const lists = [o.prefixLists.v4.id];
  if (isDualstack(o)) {
    if (!o.prefixLists.v6) return false;
    lists.push(o.prefixLists.v6.id);
  }
  return o.groups.every((g) => {
    const live = flatten(g.permissions);
    return !live.some((p) => isOpen(p) && coversPort(p, port)) && lists.every((id) => admits(live, id, port));
  });
}
