/**
 * A pure, in-memory stand-in for AWS that applies planner steps to an `Observed` state the way
 * ELBv2, EC2 and CloudFront would, so property tests can drive plan → apply → re-observe without I/O.
 *
 * Where AWS refuses a request (duplicate ingress rule, priority in use, too many condition values,
 * over the rules-per-group quota, unknown rule...), the simulator throws a `SimulatedAwsError` with
 * the AWS error code instead of silently accepting it: a plan that real AWS would reject mid-run is a
 * planner bug the properties should see.
 *
 * Reads come back in the shape AWS describes them: host/path conditions carry both the legacy
 * `Values` and the typed config, actions carry `Order`, and a single-target forward carries both
 * `TargetGroupArn` and `ForwardConfig`.
 */
import { createHash } from 'node:crypto';
import type { Origin } from '@aws-sdk/client-cloudfront';
import type { IpPermission } from '@aws-sdk/client-ec2';
import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { conditionValues } from '../../src/engine/rules/alb';
import { Observed, ObservedGroup, ObservedRule } from '../../src/engine/observed';
import { plan } from '../../src/engine/plan/plan';
import {
  decodeRecord,
  encodeRecord,
  IngressPermission,
  LB_MARKER_TAG,
  parseMarker,
  recordTagKeys,
  withRecordedRoles,
} from '../../src/engine/record';
import { LockSpec, parseListenerArn } from '../../src/engine/spec';
import { Step } from '../../src/engine/plan/steps';

/** An error real AWS would have returned for the step. */
export class SimulatedAwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly step?: Step,
  ) {
    super(`${code}: ${message}`);
    this.name = 'SimulatedAwsError';
  }
}

export interface SimulateOptions {
  /**
   * What an `await-deployed` step finds when a distribution is still InProgress: `continue` flips the
   * listed distributions to Deployed (propagation finished just in time) and applies the rest;
   * `stop` stops applying the remaining steps, as `applySteps` does.
   */
  deploy: 'continue' | 'stop';
  /** Enforce the rules-per-security-group quota (default true). */
  enforceQuota?: boolean;
}

/** The simulated world: the observed state plus what CloudFront edges may still serve. */
export interface World {
  observed: Observed;
  /**
   * Per distribution: earlier origin configurations some edges may still use while the distribution
   * is InProgress (cleared when it becomes Deployed).
   */
  inFlight: Record<string, Origin[][]>;
}

export type TraceEvent = 'initial' | 'step' | 'deployed';

/** One moment of a simulated run. */
export interface TraceEntry {
  event: TraceEvent;
  /** Plan/apply round (0-based) the moment belongs to. */
  round: number;
  /** The step that produced this state (for `step` entries). */
  step?: Step;
  /** State before the step (for `step` entries). */
  before?: World;
  world: World;
}

export const RULES_PER_GROUP = 60;

// JSON, not structuredClone: objects from another realm print as [object Object] in fast-check reports under jest.
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

// ---------------------------------------------------------------------------------------------
// AWS describe shapes
// ---------------------------------------------------------------------------------------------

const LEGACY_FIELDS = new Set(['host-header', 'path-pattern']);

/** A condition as DescribeRules returns it. */
export function describeCondition(c: RuleCondition): RuleCondition {
  const out = clone(c);
  if (!LEGACY_FIELDS.has(c.Field ?? '')) return out;
  const values = conditionValues(c);
  if (c.Field === 'host-header')
    return { Field: 'host-header', Values: values, HostHeaderConfig: { Values: values } };
  return { Field: 'path-pattern', Values: values, PathPatternConfig: { Values: values } };
}

/** Actions as DescribeRules / DescribeListeners return them. */
export function describeActions(actions: Action[]): Action[] {
  return actions.map((a, i) => {
    const out = clone(a);
    if (out.Order === undefined) out.Order = i + 1;
    if (out.Type === 'forward') {
      if (out.TargetGroupArn && !out.ForwardConfig) {
        out.ForwardConfig = {
          TargetGroups: [{ TargetGroupArn: out.TargetGroupArn, Weight: 1 }],
          TargetGroupStickinessConfig: { Enabled: false },
        };
      } else if (out.ForwardConfig) {
        const groups = (out.ForwardConfig.TargetGroups ?? []).map((g) => ({ ...g, Weight: g.Weight ?? 1 }));
        out.ForwardConfig = {
          ...out.ForwardConfig,
          TargetGroups: groups,
          TargetGroupStickinessConfig: out.ForwardConfig.TargetGroupStickinessConfig ?? { Enabled: false },
        };
        if (!out.TargetGroupArn && groups.length === 1) out.TargetGroupArn = groups[0].TargetGroupArn;
      }
    }
    if (out.Type === 'fixed-response' && out.FixedResponseConfig && !out.FixedResponseConfig.MessageBody) {
      delete out.FixedResponseConfig.MessageBody;
    }
    return out;
  });
}

/** A whole observed state in AWS describe shape (idempotent). */
export function described(o: Observed): Observed {
  const out = clone(o);
  out.listener.defaultActions = describeActions(out.listener.defaultActions);
  out.rules = out.rules
    .map((r) => ({
      ...r,
      conditions: r.conditions.map(describeCondition),
      actions: describeActions(r.actions),
    }))
    .sort((a, b) => a.priority - b.priority);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation AWS performs
// ---------------------------------------------------------------------------------------------

function validateConditions(conditions: RuleCondition[], step: Step): void {
  let total = 0;
  for (const c of conditions) {
    const values = conditionValues(c);
    if (values.length === 0)
      throw new SimulatedAwsError('ValidationError', `condition ${c.Field} has no values`, step);
    if (values.length > 3) {
      throw new SimulatedAwsError(
        'ValidationError',
        `condition ${c.Field} has ${values.length} values (max 3)`,
        step,
      );
    }
    if (c.Field === 'http-header') {
      const name = c.HttpHeaderConfig?.HttpHeaderName ?? '';
      if (name.length === 0 || name.length > 40) {
        throw new SimulatedAwsError('ValidationError', `http-header name '${name}' must be 1-40 chars`, step);
      }
      if (values.some((v) => v.length > 128)) {
        throw new SimulatedAwsError('ValidationError', 'http-header value longer than 128 chars', step);
      }
    }
    total += values.length;
  }
  if (total > 5) {
    throw new SimulatedAwsError(
      'TooManyConditionValues',
      `a rule can have at most 5 condition values, got ${total}`,
      step,
    );
  }
}

function validateActions(actions: Action[], step: Step): void {
  if (actions.length === 0) throw new SimulatedAwsError('ValidationError', 'actions must not be empty', step);
}

// ---------------------------------------------------------------------------------------------
// Security-group ingress in AWS's grouped shape
// ---------------------------------------------------------------------------------------------

const sameRange = (p: IpPermission, q: IngressPermission): boolean =>
  (p.IpProtocol ?? '-1') === q.IpProtocol &&
  (q.IpProtocol === '-1' || (p.FromPort === q.FromPort && p.ToPort === q.ToPort));

function hasSource(p: IpPermission, q: IngressPermission): boolean {
  if (q.CidrIp) return (p.IpRanges ?? []).some((r) => r.CidrIp === q.CidrIp);
  if (q.CidrIpv6) return (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === q.CidrIpv6);
  if (q.PrefixListId) return (p.PrefixListIds ?? []).some((r) => r.PrefixListId === q.PrefixListId);
  return false;
}

const isEmpty = (p: IpPermission): boolean =>
  (p.IpRanges ?? []).length +
    (p.Ipv6Ranges ?? []).length +
    (p.PrefixListIds ?? []).length +
    (p.UserIdGroupPairs ?? []).length ===
  0;

/** Adds one single-source permission to the grouped permissions (merging like AWS). */
export function addIngress(perms: IpPermission[], q: IngressPermission): IpPermission[] {
  const out = clone(perms);
  let entry = out.find((p) => sameRange(p, q));
  if (!entry) {
    entry = {
      IpProtocol: q.IpProtocol,
      IpRanges: [],
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [],
    };
    if (q.IpProtocol !== '-1') {
      entry.FromPort = q.FromPort;
      entry.ToPort = q.ToPort;
    }
    out.push(entry);
  }
  const desc = q.Description ? { Description: q.Description } : {};
  if (q.CidrIp) entry.IpRanges = [...(entry.IpRanges ?? []), { CidrIp: q.CidrIp, ...desc }];
  else if (q.CidrIpv6) entry.Ipv6Ranges = [...(entry.Ipv6Ranges ?? []), { CidrIpv6: q.CidrIpv6, ...desc }];
  else if (q.PrefixListId)
    entry.PrefixListIds = [...(entry.PrefixListIds ?? []), { PrefixListId: q.PrefixListId, ...desc }];
  return out;
}

function removeIngress(perms: IpPermission[], q: IngressPermission): IpPermission[] {
  const out = clone(perms);
  const entry = out.find((p) => sameRange(p, q) && hasSource(p, q));
  if (!entry) return out;
  if (q.CidrIp) entry.IpRanges = (entry.IpRanges ?? []).filter((r) => r.CidrIp !== q.CidrIp);
  else if (q.CidrIpv6) entry.Ipv6Ranges = (entry.Ipv6Ranges ?? []).filter((r) => r.CidrIpv6 !== q.CidrIpv6);
  else if (q.PrefixListId)
    entry.PrefixListIds = (entry.PrefixListIds ?? []).filter((r) => r.PrefixListId !== q.PrefixListId);
  return out.filter((p) => !isEmpty(p));
}

/** Rules-per-group usage by family, as AWS counts it (a prefix list weighs its max entries). */
export function groupUsage(
  lists: Observed['prefixLists'],
  permissions: IpPermission[],
): { v4: number; v6: number } {
  let v4 = 0;
  let v6 = 0;
  for (const p of permissions) {
    v4 += (p.IpRanges ?? []).length + (p.UserIdGroupPairs ?? []).length;
    v6 += (p.Ipv6Ranges ?? []).length;
    for (const pl of p.PrefixListIds ?? []) {
      const id = pl.PrefixListId ?? '';
      const w = lists.weights[id] ?? 1;
      if (id === lists.v6?.id) v6 += w;
      else v4 += w;
    }
  }
  return { v4, v6 };
}

// ---------------------------------------------------------------------------------------------
// Applying steps
// ---------------------------------------------------------------------------------------------

function findRule(o: Observed, arn: string, step: Step): ObservedRule {
  const r = o.rules.find((x) => x.arn === arn);
  if (!r) throw new SimulatedAwsError('RuleNotFound', `rule ${arn} does not exist`, step);
  return r;
}

/**
 * The security group as EC2 holds it: an attached group of the load balancer, the lock's own group, or
 * both (the lock's own group once attached appears in both places, kept equal by `setGroupPermissions`).
 */
function findGroup(o: Observed, groupId: string, step: Step): ObservedGroup {
  const g = o.groups.find((x) => x.groupId === groupId) ?? ownGroup(o, groupId);
  if (!g)
    throw new SimulatedAwsError('InvalidGroup.NotFound', `security group ${groupId} does not exist`, step);
  return g;
}

const ownGroup = (o: Observed, groupId: string): ObservedGroup | undefined =>
  o.dedicatedGroup?.groupId === groupId ? o.dedicatedGroup : undefined;

/** Writes a group's ingress to every place the observed state shows it. */
function setGroupPermissions(o: Observed, groupId: string, permissions: IpPermission[]): void {
  for (const g of o.groups) if (g.groupId === groupId) g.permissions = clone(permissions);
  const own = ownGroup(o, groupId);
  if (own) own.permissions = clone(permissions);
}

/** The id EC2 gives the lock's group: derived from its name so a run is reproducible. */
const newGroupId = (name: string): string =>
  `sg-0${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;

/** At most this many security groups per load balancer (SetSecurityGroups). */
export const GROUPS_PER_LOAD_BALANCER = 5;

function newRuleArn(o: Observed, step: Step): string {
  const parts = parseListenerArn(o.listener.arn);
  const base = `${parts.loadBalancerArn.replace(':loadbalancer/', ':listener-rule/')}/${parts.listenerId}`;
  const taken = new Set(o.rules.map((r) => r.arn));
  for (let salt = 0; ; salt++) {
    const id = createHash('sha256')
      .update(JSON.stringify([o.rules.map((r) => r.arn), step, salt]))
      .digest('hex')
      .slice(0, 16);
    const arn = `${base}/${id}`;
    if (!taken.has(arn)) return arn;
  }
}

const sortRules = (o: Observed): void => {
  o.rules.sort((a, b) => a.priority - b.priority);
};

const headerItems = (origin: Origin) => origin.CustomHeaders?.Items ?? [];

function deploy(world: World, ids: string[]): void {
  for (const id of ids) {
    const d = world.observed.distributions[id];
    if (d) d.status = 'Deployed';
    delete world.inFlight[id];
  }
}

/** Applies one step; returns false when an await-deployed step stops the run. Mutates `world`. */
function applyOne(world: World, step: Step, opts: SimulateOptions): boolean {
  const o = world.observed;
  switch (step.kind) {
    case 'write-record': {
      for (const k of recordTagKeys(o.listener.tags)) delete o.listener.tags[k];
      Object.assign(o.listener.tags, encodeRecord(step.record));
      if (step.marker === 'add') {
        const id = parseListenerArn(o.listener.arn).listenerId;
        o.loadBalancer.tags[LB_MARKER_TAG] = [
          ...new Set([...parseMarker(o.loadBalancer.tags[LB_MARKER_TAG]), id]),
        ].join(' ');
      }
      o.record = decodeRecord(o.listener.tags);
      o.rules = withRecordedRoles(o.rules, o.record);
      return true;
    }
    case 'delete-record': {
      for (const k of recordTagKeys(o.listener.tags)) delete o.listener.tags[k];
      const id = parseListenerArn(o.listener.arn).listenerId;
      const rest = parseMarker(o.loadBalancer.tags[LB_MARKER_TAG]).filter((x) => x !== id);
      if (rest.length > 0) o.loadBalancer.tags[LB_MARKER_TAG] = rest.join(' ');
      else delete o.loadBalancer.tags[LB_MARKER_TAG];
      delete o.record;
      o.rules = withRecordedRoles(o.rules, undefined);
      return true;
    }
    case 'authorize-ingress': {
      const g = findGroup(o, step.groupId, step);
      const p = step.permission;
      if (!p.CidrIp && !p.CidrIpv6 && !p.PrefixListId) {
        throw new SimulatedAwsError('MissingParameter', 'the permission has no source', step);
      }
      if (g.permissions.some((x) => sameRange(x, p) && hasSource(x, p))) {
        throw new SimulatedAwsError(
          'InvalidPermission.Duplicate',
          `the rule already exists in ${g.groupId}`,
          step,
        );
      }
      const permissions = addIngress(g.permissions, p);
      setGroupPermissions(o, g.groupId, permissions);
      if (opts.enforceQuota ?? true) {
        const usage = groupUsage(o.prefixLists, permissions);
        if (usage.v4 > RULES_PER_GROUP || usage.v6 > RULES_PER_GROUP) {
          throw new SimulatedAwsError(
            'RulesPerSecurityGroupLimitExceeded',
            `${g.groupId} would have ${usage.v4} IPv4 / ${usage.v6} IPv6 inbound rules (quota ${RULES_PER_GROUP})`,
            step,
          );
        }
      }
      return true;
    }
    case 'revoke-ingress': {
      const g = findGroup(o, step.groupId, step);
      if (!g.permissions.some((x) => sameRange(x, step.permission) && hasSource(x, step.permission))) {
        throw new SimulatedAwsError('InvalidPermission.NotFound', `no such rule in ${g.groupId}`, step);
      }
      setGroupPermissions(o, g.groupId, removeIngress(g.permissions, step.permission));
      return true;
    }
    case 'create-security-group': {
      if (o.dedicatedGroup?.name === step.name)
        throw new SimulatedAwsError('InvalidGroup.Duplicate', `group ${step.name} already exists`, step);
      o.dedicatedGroup = { name: step.name, groupId: newGroupId(step.name), permissions: [] };
      return true;
    }
    case 'attach-security-group': {
      const own = ownGroup(o, step.groupId);
      if (!own) throw new SimulatedAwsError('InvalidSecurityGroup', `no group ${step.groupId}`, step);
      if (o.loadBalancer.securityGroupIds.includes(step.groupId)) return true;
      if (o.loadBalancer.securityGroupIds.length >= GROUPS_PER_LOAD_BALANCER)
        throw new SimulatedAwsError('ValidationError', 'at most 5 security groups per load balancer', step);
      o.loadBalancer.securityGroupIds.push(step.groupId);
      o.groups.push(clone(own));
      return true;
    }
    case 'detach-security-group':
      o.loadBalancer.securityGroupIds = o.loadBalancer.securityGroupIds.filter((id) => id !== step.groupId);
      o.groups = o.groups.filter((g) => g.groupId !== step.groupId);
      return true;
    case 'delete-security-group': {
      if (!ownGroup(o, step.groupId))
        throw new SimulatedAwsError('InvalidGroup.NotFound', `no group ${step.groupId}`, step);
      if (o.loadBalancer.securityGroupIds.includes(step.groupId))
        throw new SimulatedAwsError('DependencyViolation', `${step.groupId} is attached`, step);
      delete o.dedicatedGroup;
      return true;
    }
    case 'create-rule': {
      if (!Number.isInteger(step.priority) || step.priority < 1 || step.priority > 50000) {
        throw new SimulatedAwsError('ValidationError', `priority ${step.priority} out of range`, step);
      }
      if (o.rules.some((r) => r.priority === step.priority)) {
        throw new SimulatedAwsError('PriorityInUse', `priority ${step.priority} is in use`, step);
      }
      validateConditions(step.conditions, step);
      validateActions(step.actions, step);
      o.rules.push({
        arn: newRuleArn(o, step),
        priority: step.priority,
        conditions: step.conditions.map(describeCondition),
        actions: describeActions(step.actions),
        role: step.role,
        roleTag: step.role,
      });
      sortRules(o);
      return true;
    }
    case 'untag-rule':
      delete findRule(o, step.ruleArn, step).roleTag;
      return true;
    case 'modify-rule': {
      const r = findRule(o, step.ruleArn, step);
      if (step.conditions) {
        validateConditions(step.conditions, step);
        r.conditions = step.conditions.map(describeCondition);
      }
      if (step.actions) {
        validateActions(step.actions, step);
        r.actions = describeActions(step.actions);
      }
      return true;
    }
    case 'delete-rule':
      findRule(o, step.ruleArn, step);
      o.rules = o.rules.filter((r) => r.arn !== step.ruleArn);
      return true;
    case 'set-default-actions':
      validateActions(step.actions, step);
      o.listener.defaultActions = describeActions(step.actions);
      return true;
    case 'update-origins': {
      const d = o.distributions[step.distributionId];
      if (!d) throw new SimulatedAwsError('NoSuchDistribution', `distribution ${step.distributionId}`, step);
      const previous = clone(d.origins);
      for (const edit of step.edits) {
        const origin = d.origins.find((x) => x.Id === edit.originId);
        if (!origin) throw new SimulatedAwsError('NoSuchOrigin', `origin ${edit.originId} disappeared`, step);
        const drop = [edit.setHeader?.name, edit.removeHeader]
          .filter((n): n is string => !!n)
          .map((n) => n.toLowerCase());
        const items = headerItems(origin).filter((h) => !drop.includes((h.HeaderName ?? '').toLowerCase()));
        if (edit.setHeader)
          items.push({ HeaderName: edit.setHeader.name, HeaderValue: edit.setHeader.value });
        if (items.length > 30) {
          throw new SimulatedAwsError(
            'TooManyOriginCustomHeaders',
            `origin ${edit.originId} would have ${items.length}`,
            step,
          );
        }
        origin.CustomHeaders = { Quantity: items.length, Items: items };
        if (edit.protocolPolicy) {
          if (!origin.CustomOriginConfig) {
            throw new SimulatedAwsError(
              'InvalidArgument',
              `origin ${edit.originId} is not a custom origin`,
              step,
            );
          }
          origin.CustomOriginConfig.OriginProtocolPolicy = edit.protocolPolicy as 'http-only';
        }
      }
      d.status = 'InProgress';
      world.inFlight[d.id] = [...(world.inFlight[d.id] ?? []), previous];
      return true;
    }
    case 'await-deployed': {
      const pending = step.distributionIds.filter((id) => {
        const d = o.distributions[id];
        return d !== undefined && d.status !== 'Deployed';
      });
      if (pending.length === 0) return true;
      if (opts.deploy === 'stop') return false;
      deploy(world, pending);
      return true;
    }
    case 'hand-over-ingress':
      // The simulated world holds one listener: no other lock to hand over to.
      throw new Error('simulate: hand-over-ingress needs a second locked listener, which is not modelled');
  }
}

/** Applies steps in order, recording the state after each; stops at an unmet await-deployed with `deploy: 'stop'`. */
export function simulate(
  start: World,
  steps: Step[],
  opts: SimulateOptions,
  round = 0,
): { world: World; trace: TraceEntry[]; stopped: boolean } {
  let world = clone(start);
  const trace: TraceEntry[] = [];
  for (const step of steps) {
    const before = world;
    world = clone(world);
    const passed = applyOne(world, step, opts);
    if (!passed) return { world: before, trace, stopped: true };
    trace.push({ event: 'step', round, step, before, world });
  }
  return { world, trace, stopped: false };
}

/** What AWS would look like after `steps` (the state when a wait stopped the run, with `deploy: 'stop'`). */
export function applyToObserved(observed: Observed, steps: Step[], opts: SimulateOptions): Observed {
  return simulate({ observed, inFlight: {} }, steps, opts).world.observed;
}

/** Time passes: every InProgress distribution becomes Deployed. */
export function deployAll(world: World): World {
  const out = clone(world);
  deploy(
    out,
    Object.values(out.observed.distributions)
      .filter((d) => d !== undefined && d.status !== 'Deployed')
      .map((d) => d?.id ?? ''),
  );
  return out;
}

export interface ConvergeResult {
  /** Whether a plan came back empty (or, when releasing, the record is gone) within `maxRounds`. */
  converged: boolean;
  final: Observed;
  world: World;
  /** The initial state, then every state after each applied step (and after each deployment). */
  states: TraceEntry[];
  /** Every plan the planner returned, in order (the last is empty when converged). */
  plans: Step[][];
}

export interface ConvergeOptions {
  /** See `SimulateOptions.deploy`; default `stop` (the handler returns IN_PROGRESS and is re-invoked). */
  deploy?: 'continue' | 'stop';
  enforceQuota?: boolean;
  /** Continue from earlier in-flight state (e.g. the end of a previous run). */
  inFlight?: Record<string, Origin[][]>;
}

/**
 * Loops plan → simulate like the engine's `converge`: each round plans from the live state and
 * applies the steps; when a wait stops a round (the handler would return IN_PROGRESS and be called
 * back later), CloudFront finishes propagating before the next round. Planner errors propagate.
 */
export function convergeInMemory(
  observed: Observed,
  spec: LockSpec | undefined,
  values: string[],
  maxRounds = 6,
  opts: ConvergeOptions = {},
): ConvergeResult {
  let world: World = { observed: clone(observed), inFlight: clone(opts.inFlight ?? {}) };
  const states: TraceEntry[] = [{ event: 'initial', round: 0, world }];
  const plans: Step[][] = [];
  const simOpts: SimulateOptions = { deploy: opts.deploy ?? 'stop', enforceQuota: opts.enforceQuota };
  const result = (converged: boolean): ConvergeResult => ({
    converged,
    final: world.observed,
    world,
    states,
    plans,
  });
  for (let round = 0; round < maxRounds; round++) {
    if (!spec && !world.observed.record) return result(true);
    const steps = plan({ spec, observed: world.observed, values });
    plans.push(steps);
    if (steps.length === 0) return result(true);
    const run = simulate(world, steps, simOpts, round);
    states.push(...run.trace);
    world = run.world;
    if (run.stopped) {
      world = deployAll(world);
      states.push({ event: 'deployed', round, world });
    }
  }
  return result(false);
}
