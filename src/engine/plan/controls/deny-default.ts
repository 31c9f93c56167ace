import { denyAction, isDeny } from '../../rules/alb';
import { Observed } from '../../observed';
import { DenyResponseSpec } from '../../spec';
import { Step } from '../steps';
import { PlanContext } from '../context';
import { catchAllOf, originalDefaultActions } from './listener-rules';

/** Deny default: requests that match no header-guarded rule get the fixed deny response. */

export function denySteps(ctx: PlanContext): Step[] {
  if (!ctx.enforce.DenyDefault || !ctx.spec) return [];
  if (isDeny(ctx.observed.listener.defaultActions, ctx.spec.DenyResponse)) return [];
  return [
    {
      kind: 'set-default-actions',
      actions: [denyAction(ctx.spec.DenyResponse)],
      why: 'make the default action deny requests without the header',
    },
  ];
}

/** Release comes first on delete: the original default action returns before any guard is removed. */
export function releaseSteps(ctx: PlanContext): Step[] {
  if (ctx.enforce.DenyDefault) return [];
  const live = ctx.observed.listener.defaultActions;
  if (!ctx.observed.record || !ctx.lockDenies.some((d) => isDeny(live, d))) return [];
  const restore = catchAllOf(ctx.observed)?.actions ?? originalDefaultActions(ctx);
  return [{ kind: 'set-default-actions', actions: restore, why: 'restore the original default action' }];
}

export const holds = (o: Observed, deny: DenyResponseSpec): boolean =>
  isDeny(o.listener.defaultActions, deny);
