import { paginateGetResources } from '@aws-sdk/client-resource-groups-tagging-api';
import { AwsClients, withDistributionRole } from '../aws/clients';
import { distributionRoleOf } from '../aws/distribution-role';
import { applySteps, Progress } from './apply';
import { originHeaderValue, resolveTargets, TargetOrigin } from './plan/context';
import * as denyDefault from './plan/controls/deny-default';
import * as listenerRules from './plan/controls/listener-rules';
import * as originHeader from './plan/controls/origin-header';
import * as securityGroup from './plan/controls/security-group';
import { LockError } from './errors';
import { subsetOf, unionValues } from './rules/alb';
import { flatten } from './rules/ingress';
import { Clock, readPastLag, systemClock } from './rules/deadline';
import { observe, observeRecord } from './observe';
import { Observed } from './observed';
import { lookAhead } from './plan/plan';
import { planWithinQuotas, QuotaBook } from './plan-within-quotas';
import { preflight } from './preflight';
import { LB_MARKER_TAG, LockRecord, markerIds } from './record';
import { readPreviousValue, readSecretValues, SecretValues, secretValueList } from './secret';
import { LockSpec, needsCatchAll } from './spec';

/** The lock as CloudFormation sees it: the properties of schema/acme-origin-lock.json. */
export interface LockModel {
  ListenerArn?: string;
  DistributionId?: string;
  SecretArn?: string;
  SecretKey?: string;
  HeaderName?: string;
  OriginId?: string;
  DenyResponse?: { StatusCode?: string; ContentType?: string; MessageBody?: string };
  Enforce?: {
    SecurityGroup?: boolean;
    ListenerRules?: boolean;
    DenyDefault?: boolean;
    OriginHeader?: boolean;
    HttpsOrigin?: boolean;
    DedicatedSecurityGroup?: boolean;
    SharedSecurityGroups?: boolean;
  };
  AllowedSources?: string[];
  DistributionRoleArn?: string;
  DistributionRoleExternalId?: string;
  // Read-only: what READ reports.
  LoadBalancerArn?: string;
  ForwardRuleArn?: string;
  SecurityGroupIds?: string[];
  PrefixListIds?: string[];
  GuardedRuleArns?: string[];
  OriginIds?: string[];
  DedicatedSecurityGroupId?: string;
}

/**
 * The same properties as they arrive, before parseSpec checks them: any value may be anything
 * (CloudFormation passes template booleans as strings, a template may hold a typo).
 */
export type LockProperties = { [K in keyof LockModel]?: unknown };

export type ConvergeResult =
  /** `values`: the header values the lock accepted in the last round (READ reuses them). */
  { state: 'done'; observed: Observed; values: string[] } | { state: 'waiting'; distributionIds: string[] };

// Observe → plan → apply, again until nothing is left; a converged lock stops after one observation.
const MAX_ROUNDS = 6;

/** Drives the live state to `spec` (or releases everything when `spec` is undefined). */
export async function converge(
  clients: AwsClients,
  listenerArn: string,
  spec: LockSpec | undefined,
  progress: Progress,
  options: {
    owner?: string;
    sendValue?: (values: SecretValues) => string | undefined;
    /** Called before each write this call makes. */
    onWrite?: () => void;
    /**
     * Run the ownership and shared-group checks (preflight.ts) before the first write: the first
     * invocation of a CREATE or UPDATE. They look ahead past the barrier, so callbacks need not repeat them.
     */
    preflight?: boolean;
    /**
     * The listener must carry a lock already (the first invocation of an UPDATE or DELETE): the first
     * observation doubles as the existence check, re-read while ELB's tag reads may lag (NotFound after).
     */
    requireRecord?: boolean;
  } = {},
): Promise<ConvergeResult> {
  // The secret is read once per call: the rounds only re-observe what the steps change.
  const secret = spec ? await readSecretValues(clients.secrets, spec.SecretArn, spec.SecretKey) : undefined;
  const secretValues = secret ? secretValueList(secret) : [];
  const sendValue = secret && options.sendValue ? options.sendValue(secret) : undefined;
  const previous = previousReader(clients, spec);
  const quotas = new QuotaBook(clients);
  const look = () =>
    observe(clients, listenerArn, spec ? [spec.DistributionId] : [], {
      dedicatedGroup: spec?.Enforce.DedicatedSecurityGroup,
      // Releasing (no spec): the distributions are where the record says.
      ...(spec ? { distributionRole: distributionRoleOf(spec) } : {}),
    });
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let observed = await look();
    if (round === 0 && options.requireRecord && !observed.record) {
      if (!(await confirmedLockRecord(clients, listenerArn))) throw noLock(listenerArn);
      observed = await look();
    }
    // Releasing a listener whose record is gone (deleted by the last round) is done.
    if (!spec && !observed.record) return { state: 'done', observed, values: [] };
    const values = spec ? await acceptedValues(spec, observed, secretValues, previous) : [];
    const steps = await planWithinQuotas(
      clients,
      { spec, observed, values, owner: options.owner, sendValue },
      quotas,
    );
    if (steps.length === 0) return { state: 'done', observed, values };
    // CloudFront calls go through the lock's DistributionRoleArn: the desired one, or a release's recorded one.
    const edge = withDistributionRole(clients, distributionRoleOf(spec ?? observed.record?.spec));
    if (spec && round === 0 && options.preflight) {
      const input = { spec, observed, values, sendValue, quotas: quotas.quotas };
      await preflight(edge, spec, observed, steps, lookAhead(input));
    }
    const result = await applySteps(edge, observed, steps, progress, options.onWrite);
    if (result.state === 'waiting') return result;
  }
  throw new LockError(
    'NotStabilized',
    `ListenerArn: the lock on '${listenerArn}' did not converge after ${MAX_ROUNDS} rounds; the resources keep changing`,
  );
}

/**
 * What the target origins send in the lock's header when the lock does not stamp them (Enforce.OriginHeader
 * false: the distribution's owner, e.g. the CloudFormation stack, sets it). Empty for a stamping lock.
 */
export function userSentValues(spec: LockSpec, observed: Observed): string[] {
  if (spec.Enforce.OriginHeader || !needsCatchAll(spec.Enforce)) return [];
  let targets: TargetOrigin[];
  try {
    targets = resolveTargets(spec, observed);
  } catch {
    return []; // the planner refuses with the reason
  }
  return unionValues(
    targets
      .map((t) => originHeaderValue(t.origin, spec.HeaderName))
      .filter((v): v is string => v !== undefined),
  );
}

/** AWSPREVIOUS, read at most once per call and only when asked. */
export type PreviousReader = () => Promise<string | undefined>;

export function previousReader(clients: AwsClients, spec: LockSpec | undefined): PreviousReader {
  let read: Promise<string | undefined> | undefined;
  return () => {
    if (!spec) return Promise.resolve(undefined);
    read ??= readPreviousValue(clients.secrets, spec.SecretArn, spec.SecretKey);
    return read;
  };
}

/**
 * The header values the lock accepts: AWSCURRENT (and AWSPENDING). A lock that does not stamp its
 * origins cannot move them to a new value: after a rotation they send AWSPREVIOUS until their owner
 * picks up AWSCURRENT (a stack update re-resolving its dynamic reference). That value stays accepted
 * meanwhile, or the listener would deny CloudFront; it is dropped by the first converge that sees the
 * origins send the current value.
 */
export async function acceptedValues(
  spec: LockSpec,
  observed: Observed,
  secretValues: string[],
  previous: PreviousReader,
): Promise<string[]> {
  const stale = userSentValues(spec, observed).filter((v) => !subsetOf([v], secretValues));
  if (stale.length === 0) return secretValues;
  const value = await previous();
  return value !== undefined && subsetOf([value], stale) ? [...secretValues, value] : secretValues;
}

/** The values a recorded lock accepts now; none when the secret cannot be read (drift, not a failed READ). */
async function recordedValues(
  clients: AwsClients,
  listenerArn: string,
  record: LockRecord,
  observed: Observed,
): Promise<string[]> {
  const spec = record.spec;
  try {
    const secret = await readSecretValues(clients.secrets, spec.SecretArn, spec.SecretKey);
    const lock = { ...spec, ListenerArn: listenerArn };
    return await acceptedValues(lock, observed, secretValueList(secret), previousReader(clients, lock));
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    return [];
  }
}

function safeTargets(record: LockRecord, listenerArn: string, observed: Observed): TargetOrigin[] {
  try {
    return resolveTargets({ ...record.spec, ListenerArn: listenerArn }, observed);
  } catch {
    return [];
  }
}

export const noLock = (listenerArn: string): LockError =>
  new LockError('NotFound', `ListenerArn: listener '${listenerArn}' has no Acme::Origin::Lock`);

/**
 * The model READ returns: the recorded configuration plus, per managed control, whether it holds now.
 * `known`: an observation just made, with the values a converge that just finished accepted (neither is
 * read again).
 */
export async function readModel(
  clients: AwsClients,
  listenerArn: string,
  known?: { observed: Observed; values?: string[] },
): Promise<LockModel> {
  // observe() also reads the distributions the record names, so one observation is enough.
  const look = () => observe(clients, listenerArn, [], { readOnly: true });
  let observed = known?.observed ?? (await look());
  // A read that lags behind the write of the record must not report the lock as gone.
  if (!observed.record && (await confirmedLockRecord(clients, listenerArn))) observed = await look();
  const record = observed.record;
  if (!record) throw noLock(listenerArn);
  const spec = record.spec;
  const values = known?.values ?? (await recordedValues(clients, listenerArn, record, observed));
  const e = spec.Enforce;
  const targets = safeTargets(record, listenerArn, observed);
  const catchAll = listenerRules.catchAllOf(observed);
  const model: LockModel = {
    ListenerArn: listenerArn,
    DistributionId: spec.DistributionId,
    SecretArn: spec.SecretArn,
    HeaderName: spec.HeaderName,
    DenyResponse: { ...spec.DenyResponse },
    Enforce: {
      SecurityGroup: e.SecurityGroup && securityGroup.holds(observed, spec.AllowedSources),
      ListenerRules: e.ListenerRules && listenerRules.holds(observed, spec.HeaderName, values),
      DenyDefault: e.DenyDefault && denyDefault.holds(observed, spec.DenyResponse),
      OriginHeader: e.OriginHeader && originHeader.holds(targets, spec.HeaderName, values),
      HttpsOrigin: e.HttpsOrigin && originHeader.httpsHolds(targets),
      // Managed, and the lock's own group exists, is attached and admits the lists.
      ...(e.DedicatedSecurityGroup
        ? { DedicatedSecurityGroup: e.SecurityGroup && securityGroup.dedicatedHolds(observed) }
        : {}),
      // How the lock works rather than what it holds: reported as recorded.
      ...(e.SharedSecurityGroups ? { SharedSecurityGroups: true } : {}),
    },
    LoadBalancerArn: observed.loadBalancer.arn,
    SecurityGroupIds: e.SecurityGroup ? observed.loadBalancer.securityGroupIds : [],
    PrefixListIds: [
      ...new Set([
        ...record.admitted.map((a) => a.permission.PrefixListId ?? ''),
        ...flatten(observed.dedicatedGroup?.permissions ?? []).map((p) => p.PrefixListId ?? ''),
      ]),
    ].filter((x) => x),
    GuardedRuleArns: observed.rules.filter((r) => r.role === 'guard').map((r) => r.arn),
    OriginIds: e.OriginHeader ? targets.map((t) => t.origin.Id ?? '') : [],
  };
  if (catchAll) model.ForwardRuleArn = catchAll.arn;
  if (record.dedicatedGroup && observed.dedicatedGroup)
    model.DedicatedSecurityGroupId = observed.dedicatedGroup.groupId;
  if (spec.SecretKey !== undefined) model.SecretKey = spec.SecretKey;
  if (spec.OriginId !== undefined) model.OriginId = spec.OriginId;
  if (spec.AllowedSources) model.AllowedSources = [...spec.AllowedSources];
  if (spec.DistributionRoleArn !== undefined) model.DistributionRoleArn = spec.DistributionRoleArn;
  if (spec.DistributionRoleExternalId !== undefined)
    model.DistributionRoleExternalId = spec.DistributionRoleExternalId;
  return model;
}

/** The listener's lock record, if any (CREATE refuses a second lock, UPDATE/DELETE need one). */
export const lockRecord = (clients: AwsClients, listenerArn: string): Promise<LockRecord | undefined> =>
  observeRecord(clients, listenerArn);

/**
 * ELB reads right after a write may still show the old tags. Before an absent record becomes the
 * lock's NotFound it is read again after short pauses: a lock that exists is never reported gone.
 */
export async function confirmedLockRecord(
  clients: AwsClients,
  listenerArn: string,
  clock: Clock = systemClock,
): Promise<LockRecord | undefined> {
  return readPastLag(() => observeRecord(clients, listenerArn), clock);
}

/**
 * Every locked listener in the account and region: load balancers carry a marker tag listing their
 * locked listeners, so one tagging-API page yields many locks, whatever the number of load balancers.
 */
export async function listLockArns(clients: AwsClients): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateGetResources(
    { client: clients.tagging },
    {
      TagFilters: [{ Key: LB_MARKER_TAG }],
      ResourceTypeFilters: ['elasticloadbalancing:loadbalancer'],
      // The most the tagging API returns per page (its default is 50).
      ResourcesPerPage: 100,
    },
  )) {
    for (const r of page.ResourceTagMappingList ?? []) {
      const lbArn = r.ResourceARN ?? '';
      const tags = Object.fromEntries((r.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      for (const id of markerIds(tags)) arns.push(`${lbArn.replace(':loadbalancer/', ':listener/')}/${id}`);
    }
  }
  return arns.sort();
}
