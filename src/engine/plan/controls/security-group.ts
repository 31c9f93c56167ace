import { LockError } from '../../errors';
import { QUOTA_INFO, quotaExceeded } from '../../limits';
import {
  coversAnyPort,
  coversPort,
  flatten,
  hasPermission,
  quotaUsage,
  remaindersWithoutPorts,
  sameSource,
} from '../../rules/ingress';
import { ExposurePolicy, exposes } from '../../rules/exposure';
import { Observed, ObservedGroup, PrefixListRef } from '../../observed';
import { GroupPermission, IngressPermission, LockRecord } from '../../record';
import { CLOUDFRONT_V4_LIST, CLOUDFRONT_V6_LIST } from '../../rules/prefix-lists';
import { Step } from '../steps';
import { NOTHING_PLANNED, Planned, RecordChange, withGroupPermission } from '../change';
import { exposurePolicyOf, listenerPortsOf, PlanContext } from '../context';

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

/** Whether some group admits the list on every one of `ports`. */
const admittedOnAll = (groups: readonly ObservedGroup[], listId: string, ports: readonly number[]): boolean =>
  ports.every((port) => groups.some((g) => admits(flatten(g.permissions), listId, port)));

/**
 * One rule per list covers every listener port: CloudFront keeps reaching whichever listener a
 * distribution's origin uses (one rule weighs 55 whatever its range; the ports between listen to nothing).
 */
const prefixPermission = (listId: string, ports: readonly number[]): IngressPermission => ({
  IpProtocol: 'tcp',
  FromPort: Math.min(...ports),
  ToPort: Math.max(...ports),
  PrefixListId: listId,
  Description: 'CloudFront origin-facing (Acme::Origin::Lock)',
});

/**
 * Permissions that expose any of `ports` to the internet, and the pieces that must stay open once they
 * go (the same source on the rule's other ports; deduplicated).
 */
export function exposedOnPorts(
  live: IngressPermission[],
  ports: readonly number[],
  policy: ExposurePolicy,
): { open: IngressPermission[]; pieces: IngressPermission[] } {
  const open = live.filter((x) => exposes(x, policy) && coversAnyPort(x, ports));
  const pieces: IngressPermission[] = [];
  for (const p of open) {
    for (const piece of remaindersWithoutPorts(p, ports)) {
      if (!hasPermission(live, piece) && !hasPermission(pieces, piece)) pieces.push(piece);
    }
  }
  return { open, pieces };
}

/** The single-port form the audit and older callers use (CloudFront lists only, nothing allowed). */
export const openOnPort = (live: IngressPermission[], port: number, policy: ExposurePolicy) =>
  exposedOnPorts(live, [port], policy);

/**
 * Rules a group will hold per address family just before the prefix lists go in: what it has now plus
 * the pieces of wider exposed rules, which the lock adds before it revokes those rules.
 */
export function projectedUsage(
  o: Observed,
  g: ObservedGroup,
  ports: readonly number[],
  policy: ExposurePolicy,
): {
  usage: { v4: number; v6: number };
  pieces: { v4: number; v6: number };
} {
  const v6Ids = new Set(o.prefixLists.v6 ? [o.prefixLists.v6.id] : []);
  const usage = quotaUsage(g.permissions, o.prefixLists.weights, v6Ids);
  const pieces = { v4: 0, v6: 0 };
  for (const piece of exposedOnPorts(flatten(g.permissions), ports, policy).pieces)
    pieces[piece.CidrIpv6 || (piece.PrefixListId && v6Ids.has(piece.PrefixListId)) ? 'v6' : 'v4'] += 1;
  return { usage: { v4: usage.v4 + pieces.v4, v6: usage.v6 + pieces.v6 }, pieces };
}

/**
 * Before anything else: CloudFront's prefix lists are admitted on every listener port, in ONE group of
 * the load balancer (one suffices; the first with room for them), the quota checked before any write.
 */
export function admit(ctx: PlanContext): Planned {
  if (!ctx.enforce.SecurityGroup) return NOTHING_PLANNED;
  const o = ctx.observed;
  if (o.groups.length === 0) {
    throw new LockError(
      'InvalidRequest',
      'Enforce.SecurityGroup: the load balancer has no security groups to restrict',
    );
  }
  const missing = requiredLists(o).filter((list) => !admittedOnAll(o.groups, list.id, ctx.listenerPorts));
  if (missing.length === 0) return NOTHING_PLANNED;
  const v6Ids = new Set(o.prefixLists.v6 ? [o.prefixLists.v6.id] : []);
  const needs = (g: ObservedGroup) => {
    const { usage } = projectedUsage(o, g, ctx.listenerPorts, ctx.exposure);
    const after = { ...usage };
    for (const list of missing) after[v6Ids.has(list.id) ? 'v6' : 'v4'] += list.weight;
    return { usage, after };
  };
  const quota = ctx.quotas.rulesPerSecurityGroup.value;
  const fits = (g: ObservedGroup) => {
    const { after } = needs(g);
    return after.v4 <= quota && after.v6 <= quota;
  };
  const group = o.groups.find(fits);
  if (!group) {
    // Name the group that came closest, and the family that overflows there.
    const g = o.groups[0];
    const { usage, after } = needs(g);
    const family = after.v4 > quota ? 'v4' : 'v6';
    const list = missing.find((l) => (v6Ids.has(l.id) ? 'v6' : 'v4') === family) ?? missing[0];
    throw quotaExceeded(
      ctx.quotas,
      'rulesPerSecurityGroup',
      'Enforce.SecurityGroup',
      `security group ${g.groupId} has ${usage[family]} IP${family} inbound rules and the prefix list ${list.id} weighs ${list.weight}: it needs ${after[family]}${
        o.groups.length > 1
          ? ` (and no other group of the load balancer has room: ${o.groups
              .slice(1)
              .map((x) => x.groupId)
              .join(', ')})`
          : ''
      }`,
      'Raise the quota or give the load balancer a dedicated security group.',
    );
  }
  const admitted = missing.map((list) => ({
    groupId: group.groupId,
    permission: prefixPermission(list.id, ctx.listenerPorts),
  }));
  return {
    steps: admitted.map(({ groupId, permission }) => ({
      kind: 'authorize-ingress' as const,
      groupId,
      permission,
      tagListener: true,
    })),
    change: (r) => ({ ...r, admitted: admitted.reduce(withGroupPermission, r.admitted) }),
  };
}

/** Last: every internet source on every listener port is revoked, keeping the rest of a wider rule open. */
export function revoke(ctx: PlanContext): Planned {
  if (!ctx.enforce.SecurityGroup) return NOTHING_PLANNED;
  const steps: Step[] = [];
  const remainders: GroupPermission[] = [];
  const revoked: GroupPermission[] = [];
  for (const g of ctx.observed.groups) {
    const { open, pieces } = exposedOnPorts(flatten(g.permissions), ctx.listenerPorts, ctx.exposure);
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

/**
 * Release: restore revoked ingress first, then remove what the lock added; the record forgets all three.
 * While another lock holds a listener of the same load balancer, every listener port must stay closed:
 * the ingress changes are handed over to that lock's record instead, and undone when the last lock goes.
 */
export function release(ctx: PlanContext, undoLog: Readonly<LockRecord>): Planned {
  if (ctx.enforce.SecurityGroup) return NOTHING_PLANNED;
  const forget: RecordChange = (r) => ({ ...r, revoked: [], remainders: [], admitted: [] });
  const others = ctx.observed.otherLockArns ?? [];
  const held = undoLog.revoked.length + undoLog.remainders.length + undoLog.admitted.length;
  if (others.length > 0 && held > 0 && !ctx.spec) {
    return {
      steps: [
        {
          kind: 'hand-over-ingress',
          toListenerArn: others[0],
          revoked: undoLog.revoked,
          remainders: undoLog.remainders,
          admitted: undoLog.admitted,
        },
      ],
      change: forget,
    };
  }
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
  return { steps, change: forget };
}

/**
 * Whether the control holds right now (the drift surface): CloudFront's lists reach every listener port,
 * and no group lets an internet source (outside `allowedSources`) reach any of them.
 */
export function holds(o: Observed, allowedSources: readonly string[] = []): boolean {
  if (o.groups.length === 0 || !o.prefixLists.v4) return false;
  const ports = listenerPortsOf(o);
  const lists = [o.prefixLists.v4.id];
  if (isDualstack(o)) {
    if (!o.prefixLists.v6) return false;
    lists.push(o.prefixLists.v6.id);
  }
  const policy = exposurePolicyOf(o, allowedSources);
  return (
    lists.every((id) => admittedOnAll(o.groups, id, ports)) &&
    o.groups.every((g) => !flatten(g.permissions).some((p) => exposes(p, policy) && coversAnyPort(p, ports)))
  );
}
