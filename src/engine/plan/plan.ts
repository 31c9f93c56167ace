import { Quotas } from '../limits';
import { LockRecord } from '../record';
import { Observed } from '../observed';
import { LockSpec } from '../spec';
import { inSequence, Planned } from './change';
import { buildContext, PlanContext } from './context';
import * as denyDefault from './controls/deny-default';
import * as listenerRules from './controls/listener-rules';
import * as originHeader from './controls/origin-header';
import * as securityGroup from './controls/security-group';
import { startRecord, writeRecordAfterRelease, writeUndoLog } from './record-steps';
import { checkCopyableDefault, checkTagRoom } from './room';
import { Step } from './steps';

export interface PlanInput {
  /** Desired lock; undefined releases everything (DELETE). */
  spec?: LockSpec;
  observed: Observed;
  /** Accepted header values (AWSCURRENT first); empty when deleting. */
  values: string[];
  /** Request token recorded with a new lock. */
  owner?: string;
  /** The value origins must send (rotation's setSecret: AWSPENDING); default keeps any accepted value. */
  sendValue?: string;
  /** Adjustable quotas; default the documented defaults (converge re-plans with the account's on a refusal). */
  quotas?: Quotas;
}

/** A control's part of a phase, planned from the context alone. */
type Phase = (ctx: PlanContext) => Planned;
/** A release also reads the undo log: what the lock has changed so far, this run included. */
type Release = (ctx: PlanContext, undoLog: Readonly<LockRecord>) => Planned;

/** Before the barrier: admit the prefix lists, every lock condition accepts the value, the origins send it. */
const WIDEN: readonly Phase[] = [securityGroup.admit, listenerRules.accept, originHeader.stamp];
/** Past the barrier: guard the forwarding rules and narrow the values, deny by default, revoke open ingress. */
const NARROW: readonly Phase[] = [listenerRules.guard, denyDefault.deny, securityGroup.revoke];
/** Then undo what is no longer wanted: default restored, guards and catch-all gone, header, ingress. */
const RELEASE: readonly Release[] = [
  denyDefault.release,
  listenerRules.release,
  originHeader.unstamp,
  securityGroup.release,
];

/**
 * The pure planner: live state + desired lock → ordered steps that keep CloudFront traffic flowing.
 * The undo log (the record with everything this run may change) is written first; the widening steps
 * follow; until every target distribution is Deployed with the header the run stops at a wait (the
 * barrier); past it come the narrowing steps, the releases, and the record after the releases.
 * A converged lock plans no steps.
 */
export function plan(input: PlanInput): Step[] {
  const ctx = buildContext(input.spec, input.observed, input.values, input.sendValue, input.quotas);
  // Refusals come before any step is planned.
  listenerRules.checkRoom(ctx);
  originHeader.checkUserStamped(ctx);
  checkCopyableDefault(ctx);

  const widen = inSequence(WIDEN.map((phase) => phase(ctx)));
  const stamping = widen.steps.some((s) => s.kind === 'update-origins');
  // Planned now even before the barrier: what the record will hold once narrowed must fit in tags.
  const narrow = inSequence(NARROW.map((phase) => phase(ctx)));
  const start = startRecord(ctx, input.owner);
  checkTagRoom(ctx, narrow.change(widen.change(start)));
  if (stamping || !originHeader.barrierReached(ctx)) {
    const undoLog = widen.change(start);
    return [...writeUndoLog(ctx, undoLog), ...widen.steps, awaitDeployed(ctx)];
  }
  const undoLog = narrow.change(widen.change(start));
  const release = inSequence(RELEASE.map((phase) => phase(ctx, undoLog)));
  const recordAfterRelease = release.change(undoLog);
  return [
    ...writeUndoLog(ctx, undoLog),
    ...widen.steps,
    ...narrow.steps,
    ...release.steps,
    ...writeRecordAfterRelease(ctx, undoLog, recordAfterRelease),
  ];
}

/**
 * The widening and narrowing steps of the whole lock, the barrier ignored: what a later run narrows
 * (after the distribution deploys) is known now, so checks that must come before the first write
 * (src/engine/preflight.ts) see it. Pure, like plan().
 */
export function lookAhead(input: PlanInput): Step[] {
  const ctx = buildContext(input.spec, input.observed, input.values, input.sendValue, input.quotas);
  return [...WIDEN, ...NARROW].flatMap((phase) => phase(ctx).steps);
}

const awaitDeployed = (ctx: PlanContext): Step => ({
  kind: 'await-deployed',
  distributionIds: [...new Set(ctx.targets.map((t) => t.distributionId))],
});
