import { PreconditionFailed } from '@aws-sdk/client-cloudfront';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  IpPermission,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  PriorityInUseException,
  RuleNotFoundException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RemoveTagsCommand,
  SetSecurityGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients } from '../aws/clients';
import { readDistributionConfigXml, writeDistributionConfigXml } from '../aws/cloudfront-config';
import { editDistributionConfig } from './distribution-xml';
import { Clock, finished, readPastLag, retryAfter, systemClock, waitFor } from './rules/deadline';
import { LockError } from './errors';
import { observeDistribution } from './observe';
import {
  decodeRecord,
  encodeRecord,
  IngressPermission,
  LockRecord,
  markerIds,
  markerTagKeys,
  markerTags,
  recordTagKeys,
  RULE_ROLE_TAG,
  SG_RULE_TAG,
} from './record';
import { Observed } from './observed';
import { parseListenerArn } from './spec';
import { withGroupPermission } from './plan/change';
import { describeStep, OriginEdit, Step } from './plan/steps';

export type Progress = (message: string) => void;
export type ApplyResult = { state: 'done' } | { state: 'waiting'; distributionIds: string[] };

const ETAG_RETRIES = 5;

const errorName = (e: unknown): string => (e as { name?: string } | undefined)?.name ?? '';

function toIpPermission(p: IngressPermission): IpPermission {
  const base: IpPermission = { IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort };
  const desc = p.Description ? { Description: p.Description } : {};
  if (p.CidrIp) base.IpRanges = [{ CidrIp: p.CidrIp, ...desc }];
  if (p.CidrIpv6) base.Ipv6Ranges = [{ CidrIpv6: p.CidrIpv6, ...desc }];
  if (p.PrefixListId) base.PrefixListIds = [{ PrefixListId: p.PrefixListId, ...desc }];
  return base;
}

/**
 * UpdateDistribution needs the current ETag; on a lost race, re-read and re-apply the edits. The
 * configuration travels as CloudFront's own document so members the SDK does not model survive.
 */
async function updateOrigins(
  clients: AwsClients,
  distributionId: string,
  edits: OriginEdit[],
): Promise<void> {
  // One bounded retry loop (rules/deadline.ts): the last lost race throws its PreconditionFailed.
  await waitFor(
    async (attempt) => {
      const current = await readDistributionConfigXml(clients.cloudfront, distributionId);
      if (!current.xml)
        throw new LockError(
          'NotFound',
          `DistributionId: distribution '${distributionId}' has no configuration`,
        );
      const edited = editDistributionConfig(current.xml, edits);
      try {
        await writeDistributionConfigXml(clients.cloudfront, distributionId, current.etag, edited);
        return finished(undefined);
      } catch (e) {
        if (!(e instanceof PreconditionFailed) || attempt >= ETAG_RETRIES) throw e;
        return retryAfter(0);
      }
    },
    { maxAttempts: ETAG_RETRIES },
  );
}

async function writeRecord(
  clients: AwsClients,
  observed: Observed,
  step: Extract<Step, { kind: 'write-record' }>,
) {
  await putRecordTags(clients, observed.listener.arn, observed.listener.tags, step.record);
  if (step.marker === 'add') {
    const id = parseListenerArn(observed.listener.arn).listenerId;
    await writeMarker(clients, observed, [...new Set([...markerIds(observed.loadBalancer.tags), id])]);
  }
}

/** The load balancer's marker tags listing `ids` (none when empty); stale marker keys go. */
async function writeMarker(clients: AwsClients, observed: Observed, ids: string[]): Promise<void> {
  const tags = markerTags(ids);
  const lb = observed.loadBalancer;
  if (Object.keys(tags).length > 0) {
    await clients.elbv2.send(
      new AddTagsCommand({
        ResourceArns: [lb.arn],
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }
  const stale = markerTagKeys(lb.tags).filter((k) => !(k in tags));
  if (stale.length > 0)
    await clients.elbv2.send(new RemoveTagsCommand({ ResourceArns: [lb.arn], TagKeys: stale }));
}

async function deleteRecord(clients: AwsClients, observed: Observed) {
  const keys = recordTagKeys(observed.listener.tags);
  const id = parseListenerArn(observed.listener.arn).listenerId;
  await writeMarker(
    clients,
    observed,
    markerIds(observed.loadBalancer.tags).filter((x) => x !== id),
  );
  if (keys.length > 0)
    await clients.elbv2.send(new RemoveTagsCommand({ ResourceArns: [observed.listener.arn], TagKeys: keys }));
}

async function applyStep(clients: AwsClients, observed: Observed, step: Step): Promise<boolean> {
  const listenerId = parseListenerArn(observed.listener.arn).listenerId;
  switch (step.kind) {
    case 'write-record':
      await writeRecord(clients, observed, step);
      return true;
    case 'delete-record':
      await deleteRecord(clients, observed);
      return true;
    case 'authorize-ingress':
      await clients.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: step.groupId,
          IpPermissions: [toIpPermission(step.permission)],
          // Tag the rule: moto drops descriptions on prefix-list rules, and tags show who added it.
          ...(step.tagListener
            ? {
                TagSpecifications: [
                  { ResourceType: 'security-group-rule', Tags: [{ Key: SG_RULE_TAG, Value: listenerId }] },
                ],
              }
            : {}),
        }),
      );
      return true;
    case 'revoke-ingress':
      await clients.ec2.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: step.groupId,
          IpPermissions: [toIpPermission(step.permission)],
        }),
      );
      return true;
    case 'create-rule':
      await clients.elbv2.send(
        new CreateRuleCommand({
          ListenerArn: observed.listener.arn,
          Priority: step.priority,
          Conditions: step.conditions,
          Actions: step.actions,
          Tags: [{ Key: RULE_ROLE_TAG, Value: step.role }],
        }),
      );
      return true;
    case 'untag-rule':
      await clients.elbv2.send(
        new RemoveTagsCommand({ ResourceArns: [step.ruleArn], TagKeys: [RULE_ROLE_TAG] }),
      );
      return true;
    case 'modify-rule':
      await clients.elbv2.send(
        new ModifyRuleCommand({ RuleArn: step.ruleArn, Conditions: step.conditions, Actions: step.actions }),
      );
      return true;
    case 'delete-rule':
      await clients.elbv2.send(new DeleteRuleCommand({ RuleArn: step.ruleArn }));
      return true;
    case 'set-default-actions':
      await clients.elbv2.send(
        new ModifyListenerCommand({ ListenerArn: observed.listener.arn, DefaultActions: step.actions }),
      );
      return true;
    case 'update-origins':
      await updateOrigins(clients, step.distributionId, step.edits);
      return true;
    case 'await-deployed': {
      for (const id of step.distributionIds) {
        const d = await observeDistribution(clients, id);
        if (d && d.status !== 'Deployed') return false;
      }
      return true;
    }
    case 'create-security-group':
      await clients.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: step.name,
          Description: `CloudFront origin-facing prefix lists for the listener ${step.listenerId} (Acme::Origin::Lock)`,
          VpcId: step.vpcId,
          TagSpecifications: [
            { ResourceType: 'security-group', Tags: [{ Key: SG_RULE_TAG, Value: step.listenerId }] },
          ],
        }),
      );
      return true;
    case 'attach-security-group':
      await setLoadBalancerGroups(clients, observed.loadBalancer.arn, (ids) =>
        ids.includes(step.groupId) ? undefined : [...ids, step.groupId],
      );
      return true;
    case 'detach-security-group':
      await setLoadBalancerGroups(clients, observed.loadBalancer.arn, (ids) =>
        ids.includes(step.groupId) ? ids.filter((id) => id !== step.groupId) : undefined,
      );
      return true;
    case 'delete-security-group':
      await deleteSecurityGroup(clients, step.groupId);
      return true;
    case 'hand-over-ingress':
      await handOverIngress(clients, observed, step);
      return true;
  }
}

/**
 * SetSecurityGroups replaces the whole list: read it right before, change only the lock's group, keep
 * the order of the others. `edit` returns undefined when there is nothing to change (a repeated step).
 */
async function setLoadBalancerGroups(
  clients: AwsClients,
  loadBalancerArn: string,
  edit: (ids: string[]) => string[] | undefined,
): Promise<void> {
  const lb = (
    await clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }))
  ).LoadBalancers?.[0];
  const next = edit(lb?.SecurityGroups ?? []);
  if (next)
    await clients.elbv2.send(
      new SetSecurityGroupsCommand({ LoadBalancerArn: loadBalancerArn, SecurityGroups: next }),
    );
}

/**
 * How long a just-detached group may answer DependencyViolation (the load balancer's network interfaces
 * still carry it): retried with backoff, about a minute in all. Past that the step fails and the record,
 * which still names the group, makes the next invocation delete it.
 */
export const DELETE_GROUP_RETRY = { maxAttempts: 7, firstPauseMs: 1000, maxPauseMs: 16000 };
let groupClock: Clock = systemClock;
/** Tests run the delete retry on a fake clock. */
export const setGroupDeleteClock = (clock: Clock): void => {
  groupClock = clock;
};

async function deleteSecurityGroup(clients: AwsClients, groupId: string): Promise<void> {
  const { maxAttempts, firstPauseMs, maxPauseMs } = DELETE_GROUP_RETRY;
  let lastError: unknown;
  const result = await waitFor(
    async (attempt) => {
      try {
        await clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
        return finished(undefined);
      } catch (e) {
        if (errorName(e) !== 'DependencyViolation') throw e;
        lastError = e;
        return retryAfter(Math.min(maxPauseMs, firstPauseMs * 2 ** (attempt - 1)));
      }
    },
    { maxAttempts, clock: groupClock },
  );
  if (result.state !== 'done') {
    throw new LockError(
      'NotStabilized',
      `Enforce.DedicatedSecurityGroup: security group ${groupId} is detached from the load balancer but AWS still reports it in use (${errorName(lastError)}) after ${result.attempts} attempts; the lock record keeps it, so retrying the operation deletes it`,
    );
  }
}

/** Merges the ingress changes into the other lock's record, which then undoes them when it goes. */
async function handOverIngress(
  clients: AwsClients,
  observed: Observed,
  step: Extract<Step, { kind: 'hand-over-ingress' }>,
): Promise<void> {
  const arn = step.toListenerArn;
  const tags =
    (await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags ??
    [];
  const current = Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']));
  const record = decodeRecord(current);
  if (!record)
    throw new LockError(
      'ResourceConflict',
      `ListenerArn: the lock on '${arn}' to hand the ingress changes to is gone`,
    );
  // One own group per lock: when the other lock has one already, it admits CloudFront and ours can go.
  const keepOurs = step.dedicatedGroup && !record.dedicatedGroup;
  const merged = {
    ...record,
    revoked: step.revoked.reduce(withGroupPermission, record.revoked),
    remainders: step.remainders.reduce(withGroupPermission, record.remainders),
    admitted: step.admitted.reduce(withGroupPermission, record.admitted),
    ...(keepOurs ? { dedicatedGroup: step.dedicatedGroup } : {}),
  };
  await putRecordTags(clients, arn, current, merged);
  const ours = step.dedicatedGroup?.groupId;
  if (!keepOurs && ours) {
    await setLoadBalancerGroups(clients, observed.loadBalancer.arn, (ids) =>
      ids.includes(ours) ? ids.filter((id) => id !== ours) : undefined,
    );
    await deleteSecurityGroup(clients, ours).catch((e: unknown) => {
      if (errorName(e) !== 'InvalidGroup.NotFound') throw e;
    });
  }
}

/** Writes a record into a listener's tags, then drops chunks a shorter record no longer uses. */
async function putRecordTags(
  clients: AwsClients,
  listenerArn: string,
  current: Record<string, string>,
  record: LockRecord,
): Promise<void> {
  const tags = encodeRecord(record);
  await clients.elbv2.send(
    new AddTagsCommand({
      ResourceArns: [listenerArn],
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const stale = recordTagKeys(current).filter((k) => !(k in tags));
  if (stale.length > 0)
    await clients.elbv2.send(new RemoveTagsCommand({ ResourceArns: [listenerArn], TagKeys: stale }));
}

/** Whether `e` only says that `step` had already been carried out (AWS's answer to a repeated write). */
async function alreadyDone(
  clients: AwsClients,
  observed: Observed,
  step: Step,
  e: unknown,
): Promise<boolean> {
  switch (step.kind) {
    case 'authorize-ingress':
      return errorName(e) === 'InvalidPermission.Duplicate';
    case 'revoke-ingress':
      return errorName(e) === 'InvalidPermission.NotFound';
    case 'delete-rule':
      return e instanceof RuleNotFoundException;
    // The deterministic name makes a repeated CreateSecurityGroup fail instead of creating a second
    // group: the next observation finds the first one by that name.
    case 'create-security-group':
      return errorName(e) === 'InvalidGroup.Duplicate';
    case 'delete-security-group':
      return errorName(e) === 'InvalidGroup.NotFound';
    case 'create-rule': {
      if (!(e instanceof PriorityInUseException)) return false;
      // Our own rule at our priority (created by the attempt whose answer was lost) is the step done.
      // PriorityInUse proves a rule holds the priority: a read that shows none lags, so read again.
      const holder = await readPastLag(async () => {
        const rules = await clients.elbv2.send(
          new DescribeRulesCommand({ ListenerArn: observed.listener.arn, PageSize: 400 }),
        );
        return rules.Rules?.find((r) => r.Priority === String(step.priority))?.RuleArn;
      });
      if (!holder) return false;
      const tags = await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [holder] }));
      return (
        tags.TagDescriptions?.[0]?.Tags?.some((t) => t.Key === RULE_ROLE_TAG && t.Value === step.role) ??
        false
      );
    }
    default:
      return false;
  }
}

/** Runs steps in order; stops at a wait whose distribution is not Deployed yet. */
export async function applySteps(
  clients: AwsClients,
  observed: Observed,
  steps: Step[],
  progress: Progress,
  /** Called before each write (not before a wait): from then on AWS may hold changes of this run. */
  onWrite: () => void = () => undefined,
): Promise<ApplyResult> {
  for (const step of steps) {
    progress(describeStep(step));
    if (step.kind !== 'await-deployed') onWrite();
    const passed = await applyStep(clients, observed, step).catch(async (e: unknown) => {
      // A write whose response was lost is retried (by the SDK or a new invocation) and finds its own
      // work already done: that is success, not an error.
      if (await alreadyDone(clients, observed, step, e)) return true;
      throw e;
    });
    if (!passed && step.kind === 'await-deployed')
      return { state: 'waiting', distributionIds: step.distributionIds };
  }
  return { state: 'done' };
}
