import { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LIMITS } from '../limits';
import { canonicalJson } from '../record';
import { DenyResponseSpec } from '../spec';

/** Pure helpers over ALB listener rule shapes. */

export const MAX_VALUES_PER_CONDITION = LIMITS.valuesPerCondition;
export const LAST_PRIORITY = 50000;

const lower = (s: string): string => s.toLowerCase();

export function conditionValues(c: RuleCondition): string[] {
  switch (c.Field) {
    case 'host-header':
      return c.HostHeaderConfig?.Values ?? c.Values ?? [];
    case 'path-pattern':
      return c.PathPatternConfig?.Values ?? c.Values ?? [];
    case 'http-header':
      return c.HttpHeaderConfig?.Values ?? [];
    case 'http-request-method':
      return c.HttpRequestMethodConfig?.Values ?? [];
    case 'source-ip':
      return c.SourceIpConfig?.Values ?? [];
    case 'query-string':
      return (c.QueryStringConfig?.Values ?? []).map((kv) => `${kv.Key ?? ''}=${kv.Value ?? ''}`);
    default:
      return c.Values ?? [];
  }
}

/** Regular-expression values count against the ALB's condition-value limit like plain ones. */
const regexValues = (c: RuleCondition): string[] => [
  ...(c.HostHeaderConfig?.RegexValues ?? []),
  ...(c.PathPatternConfig?.RegexValues ?? []),
  ...(c.HttpHeaderConfig?.RegexValues ?? []),
];

/** Condition values as the ALB counts them against its per-rule limit. */
export const countConditionValues = (conditions: RuleCondition[]): number =>
  conditions.reduce((n, c) => n + conditionValues(c).length + regexValues(c).length, 0);

/**
 * DescribeRules returns host/path conditions with both the legacy `Values` and the typed config;
 * ModifyRule refuses both at once, so keep the typed config only.
 */
export function normalizeCondition(c: RuleCondition): RuleCondition {
  const hasConfig =
    c.HostHeaderConfig ||
    c.PathPatternConfig ||
    c.HttpHeaderConfig ||
    c.HttpRequestMethodConfig ||
    c.SourceIpConfig ||
    c.QueryStringConfig;
  const { Values, ...rest } = c;
  return hasConfig ? rest : { ...rest, Values };
}

export const isHeaderCondition = (c: RuleCondition, name: string): boolean =>
  c.Field === 'http-header' && lower(c.HttpHeaderConfig?.HttpHeaderName ?? '') === lower(name);

export const headerCondition = (name: string, values: string[]): RuleCondition => ({
  Field: 'http-header',
  HttpHeaderConfig: { HttpHeaderName: name, Values: values },
});

/** Values of the rule's condition on `name` (empty when it has none). */
export const headerValues = (conditions: RuleCondition[], name: string): string[] =>
  conditions.filter((c) => isHeaderCondition(c, name)).flatMap((c) => c.HttpHeaderConfig?.Values ?? []);

/** The rule's conditions with every condition on any of `names` replaced by one on `name`. */
export function withHeaderCondition(
  conditions: RuleCondition[],
  names: readonly string[],
  name: string,
  values: readonly string[],
): RuleCondition[] {
  const others = conditions
    .filter((c) => !names.some((n) => isHeaderCondition(c, n)))
    .map(normalizeCondition);
  return [...others, headerCondition(name, [...values])];
}

export const withoutHeaderConditions = (
  conditions: RuleCondition[],
  names: readonly string[],
): RuleCondition[] =>
  conditions.filter((c) => !names.some((n) => isHeaderCondition(c, n))).map(normalizeCondition);

/** Whether requests matching these actions reach a target (forward, possibly after authenticate). */
export const forwards = (actions: Action[]): boolean => actions.some((a) => a.Type === 'forward');

/** Same set of values, ignoring case (ALB header matching is case-insensitive). */
export function sameValues(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a.map(lower));
  const sb = new Set(b.map(lower));
  return sa.size === sb.size && [...sa].every((v) => sb.has(v));
}

export function unionValues(...lists: (readonly string[])[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of lists.flat()) {
    if (!seen.has(lower(v))) {
      seen.add(lower(v));
      out.push(v);
    }
  }
  return out;
}

export const subsetOf = (a: readonly string[], b: readonly string[]): boolean => {
  const sb = new Set(b.map(lower));
  return a.every((v) => sb.has(lower(v)));
};

export const denyAction = (deny: DenyResponseSpec): Action => ({
  Type: 'fixed-response',
  FixedResponseConfig: {
    StatusCode: deny.StatusCode,
    ContentType: deny.ContentType,
    MessageBody: deny.MessageBody,
  },
});

/*
 * Two notions of a deny, kept side by side so neither is re-invented:
 *  - isDeny: exactly the lock's own DenyResponse (what the lock writes, and recognises as its own);
 *  - isAnyDeny: any single fixed-response with a client or server error status (what the audit
 *    accepts as a listener that lets nothing through, whoever configured it).
 */

/** The actions are exactly the fixed response `deny` (the lock's own deny). */
export function isDeny(actions: Action[], deny: DenyResponseSpec): boolean {
  if (actions.length !== 1 || actions[0].Type !== 'fixed-response') return false;
  const c = actions[0].FixedResponseConfig;
  return (
    c?.StatusCode === deny.StatusCode &&
    c?.ContentType === deny.ContentType &&
    (c?.MessageBody ?? '') === deny.MessageBody
  );
}

/** The actions refuse every request: one fixed-response with a 4xx or 5xx status, nothing forwarded. */
export const isAnyDeny = (actions: Action[]): boolean =>
  actions.length === 1 &&
  actions[0].Type === 'fixed-response' &&
  /^[45]\d\d$/.test(actions[0].FixedResponseConfig?.StatusCode ?? '');

const actionKey = (actions: Action[]): string =>
  canonicalJson(
    [...actions]
      .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
      .map((a) => {
        // Forward actions may come back with both TargetGroupArn and an equivalent ForwardConfig.
        const { Order: _order, ...rest } = a;
        if (rest.Type === 'forward' && rest.TargetGroupArn) {
          const { ForwardConfig: _fc, ...plain } = rest;
          return plain;
        }
        return rest;
      }),
  );

export const sameActions = (a: Action[], b: Action[]): boolean => actionKey(a) === actionKey(b);

/** Actions as CreateRule/ModifyListener accept them (drop read-only noise, keep order). */
export const cleanActions = (actions: Action[]): Action[] =>
  actions.map((a) => JSON.parse(canonicalJson(a)) as Action);
