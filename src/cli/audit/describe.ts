import { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { conditionValues } from '../../engine/rules/alb';
import { ObservedRule } from '../../engine/observed';

/** Short, value-free words for listener rules and actions (the audit's reasons, the demo's tables). */

/** `arn:…:targetgroup/seed-004-tg/0123…` → `seed-004-tg`. */
export const resourceName = (arn: string): string => arn.split(':').pop()?.split('/')[1] ?? arn;

/** `arn:…:listener/app/NAME/LB/LISTENER` → `app/NAME/LB/LISTENER`. */
export const listenerName = (arn: string): string => arn.split(':listener/')[1] ?? arn;

/** `arn:…:loadbalancer/app/NAME/LB` → `app/NAME/LB`. */
export const loadBalancerName = (arn: string): string => arn.split(':loadbalancer/')[1] ?? arn;

/** Header conditions show only the header name: their values are the secret. */
export function describeConditions(conditions: RuleCondition[]): string {
  const parts = conditions.map((c) =>
    c.Field === 'http-header'
      ? `header ${c.HttpHeaderConfig?.HttpHeaderName ?? '?'}`
      : `${c.Field} ${conditionValues(c).join('|')}`,
  );
  return parts.length > 0 ? parts.join(' and ') : 'no condition';
}

export function describeActions(actions: Action[]): string {
  const a = [...actions].sort((x, y) => (x.Order ?? 0) - (y.Order ?? 0)).pop();
  if (!a) return 'no action';
  switch (a.Type) {
    case 'forward': {
      const groups = a.ForwardConfig?.TargetGroups?.map((t) => t.TargetGroupArn ?? '') ?? [
        a.TargetGroupArn ?? '',
      ];
      return `forward to ${groups.map(resourceName).join(', ')}`;
    }
    case 'fixed-response':
      return `fixed-response ${a.FixedResponseConfig?.StatusCode ?? '?'}`;
    case 'redirect':
      return `redirect ${a.RedirectConfig?.StatusCode ?? ''}`.trimEnd();
    default:
      return a.Type ?? 'unknown action';
  }
}

export const describeRule = (r: ObservedRule): string =>
  `priority ${r.priority} (${describeConditions(r.conditions)} → ${describeActions(r.actions)})`;
