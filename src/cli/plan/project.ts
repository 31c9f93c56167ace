import type { Origin, OriginProtocolPolicy } from '@aws-sdk/client-cloudfront';
import type { IpPermission } from '@aws-sdk/client-ec2';
import { Observed, ObservedGroup } from '../../engine/observed';
import {
  encodeRecord,
  IngressPermission,
  markerIds,
  markerTags,
  recordTagKeys,
  withRecordedRoles,
} from '../../engine/record';
import { OriginEdit, Step } from '../../engine/plan/steps';
import { parseListenerArn } from '../../engine/spec';

/**
 * What the live state will look like after a round of steps that stops at the wait for CloudFront, once
 * the distribution is Deployed: the state the next round of a CREATE or UPDATE observes. Only the steps
 * that can come before that wait are projected (the record, admitting, accepting, stamping, the lock's own
 * group); anything else answers undefined and the preview stops there. Ids AWS has yet to assign (a new
 * rule, a new group) get a readable placeholder, which is what the preview prints for them.
 */
export function projectRound(observed: Observed, steps: readonly Step[]): Observed | undefined {
  const next = structuredClone(observed);
  for (const step of steps) if (!project(next, step)) return undefined;
  return next;
}

export const newGroupId = (name: string): string => `(new group ${name})`;
export const newRuleArn = (role: string): string => `(new ${role} rule)`;

function toIpPermission(p: IngressPermission): IpPermission {
  const base: IpPermission = { IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort };
  if (p.CidrIp) base.IpRanges = [{ CidrIp: p.CidrIp }];
  if (p.CidrIpv6) base.Ipv6Ranges = [{ CidrIpv6: p.CidrIpv6 }];
  if (p.PrefixListId) base.PrefixListIds = [{ PrefixListId: p.PrefixListId }];
  return base;
}

/** The group objects with that id (the lock's own, once attached, is the same object in `groups`). */
const groupsWithId = (o: Observed, groupId: string): ObservedGroup[] => [
  ...new Set(
    [...o.groups, ...(o.dedicatedGroup ? [o.dedicatedGroup] : [])].filter((g) => g.groupId === groupId),
  ),
];

function editOrigin(origin: Origin, edit: OriginEdit): void {
  const same = (name: string | undefined, other: string): boolean =>
    (name ?? '').toLowerCase() === other.toLowerCase();
  let items = origin.CustomHeaders?.Items ?? [];
  if (edit.removeHeader) items = items.filter((h) => !same(h.HeaderName, edit.removeHeader ?? ''));
  if (edit.setHeader) {
    const { name, value } = edit.setHeader;
    items = [...items.filter((h) => !same(h.HeaderName, name)), { HeaderName: name, HeaderValue: value }];
  }
  origin.CustomHeaders = { Quantity: items.length, Items: items };
  if (edit.protocolPolicy && origin.CustomOriginConfig)
    origin.CustomOriginConfig.OriginProtocolPolicy = edit.protocolPolicy as OriginProtocolPolicy;
}

/** Applies one step to `o` in place; false for a step this projection does not model. */
function project(o: Observed, step: Step): boolean {
  switch (step.kind) {
    case 'write-record': {
      o.record = step.record;
      o.rules = withRecordedRoles(o.rules, step.record);
      const kept = Object.fromEntries(
        Object.entries(o.listener.tags).filter(([k]) => !recordTagKeys(o.listener.tags).includes(k)),
      );
      o.listener.tags = { ...kept, ...encodeRecord(step.record) };
      if (step.marker === 'add') {
        const id = parseListenerArn(o.listener.arn).listenerId;
        const ids = [...new Set([...markerIds(o.loadBalancer.tags), id])];
        o.loadBalancer.tags = { ...o.loadBalancer.tags, ...markerTags(ids) };
      }
      return true;
    }
    case 'authorize-ingress':
      for (const g of groupsWithId(o, step.groupId)) g.permissions.push(toIpPermission(step.permission));
      return true;
    case 'create-rule':
      o.rules = [
        ...o.rules,
        {
          arn: newRuleArn(step.role),
          priority: step.priority,
          conditions: step.conditions,
          actions: step.actions,
          role: step.role,
          roleTag: step.role,
        },
      ].sort((a, b) => a.priority - b.priority);
      return true;
    case 'modify-rule':
      for (const r of o.rules.filter((x) => x.arn === step.ruleArn)) {
        if (step.conditions) r.conditions = step.conditions;
        if (step.actions) r.actions = step.actions;
      }
      return true;
    case 'update-origins': {
      const d = o.distributions[step.distributionId];
      if (!d) return false;
      for (const edit of step.edits)
        for (const origin of d.origins.filter((x) => x.Id === edit.originId)) editOrigin(origin, edit);
      d.status = 'InProgress';
      return true;
    }
    case 'await-deployed':
      for (const id of step.distributionIds) {
        const d = o.distributions[id];
        if (d) d.status = 'Deployed';
      }
      return true;
    case 'create-security-group':
      o.dedicatedGroup = {
        name: step.name,
        groupId: newGroupId(step.name),
        permissions: [],
        tags: {},
      };
      return true;
    case 'attach-security-group': {
      const own = o.dedicatedGroup;
      if (!own || own.groupId !== step.groupId) return false;
      o.loadBalancer.securityGroupIds = [...o.loadBalancer.securityGroupIds, own.groupId];
      // Attached, the lock's group is one of the load balancer's groups (observe.ts reads it there).
      o.groups = [...o.groups, own];
      return true;
    }
    default:
      return false;
  }
}
