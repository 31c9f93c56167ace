import { forwards, headerValues, isAnyDeny, subsetOf } from '../../../engine/rules/alb';
import { Observed } from '../../../engine/observed';
import { describeActions, describeRule, listenerName } from '../describe';
import { Finding, finding } from '../findings';

/** Listener controls: every path to a target needs the header; everything else is denied. */

/**
 * Forwarding rules without the header condition are bypasses. With the secret's values known, a rule
 * whose condition accepts anything else is one too (its values are never printed).
 */
export function ruleBypass(o: Observed, headerName: string, secretValues?: string[]): Finding {
  const forwarding = o.rules.filter((r) => forwards(r.actions));
  const unguarded = forwarding.filter((r) => headerValues(r.conditions, headerName).length === 0);
  if (unguarded.length > 0) {
    const which = unguarded.map(describeRule).join(' and ');
    const them = unguarded.length === 1 ? 'that rule' : 'those rules';
    return finding(
      'rule-bypass',
      'fail',
      `listener ${listenerName(o.listener.arn)} forwards at ${which} without requiring ${headerName}: requests matching ${them} reach the targets without the secret`,
      unguarded.map((r) => r.arn),
    );
  }
  if (secretValues) {
    const stale = forwarding.filter((r) => !subsetOf(headerValues(r.conditions, headerName), secretValues));
    if (stale.length > 0) {
      const which = stale.map((r) => `priority ${r.priority}`).join(' and ');
      return finding(
        'rule-bypass',
        'fail',
        `listener ${listenerName(o.listener.arn)} forwards at ${which} on ${headerName} values that are not the secret's`,
        stale.map((r) => r.arn),
      );
    }
  }
  if (forwarding.length === 0) {
    return finding(
      'rule-bypass',
      'pass',
      `listener ${listenerName(o.listener.arn)} has no forwarding rule besides its default action`,
    );
  }
  const checked = secretValues ? ` with the secret's value only` : '';
  return finding(
    'rule-bypass',
    'pass',
    `all ${forwarding.length} forwarding rules on listener ${listenerName(o.listener.arn)} require ${headerName}${checked}`,
    forwarding.map((r) => r.arn),
  );
}

export function defaultDeny(o: Observed): Finding {
  const actions = o.listener.defaultActions;
  const what = describeActions(actions);
  if (isAnyDeny(actions)) {
    return finding(
      'default-deny',
      'pass',
      `the default action of listener ${listenerName(o.listener.arn)} is ${what}: requests without the header are refused`,
      [o.listener.arn],
    );
  }
  return finding(
    'default-deny',
    'fail',
    `the default action of listener ${listenerName(o.listener.arn)} is ${what}, not a fixed-response deny: requests that match no rule get through without the header`,
    [o.listener.arn],
  );
}
