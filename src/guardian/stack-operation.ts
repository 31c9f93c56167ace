/**
 * Whether CloudFormation is working on a lock right now, so the guardian does not heal it under a stack
 * operation (docs/guardian.md, "Never fighting CloudFormation"). Reads only: the lock's physical id is
 * its listener ARN (the type's primary identifier, and what Custom::OriginLock answers), which is also
 * the physical id of an AWS::ElasticLoadBalancingV2::Listener.
 */
import {
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  StackResource,
} from '@aws-sdk/client-cloudformation';
import { CloudFormationReads } from '../aws/cloudformation';
import { formatError } from '../aws/error-mapping';

export const LOCK_TYPES: readonly string[] = ['Acme::Origin::Lock', 'Custom::OriginLock'];
export const LISTENER_TYPE = 'AWS::ElasticLoadBalancingV2::Listener';

export type StackCheck =
  /** No stack operation concerns the lock: the guardian may heal it. */
  | { kind: 'clear' }
  /** Heal later: why, in words (a stack name and a status, never a value read from the lock). */
  | { kind: 'defer'; reason: string };

const inProgress = (status: string | undefined): boolean => /_IN_PROGRESS$/.test(status ?? '');
const isLock = (type: string | undefined): boolean => LOCK_TYPES.includes(type ?? '');

/** CloudFormation's answer when no stack holds a resource with that physical id. */
const noStack = (e: unknown): boolean =>
  (e as { name?: string }).name === 'ValidationError' &&
  /^Stack for .* does not exist$/.test((e as Error).message ?? '');

/**
 * Decides from the resources of the stack that holds the listener ARN. A resource with that physical id
 * in progress (the lock being created, updated or deleted; the listener itself being created, updated,
 * replaced or deleted) defers at once. Otherwise the stack's own status matters only when the stack holds
 * the lock: a lock resource with that physical id, or one CloudFormation is still creating (no physical
 * id yet) — an operation on that stack may reach the lock at any moment. A stack that holds only the
 * listener, not being touched, does not stop the heal: its operation is not on the lock.
 */
export function fromResources(
  listenerArn: string,
  resources: StackResource[],
): { defer: StackResource } | { askStack: string } | 'clear' {
  const holders = resources.filter(
    (r) =>
      r.PhysicalResourceId === listenerArn && (isLock(r.ResourceType) || r.ResourceType === LISTENER_TYPE),
  );
  const moving = holders.find((r) => inProgress(r.ResourceStatus));
  if (moving) return { defer: moving };
  const lockHere =
    holders.some((r) => isLock(r.ResourceType)) ||
    resources.some((r) => isLock(r.ResourceType) && !r.PhysicalResourceId && inProgress(r.ResourceStatus));
  const stackId = resources[0]?.StackId;
  return lockHere && stackId ? { askStack: stackId } : 'clear';
}

export async function stackOperationOn(cfn: CloudFormationReads, listenerArn: string): Promise<StackCheck> {
  try {
    let resources: StackResource[];
    try {
      // AWS answers with up to 100 resources of the one stack that holds the physical id.
      const out = await cfn.send(new DescribeStackResourcesCommand({ PhysicalResourceId: listenerArn }));
      resources = out.StackResources ?? [];
    } catch (e) {
      if (noStack(e)) return { kind: 'clear' };
      throw e;
    }
    const decision = fromResources(listenerArn, resources);
    if (decision === 'clear') return { kind: 'clear' };
    if ('defer' in decision) {
      const r = decision.defer;
      return {
        kind: 'defer',
        reason: `CloudFormation operation in progress on stack ${r.StackName} (${r.LogicalResourceId} ${r.ResourceType} is ${r.ResourceStatus})`,
      };
    }
    const out = await cfn.send(new DescribeStacksCommand({ StackName: decision.askStack }));
    const stack = out.Stacks?.[0];
    if (stack && inProgress(stack.StackStatus))
      return {
        kind: 'defer',
        reason: `CloudFormation operation in progress on stack ${stack.StackName} (${stack.StackStatus})`,
      };
    return { kind: 'clear' };
  } catch (e) {
    // Not knowing is not "no operation": the heal waits for the next event or sweep.
    return {
      kind: 'defer',
      reason: `could not ask CloudFormation about stack operations (${formatError(e)})`,
    };
  }
}
