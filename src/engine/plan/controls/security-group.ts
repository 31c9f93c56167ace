import { LockError } from '../../errors';
import { LIMITS, QUOTA_INFO, quotaExceeded } from '../../limits';
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
import { parseListenerArn } from '../../spec';
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

/** The lock's own group: one per listener, so a repeated CreateSecurityGroup finds the first one. */
export const dedicatedGroupName = (listenerArn: string): string =>
  `origin-lock-${parseListenerArn(listenerArn).listenerId}`;

const isAttached = (o: Observed, groupId: string): boolean =>
  o.loadBalancer.securityGroupIds.includes(groupId);

/** The load balancer's groups other than the lock's own. */
const ordinaryGroups = (o: Observed): ObservedGroup[] =>
  o.groups.filter((g) => g.groupId !== o.dedicatedGroup?.groupId);

/** Whether the lock's own group exists, is attached and admits `lists` on every listener port. */
function dedicatedHoldsLists(o: Observed, lists: readonly string[]): boolean {
  const own = o.dedicatedGroup;
  if (!own || !isAttached(o, own.groupId)) return false;
  const ports = listenerPortsOf(o);
  return lists.every((id) => admittedOnAll([own], id, ports));
}

/** Why no group of the load balancer can take the lists: the closest one's numbers, and the others. */
interface NoRoom {
  what: string;
  others: string[];
}

/** Where the lists go: a group of the load balancer with room (or none needed), or the lock's own group. */
type Placement =
  | { kind: 'ordinary'; group?: ObservedGroup; missing: PrefixListRef[] }
  | { kind: 'dedicated'; lists: PrefixListRef[]; noRoom?: NoRoom };

function placement(ctx: PlanContext): Placement {
  const o = ctx.observed;
  const lists = requiredLists(o);
  if (ctx.spec?.Enforce.DedicatedSecurityGroup) return { kind: 'dedicated', lists };
  const ordinary = ordinaryGroups(o);
  const missing = lists.filter((list) => !admittedOnAll(ordinary, list.id, ctx.listenerPorts));
  if (missing.length === 0) return { kind: 'ordinary', missing };
  const v6Ids = new Set(o.prefixLists.v6 ? [o.prefixLists.v6.id] : []);
  const needs = (g: ObservedGroup) => {
    const { usage } = projectedUsage(o, g, ctx.listenerPorts, ctx.exposure);
    const after = { ...usage };
    for (const list of missing) after[v6Ids.has(list.id) ? 'v6' : 'v4'] += list.weight;
    return { usage, after };
  };
  const quota = ctx.quotas.rulesPerSecurityGroup.value;
  const group = ordinary.find((g) => {
    const { after } = needs(g);
    return after.v4 <= quota && after.v6 <= quota;
  });
  if (group) return { kind: 'ordinary', group, missing };
  if (ordinary.length === 0) return { kind: 'dedicated', lists };
  // No room: the lock falls back to a group of its own. Name the group that came closest, and the family
  // that overflows there, in case that cannot be done either.
  const g = ordinary[0];
  const { usage, after } = needs(g);
  const family = after.v4 > quota ? 'v4' : 'v6';
  const list = missing.find((l) => (v6Ids.has(l.id) ? 'v6' : 'v4') === family) ?? missing[0];
  const noRoom: NoRoom = {
    what: `security group ${g.groupId} has ${usage[family]} IP${family} inbound rules and the prefix list ${list.id} weighs ${list.weight}: it needs ${after[family]}`,
    others: ordinary.slice(1).map((x) => x.groupId),
  };
  return { kind: 'dedicated', lists, noRoom };
}

/** Whether the lists go in the lock's own group (asked for, or no group of the load balancer has room). */
export const usesDedicatedGroup = (ctx: PlanContext): boolean =>
  ctx.enforce.SecurityGroup && placement(ctx).kind === 'dedicated';

/**
 * Before anything else: CloudFront's prefix lists are admitted on every listener port, in ONE group of
 * the load balancer (one suffices; the first with room for them), the quota checked before any write.
 * With Enforce.DedicatedSecurityGroup, or when no group has room, they go in a group of the lock's own.
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
  const where = placement(ctx);
  if (where.kind === 'dedicated') return admitDedicated(ctx, where.lists, where.noRoom);
  const { group, missing } = where;
  if (!group) return NOTHING_PLANNED;
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

/**
 * The lock's own group, in rounds: the planner cannot know a new group's id, so one round creates it
 * (the record, written first, names it) and the next finds it by name, admits the lists in it and attaches
 * it beside the load balancer's groups. Until it is attached with the lists, nothing is revoked.
 */
function admitDedicated(ctx: PlanContext, lists: PrefixListRef[], noRoom?: NoRoom): Planned {
  const o = ctx.observed;
  const own = o.dedicatedGroup;
  const name = own?.name ?? o.record?.dedicatedGroup?.name ?? dedicatedGroupName(o.listener.arn);
  const attached = own !== undefined && isAttached(o, own.groupId);
  const limit = LIMITS.securityGroupsPerLoadBalancer;
  if (!attached && o.loadBalancer.securityGroupIds.length >= limit) {
    const count = o.loadBalancer.securityGroupIds.length;
    // Still a quota refusal when it began as one: the account's applied quota may give a group room.
    if (noRoom) {
      const others = noRoom.others.length
        ? `no other group of the load balancer has room: ${noRoom.others.join(', ')}, and `
        : '';
      throw quotaExceeded(
        ctx.quotas,
        'rulesPerSecurityGroup',
        'Enforce.SecurityGroup',
        noRoom.what,
        `Nor can the lists go elsewhere: ${others}the load balancer already has ${count} security groups, the limit of ${limit} per load balancer, so the lock cannot attach one of its own. Raise the quota, or detach a group from the load balancer.`,
      );
    }
    throw new LockError(
      'ServiceLimitExceeded',
      `Enforce.DedicatedSecurityGroup: the load balancer already has ${count} security groups, the limit of ${limit} per load balancer; the lock's own group would be one more. Detach a group from the load balancer, or set Enforce.DedicatedSecurityGroup to false.`,
    );
  }
  const remember: RecordChange = (r) => ({
    ...r,
    dedicatedGroup: { name, ...(own ? { groupId: own.groupId } : {}) },
  });
  if (!own) {
    const vpcId = o.loadBalancer.vpcId;
    if (!vpcId) throw new LockError('InvalidRequest', 'Enforce.SecurityGroup: the load balancer has no VPC');
    return {
      steps: [
        {
          kind: 'create-security-group',
          name,
          vpcId,
          listenerId: parseListenerArn(o.listener.arn).listenerId,
        },
      ],
      change: remember,
    };
  }
  const steps: Step[] = lists
    .filter((list) => !admittedOnAll([own], list.id, ctx.listenerPorts))
    .map((list) => ({
      kind: 'authorize-ingress' as const,
      groupId: own.groupId,
      permission: prefixPermission(list.id, ctx.listenerPorts),
      tagListener: true,
    }));
  if (!attached) steps.push({ kind: 'attach-security-group', groupId: own.groupId });
  return { steps, change: remember };
}

/** Last: every internet source on every listener port is revoked, keeping the rest of a wider rule open. */
export function revoke(ctx: PlanContext): Planned {
  if (!ctx.enforce.SecurityGroup) return NOTHING_PLANNED;
  // The lock's own group is still to be created: CloudFront has no way in yet, so nothing closes.
  if (!ctx.observed.dedicatedGroup && usesDedicatedGroup(ctx)) return NOTHING_PLANNED;
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
 * The lock's own group goes last: detached once nothing needs it to reach the load balancer, then deleted.
 */
export function release(ctx: PlanContext, undoLog: Readonly<LockRecord>): Planned {
  if (ctx.enforce.SecurityGroup) return moveLists(ctx, undoLog);
  const forget: RecordChange = (r) => {
    const { dedicatedGroup: _gone, ...rest } = r;
    return { ...rest, revoked: [], remainders: [], admitted: [] };
  };
  const others = ctx.observed.otherLockArns ?? [];
  const held =
    undoLog.revoked.length +
    undoLog.remainders.length +
    undoLog.admitted.length +
    (undoLog.dedicatedGroup ? 1 : 0);
  if (others.length > 0 && held > 0 && !ctx.spec) {
    const dedicatedGroup = ownGroupRecord(ctx, undoLog);
    return {
      steps: [
        {
          kind: 'hand-over-ingress',
          toListenerArn: others[0],
          revoked: undoLog.revoked,
          remainders: undoLog.remainders,
          admitted: undoLog.admitted,
          ...(dedicatedGroup ? { dedicatedGroup } : {}),
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
  // The internet is back where it was: the lock's own group can go.
  steps.push(...removeOwnGroup(ctx.observed));
  return { steps, change: forget };
}

/** The record of the lock's own group, with its id once observed. */
function ownGroupRecord(ctx: PlanContext, undoLog: Readonly<LockRecord>) {
  const own = ctx.observed.dedicatedGroup;
  if (!undoLog.dedicatedGroup && !own) return undefined;
  return {
    name: own?.name ?? undoLog.dedicatedGroup?.name ?? dedicatedGroupName(ctx.observed.listener.arn),
    ...(own ? { groupId: own.groupId } : {}),
  };
}

/**
 * Detach (if attached) and delete the lock's own group. A just-detached group can answer
 * DependencyViolation for a while: apply.ts retries the delete with backoff (see there).
 */
function removeOwnGroup(o: Observed): Step[] {
  const own = o.dedicatedGroup;
  if (!own) return [];
  return [
    ...(isAttached(o, own.groupId) ? [{ kind: 'detach-security-group' as const, groupId: own.groupId }] : []),
    { kind: 'delete-security-group', groupId: own.groupId },
  ];
}

/**
 * Still enforced, but the lists changed place: into the lock's own group (the flag turned on), where the
 * rules the lock had added to the load balancer's groups go once it is attached; or back into a group of
 * the load balancer (the flag turned off, or room there again), where the lock's own group goes. Either
 * way the new place was made to admit the lists earlier in the same plan (WIDEN), so CloudFront keeps
 * reaching the load balancer.
 */
function moveLists(ctx: PlanContext, undoLog: Readonly<LockRecord>): Planned {
  const o = ctx.observed;
  if (usesDedicatedGroup(ctx)) {
    const own = o.dedicatedGroup;
    const moved = own ? undoLog.admitted.filter((e) => e.groupId !== own.groupId) : [];
    if (moved.length === 0) return NOTHING_PLANNED;
    const steps: Step[] = [];
    for (const e of moved) {
      const live = o.groups.find((g) => g.groupId === e.groupId);
      if (live && hasPermission(flatten(live.permissions), e.permission))
        steps.push({ kind: 'revoke-ingress', groupId: e.groupId, permission: e.permission });
    }
    return {
      steps,
      change: (r) => ({
        ...r,
        admitted: r.admitted.filter(
          (e) => !moved.some((m) => m.groupId === e.groupId && sameSource(m.permission, e.permission)),
        ),
      }),
    };
  }
  if (!undoLog.dedicatedGroup && !o.dedicatedGroup) return NOTHING_PLANNED;
  return {
    steps: removeOwnGroup(o),
    change: (r) => {
      const { dedicatedGroup: _gone, ...rest } = r;
      return rest;
    },
  };
}

/** Whether the lock's own group exists, is attached and admits CloudFront's lists (READ's DedicatedSecurityGroup). */
export function dedicatedHolds(o: Observed): boolean {
  if (!o.prefixLists.v4) return false;
  const lists = [o.prefixLists.v4.id];
  if (isDualstack(o)) {
    if (!o.prefixLists.v6) return false;
    lists.push(o.prefixLists.v6.id);
  }
  return dedicatedHoldsLists(o, lists);
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
