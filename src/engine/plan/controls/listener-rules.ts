import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  cleanActions,
  countConditionValues,
  forwards,
  headerValues,
  isDeny,
  isHeaderCondition,
  LAST_PRIORITY,
  MAX_VALUES_PER_CONDITION,
  sameActions,
  sameValues,
  subsetOf,
  unionValues,
  withHeaderCondition,
  withoutHeaderConditions,
} from '../../rules/alb';
import { LockError } from '../../errors';
import { LIMITS } from '../../limits';
import { Observed, ObservedRule } from '../../observed';
import { LockRecord, RecordedRules, ruleIdOf } from '../../record';
import { needsCatchAll } from '../../spec';
import { Step } from '../steps';
import { Planned, RecordChange, unchanged } from '../change';
import { originHeaderValue, PlanContext } from '../context';

/**
 * Listener rules: a header-guarded catch-all carrying the original default actions, and the header
 * condition on every forwarding rule so host/path routing survives and nothing bypasses the lock.
 */

export const catchAllOf = (o: Observed): ObservedRule | undefined =>
  o.rules.find((r) => r.role === 'catch-all');

const lockNamesOn = (rule: ObservedRule, names: readonly string[]): string[] =>
  names.filter((n) => rule.conditions.some((c) => isHeaderCondition(c, n)));

const lockValues = (rule: ObservedRule, names: readonly string[]): string[] =>
  unionValues(...names.map((n) => headerValues(rule.conditions, n)));

/** The actions the listener had before the lock: the live default unless it is the lock's deny. */
export function originalDefaultActions(ctx: PlanContext): Action[] {
  const live = ctx.observed.listener.defaultActions;
  if (!ctx.lockDenies.some((d) => isDeny(live, d))) return live;
  const fromCatchAll = catchAllOf(ctx.observed)?.actions;
  if (fromCatchAll && fromCatchAll.length > 0) return fromCatchAll;
  if (ctx.observed.record?.defaultActions) return ctx.observed.record.defaultActions;
  throw new LockError(
    'NotStabilized',
    "ListenerArn: the listener's default action is the lock's deny and the original default action is lost (catch-all rule missing)",
  );
}

/**
 * Values a rule may accept before the new header is deployed: never drop a value an edge may still
 * send. When every target distribution is Deployed, that is only what the origins send now, so stale
 * values can go; while one is InProgress, everything accepted today stays.
 */
export function widened(ctx: PlanContext, current: string[]): string[] {
  const settled = ctx.targets.every(
    (t) => ctx.observed.distributions[t.distributionId]?.status === 'Deployed',
  );
  const sent = ctx.targets
    .flatMap((t) => ctx.lockHeaderNames.map((n) => originHeaderValue(t.origin, n)))
    .filter((v): v is string => v !== undefined);
  const keep = settled && ctx.targets.length > 0 ? current.filter((v) => subsetOf([v], sent)) : current;
  const all = unionValues(ctx.values, keep);
  if (all.length <= MAX_VALUES_PER_CONDITION) return all;
  throw new LockError(
    'ServiceLimitExceeded',
    `ListenerRules: accepting the new header value would need ${all.length} values in one condition (ALB allows ${MAX_VALUES_PER_CONDITION}); wait for the running change to finish`,
  );
}

/**
 * Pre-barrier: the catch-all exists and every lock condition accepts the desired values too. The record
 * keeps the original default actions, in case the catch-all rule that carries them is lost.
 */
export function accept(ctx: PlanContext): Planned {
  const o = ctx.observed;
  const steps: Step[] = [];
  // Rules being released later in this run still gate traffic until then: they accept the new value too.
  for (const r of o.rules.filter((x) => x.role === 'guard' || x.role === 'catch-all'))
    steps.push(...widenRule(ctx, r));
  if (!needsCatchAll(ctx.enforce)) return { steps, change: unchanged };
  const original = originalDefaultActions(ctx);
  const change: RecordChange = (r) => ({ ...r, defaultActions: cleanActions(original) });
  const catchAll = catchAllOf(o);
  if (!catchAll) {
    const taken = o.rules.find((r) => r.priority === LAST_PRIORITY);
    if (taken) {
      throw new LockError(
        'InvalidRequest',
        `ListenerArn: rule ${taken.arn} holds priority ${LAST_PRIORITY}, which the lock's catch-all rule needs so that it is evaluated after every other rule`,
      );
    }
    steps.push({
      kind: 'create-rule',
      role: 'catch-all',
      priority: LAST_PRIORITY,
      conditions: withHeaderCondition([], [], ctx.headerName, ctx.values),
      actions: cleanActions(original),
    });
  } else {
    if (!sameActions(catchAll.actions, original)) {
      // Someone changed the default action since the lock: carry their change, do not undo it.
      steps.push({
        kind: 'modify-rule',
        ruleArn: catchAll.arn,
        actions: cleanActions(original),
        why: 'carry the new default action in the catch-all rule',
      });
    }
  }
  return { steps, change };
}

function widenRule(ctx: PlanContext, rule: ObservedRule): Step[] {
  const names = lockNamesOn(rule, ctx.lockHeaderNames);
  if (names.length === 0) return [];
  const current = lockValues(rule, names);
  if (subsetOf(ctx.values, current)) return [];
  return [
    {
      kind: 'modify-rule',
      ruleArn: rule.arn,
      conditions: withHeaderCondition(rule.conditions, ctx.lockHeaderNames, names[0], widened(ctx, current)),
      why: 'accept the new header value too',
    },
  ];
}

/** Fails before any write when a forwarding rule has no room for the header condition. */
export function checkRoom(ctx: PlanContext): void {
  if (!ctx.enforce.ListenerRules) return;
  for (const r of ctx.observed.rules) {
    if (r.role === 'catch-all' || !forwards(r.actions)) continue;
    const others = withoutHeaderConditions(r.conditions, ctx.lockHeaderNames);
    // A guarded rule briefly accepts the old and the new values together.
    const names = lockNamesOn(r, ctx.lockHeaderNames);
    const accepted = names.length > 0 ? widened(ctx, lockValues(r, names)).length : ctx.values.length;
    // Room for two header values, or the lock could never change its secret (rotation) on this rule.
    const needed = countConditionValues(others) + Math.max(accepted, LIMITS.headerValuesDuringChange);
    if (needed > LIMITS.conditionValuesPerRule) {
      throw new LockError(
        'InvalidRequest',
        `ListenerRules: rule ${r.arn} (priority ${r.priority}) already uses ${countConditionValues(others)} condition values; guarding it needs room for ${LIMITS.headerValuesDuringChange} header values (the old and the new secret during a rotation), ${needed} in all, over the ALB limit of ${LIMITS.conditionValuesPerRule} condition values per rule. Split the rule into two rules with fewer values each.`,
      );
    }
  }
}

/** Post-barrier: guard every forwarding rule, and narrow every lock condition to the secret's values. */
export function guard(ctx: PlanContext): Planned {
  const steps: Step[] = [];
  const set = (rule: ObservedRule, why: string): Step => ({
    kind: 'modify-rule',
    ruleArn: rule.arn,
    conditions: withHeaderCondition(rule.conditions, ctx.lockHeaderNames, ctx.headerName, ctx.values),
    why,
  });
  const settled = (rule: ObservedRule): boolean => {
    const names = lockNamesOn(rule, ctx.lockHeaderNames);
    return (
      names.length === 1 && names[0] === ctx.headerName && sameValues(lockValues(rule, names), ctx.values)
    );
  };
  const catchAll = catchAllOf(ctx.observed);
  if (needsCatchAll(ctx.enforce) && catchAll && !settled(catchAll))
    steps.push(set(catchAll, 'narrow the catch-all rule to the current header'));
  if (!ctx.enforce.ListenerRules) return { steps, change: unchanged };
  const newGuards: string[] = [];
  for (const r of ctx.observed.rules) {
    if (r.role === 'catch-all' || !forwards(r.actions) || settled(r)) continue;
    // The record names the rule before the condition is added: a release always finds what it guarded.
    if (r.role !== 'guard') newGuards.push(ruleIdOf(r.arn));
    steps.push(
      set(
        r,
        r.role === 'guard'
          ? 'narrow the guarded rule to the current header'
          : 'guard the forwarding rule with the header',
      ),
    );
  }
  const change: RecordChange = (record) => {
    const rules = recordedRulesOf(record);
    return { ...record, rules: { ...rules, guards: [...rules.guards, ...newGuards] } };
  };
  return { steps, change };
}

const recordedRulesOf = (record: Readonly<LockRecord>): RecordedRules => record.rules ?? { guards: [] };

/**
 * Release: unguard rules (after the default is restored), then drop the catch-all if no longer needed.
 * Past the barrier every lock condition carries the desired name only, and without a catch-all the
 * record no longer needs the original default actions.
 */
export function release(ctx: PlanContext): Planned {
  const steps: Step[] = [];
  const unguarded = ctx.enforce.ListenerRules ? [] : ctx.observed.rules.filter((x) => x.role === 'guard');
  for (const r of unguarded) {
    if (lockNamesOn(r, ctx.lockHeaderNames).length > 0) {
      steps.push({
        kind: 'modify-rule',
        ruleArn: r.arn,
        conditions: withoutHeaderConditions(r.conditions, ctx.lockHeaderNames),
        why: 'remove the header condition from the rule',
      });
    }
  }
  // Releasing a version 1 lock: its guarded rules also lose the role tag it gave them (when an UPDATE
  // rewrites the record as version 2, record-steps.ts drops them instead).
  if (!ctx.spec && ctx.observed.record?.v === 1)
    for (const r of unguarded.filter((x) => x.roleTag === 'guard'))
      steps.push({ kind: 'untag-rule', ruleArn: r.arn });
  const catchAll = catchAllOf(ctx.observed);
  const dropCatchAll = !needsCatchAll(ctx.enforce) && catchAll !== undefined;
  if (dropCatchAll) steps.push({ kind: 'delete-rule', ruleArn: catchAll.arn });
  const released = new Set(unguarded.map((r) => ruleIdOf(r.arn)));
  const change: RecordChange = (r) => {
    const switched = ctx.spec ? { ...r, headerNames: [ctx.headerName] } : r;
    const { catchAll: kept, guards } = recordedRulesOf(switched);
    const rules: RecordedRules = {
      ...(kept && !dropCatchAll ? { catchAll: kept } : {}),
      guards: guards.filter((id) => !released.has(id)),
    };
    const withRules = switched.rules ? { ...switched, rules } : switched;
    return needsCatchAll(ctx.enforce) ? withRules : withoutDefaultActions(withRules);
  };
  return { steps, change };
}

const withoutDefaultActions = ({ defaultActions: _dropped, ...rest }: Readonly<LockRecord>): LockRecord =>
  rest;

/** Holds when the catch-all and every forwarding rule require the header with only the secret's values. */
export function holds(o: Observed, headerName: string, values: string[]): boolean {
  const catchAll = catchAllOf(o);
  if (!catchAll || values.length === 0) return false;
  const ok = (r: ObservedRule): boolean => {
    const v = headerValues(r.conditions, headerName);
    return v.length > 0 && subsetOf(v, values);
  };
  return ok(catchAll) && o.rules.filter((r) => r.role !== 'catch-all' && forwards(r.actions)).every(ok);
}
