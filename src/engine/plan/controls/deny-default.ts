import { denyAction, isDeny } from '../../rules/alb';
import { Observed } from '../../observed';
import { DenyResponseSpec } from '../../spec';
import { NOTHING_PLANNED, Planned, RecordChange, unchanged } from '../change';
import { PlanContext } from '../context';
import { catchAllOf, originalDefaultActions } from './listener-rules';

/** Deny default: requests that match no header-guarded rule get the fixed deny response. */

export function deny(ctx: PlanContext): Planned {
  if (!ctx.enforce.DenyDefault || !ctx.spec) return NOTHING_PLANNED;
  if (isDeny(ctx.observed.listener.defaultActions, ctx.spec.DenyResponse)) return NOTHING_PLANNED;
  return {
    steps: [
      {
        kind: 'set-default-actions',
        actions: [denyAction(ctx.spec.DenyResponse)],
        why: 'make the default action deny requests without the header',
      },
    ],
    change: unchanged,
  };
}

/**
 * Release comes first on delete: the original default action returns before any guard is removed.
 * Past the barrier the default carries the desired deny response only, or none once released.
 */
export function release(ctx: PlanContext): Planned {
  const { spec } = ctx;
  const change: RecordChange = spec
    ? (r) => ({ ...r, denies: ctx.enforce.DenyDefault ? [spec.DenyResponse] : [] })
    : unchanged;
  if (ctx.enforce.DenyDefault) return { steps: [], change };
  const live = ctx.observed.listener.defaultActions;
  if (!ctx.observed.record || !ctx.lockDenies.some((d) => isDeny(live, d))) return { steps: [], change };
  const restore = catchAllOf(ctx.observed)?.actions ?? originalDefaultActions(ctx);
  return {
    steps: [{ kind: 'set-default-actions', actions: restore, why: 'restore the original default action' }],
    change,
  };
}

export const holds = (o: Observed, response: DenyResponseSpec): boolean =>
  isDeny(o.listener.defaultActions, response);
