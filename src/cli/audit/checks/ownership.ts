import type { NetworkInterface } from '@aws-sdk/client-ec2';
import { TargetOrigin } from '../../../engine/plan/context';
import { Observed } from '../../../engine/observed';
import { lockedResources } from '../../../engine/preflight';
import { describeUsers, otherUsers } from '../../../engine/rules/group-users';
import { describeReconciled, reconciled, stackOf, STACK_NAME_TAG } from '../../../engine/rules/owners';
import { Finding, finding } from '../findings';

/**
 * Who else owns what a lock would change, as the lock's preflight sees it (src/engine/preflight.ts).
 * These findings appear only when they apply, after the controls: owner-tags and shared-group warn
 * (the lock refuses those setups unless told otherwise), vpc-origin passes (private by design).
 */

/** What the audit could read beyond the engine's observation; a string says why it could not. */
export interface OwnershipFacts {
  distributionTags: Record<string, string> | string;
  interfaces: NetworkInterface[] | string;
}

export function ownerTags(o: Observed, distributionId: string, facts: OwnershipFacts): Finding | undefined {
  const owned = reconciled(
    lockedResources(
      o,
      o.groups.map((g) => g.groupId),
    ),
  );
  const reasons = owned.map(
    (r) =>
      `${describeReconciled(r)}, which puts back its own rules and groups: the lock refuses it, require the header through that system instead`,
  );
  const ids = owned.map((r) => r.id);
  if (typeof facts.distributionTags === 'string') {
    reasons.push(`tags of distribution ${distributionId} unreadable: ${facts.distributionTags}`);
    ids.push(distributionId);
  } else {
    const stack = stackOf(facts.distributionTags);
    if (stack) {
      reasons.push(
        `distribution ${distributionId} belongs to CloudFormation stack '${stack}' (${STACK_NAME_TAG}): a header the lock stamped would go at the stack's next update, so keep it in the template as a {{resolve:secretsmanager:…}} reference and lock with Enforce.OriginHeader: false`,
      );
      ids.push(distributionId);
    }
  }
  return reasons.length > 0 ? finding('owner-tags', 'warn', reasons.join('; '), ids) : undefined;
}

export function sharedGroup(o: Observed, facts: OwnershipFacts): Finding | undefined {
  const groupIds = o.groups.map((g) => g.groupId);
  if (typeof facts.interfaces === 'string') {
    return finding(
      'shared-group',
      'warn',
      `network interfaces of ${groupIds.join(', ')} unreadable: ${facts.interfaces}`,
      groupIds,
    );
  }
  const shared = Object.entries(otherUsers(groupIds, facts.interfaces, o.loadBalancer.arn));
  if (shared.length === 0) return undefined;
  return finding(
    'shared-group',
    'warn',
    `${shared.map(([id, users]) => `security group ${id} is also used by ${describeUsers(users)}`).join('; ')}: closing port ${o.listener.port} there closes it for them too, so the lock refuses to revoke in it unless Enforce.SharedSecurityGroups is true`,
    shared.flatMap(([id, users]) => [id, ...users.map((u) => u.networkInterfaceId)]),
  );
}

/** A VPC origin reaches a private load balancer from inside the VPC: nothing on the internet can. */
export function vpcOrigin(targets: TargetOrigin[] | undefined): Finding | undefined {
  const vpc = (targets ?? []).filter((t) => t.origin.VpcOriginConfig);
  if (vpc.length === 0) return undefined;
  return finding(
    'vpc-origin',
    'pass',
    `${vpc.map((t) => `origin ${t.origin.Id ?? '?'} of distribution ${t.distributionId} is the CloudFront VPC origin ${t.origin.VpcOriginConfig?.VpcOriginId ?? '?'}`).join(', ')}: the load balancer is private by design and needs no lock`,
    vpc.flatMap((t) => [t.distributionId, t.origin.Id ?? '', t.origin.VpcOriginConfig?.VpcOriginId ?? '']),
  );
}
