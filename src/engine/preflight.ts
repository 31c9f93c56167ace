import { ListTagsForResourceCommand } from '@aws-sdk/client-cloudfront';
import { NetworkInterface, paginateDescribeNetworkInterfaces } from '@aws-sdk/client-ec2';
import { AwsClients } from '../aws/clients';
import { invalid } from './errors';
import { Observed } from './observed';
import { Step } from './plan/steps';
import { otherUsers, sharedGroupsMessage } from './rules/group-users';
import {
  distributionArn,
  reconciled,
  reconciledMessage,
  stackOf,
  stackOwnedMessage,
  TaggedResource,
} from './rules/owners';
import { LockSpec } from './spec';

/**
 * Checks that need AWS reads the planner does not make, run once before the first write of a CREATE or
 * UPDATE: nothing the lock would change is reconciled by another system, the distribution it stamps
 * is not owned by a CloudFormation stack, and no security group it narrows is used by anything but
 * this load balancer. Each read happens only when the plan makes it matter.
 */

/** Tags of a CloudFront distribution (CloudFront's own tagging call, on the distribution's ARN). */
export async function readDistributionTags(
  clients: AwsClients,
  listenerArn: string,
  distributionId: string,
): Promise<Record<string, string>> {
  const out = await clients.cloudfront.send(
    new ListTagsForResourceCommand({ Resource: distributionArn(listenerArn, distributionId) }),
  );
  return Object.fromEntries((out.Tags?.Items ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

/** Every network interface in any of `groupIds`. */
export async function readGroupInterfaces(
  clients: AwsClients,
  groupIds: readonly string[],
): Promise<NetworkInterface[]> {
  if (groupIds.length === 0) return [];
  const interfaces: NetworkInterface[] = [];
  for await (const page of paginateDescribeNetworkInterfaces(
    { client: clients.ec2 },
    { Filters: [{ Name: 'group-id', Values: [...groupIds] }] },
  )) {
    interfaces.push(...(page.NetworkInterfaces ?? []));
  }
  return interfaces;
}

const unique = (ids: string[]): string[] => [...new Set(ids)];

/** Groups in which `steps` authorize or revoke ingress. */
const groupsWrittenBy = (steps: readonly Step[]): string[] =>
  unique(
    steps.flatMap((s) => (s.kind === 'authorize-ingress' || s.kind === 'revoke-ingress' ? [s.groupId] : [])),
  );

/** Distributions whose origins `steps` give a header. */
const stampedBy = (steps: readonly Step[]): string[] =>
  unique(
    steps.flatMap((s) =>
      s.kind === 'update-origins' && s.edits.some((e) => e.setHeader) ? [s.distributionId] : [],
    ),
  );

/** The load balancer, the listener and the groups the lock writes in, with their tags. */
export function lockedResources(observed: Observed, groupIds: readonly string[]): TaggedResource[] {
  return [
    { kind: 'load balancer', id: observed.loadBalancer.arn, tags: observed.loadBalancer.tags },
    { kind: 'listener', id: observed.listener.arn, tags: observed.listener.tags },
    ...observed.groups
      .filter((g) => groupIds.includes(g.groupId))
      .map((g): TaggedResource => ({ kind: 'security group', id: g.groupId, tags: g.tags })),
  ];
}

/**
 * Refuses (InvalidRequest, nothing written) what the lock cannot own. `plan` is this run's plan,
 * `ahead` every widening and narrowing step of the whole lock (plan.ts lookAhead), so the groups a
 * later run narrows after the distribution deploys are checked now.
 */
export async function preflight(
  clients: AwsClients,
  spec: LockSpec,
  observed: Observed,
  plan: readonly Step[],
  ahead: readonly Step[],
): Promise<void> {
  const owned = reconciled(lockedResources(observed, groupsWrittenBy([...plan, ...ahead])));
  if (owned.length > 0) throw invalid('ListenerArn', reconciledMessage(owned));

  for (const id of stampedBy(plan)) {
    const stack = stackOf(await readDistributionTags(clients, spec.ListenerArn, id));
    if (stack) throw invalid('Enforce.OriginHeader', stackOwnedMessage(id, stack));
  }

  if (spec.Enforce.SharedSecurityGroups) return;
  const revoking = unique(ahead.flatMap((s) => (s.kind === 'revoke-ingress' ? [s.groupId] : [])));
  const shared = otherUsers(
    revoking,
    await readGroupInterfaces(clients, revoking),
    observed.loadBalancer.arn,
  );
  if (Object.keys(shared).length > 0)
    throw invalid('Enforce.SharedSecurityGroups', sharedGroupsMessage(shared, observed.listener.port));
}
