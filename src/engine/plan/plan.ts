import { buildContext, PlanContext } from './context';
import * as denyDefault from './controls/deny-default';
import * as listenerRules from './controls/listener-rules';
import * as originHeader from './controls/origin-header';
import * as securityGroup from './controls/security-group';
import { Observed } from '../observed';
import { LB_MARKER_TAG, LockRecord, parseMarker, sameRecord } from '../record';
import { LockSpec, parseListenerArn } from '../spec';
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
}

/**
 * The pure planner: live state + desired lock → ordered steps. Order keeps CloudFront traffic flowing:
 * 1. record the undo log; 2. admit the prefix lists; 3. the catch-all rule and every lock condition
 * accept the new value; 4. the origins send it; 5. wait until the distribution is Deployed; 6. guard
 * the forwarding rules and narrow the accepted values; 7. deny by default; 8. revoke open ingress;
 * then releases (default restored, guards removed, catch-all deleted, header removed, ingress
 * restored, added rules removed) and the final record. A converged lock plans no steps.
 */
export function plan(input: PlanInput): Step[] {
  const ctx = buildContext(input.spec, input.observed, input.values, input.sendValue);
  if (input.owner && !input.observed.record) ctx.ahead.owner = input.owner;
  listenerRules.checkRoom(ctx);
  originHeader.checkUserStamped(ctx);

  const pre = [
    ...securityGroup.admitSteps(ctx),
    ...listenerRules.acceptSteps(ctx),
    ...originHeader.stampSteps(ctx),
  ];
  const stamping = pre.some((s) => s.kind === 'update-origins');
  const barrier = !stamping && originHeader.barrierReached(ctx);
  const post = barrier
    ? [...listenerRules.guardSteps(ctx), ...denyDefault.denySteps(ctx), ...securityGroup.revokeSteps(ctx)]
    : [];

  ctx.final = JSON.parse(JSON.stringify(ctx.ahead)) as LockRecord;
  // Past the barrier every lock condition is switched to the desired name.
  if (barrier && ctx.spec) {
    ctx.final.headerNames = [ctx.headerName];
    ctx.final.denies = ctx.enforce.DenyDefault ? [ctx.spec.DenyResponse] : [];
  }
  const release = barrier
    ? [
        ...denyDefault.releaseSteps(ctx),
        ...listenerRules.releaseSteps(ctx),
        ...originHeader.unstampSteps(ctx),
        ...securityGroup.releaseSteps(ctx),
      ]
    : [];

  const steps: Step[] = [...recordAhead(ctx), ...pre];
  if (!barrier) {
    steps.push({
      kind: 'await-deployed',
      distributionIds: [...new Set(ctx.targets.map((t) => t.distributionId))],
    });
    return steps;
  }
  steps.push(...post, ...release, ...recordFinal(ctx));
  return steps;
}

function markerHas(ctx: PlanContext): boolean {
  const id = parseListenerArn(ctx.observed.listener.arn).listenerId;
  return parseMarker(ctx.observed.loadBalancer.tags[LB_MARKER_TAG]).includes(id);
}

function recordAhead(ctx: PlanContext): Step[] {
  if (!ctx.spec) return [];
  const marked = markerHas(ctx);
  if (sameRecord(ctx.ahead, ctx.observed.record) && marked) return [];
  return [{ kind: 'write-record', record: ctx.ahead, marker: marked ? 'keep' : 'add' }];
}

function recordFinal(ctx: PlanContext): Step[] {
  if (!ctx.spec) return [{ kind: 'delete-record' }];
  if (sameRecord(ctx.final, ctx.ahead)) return [];
  return [{ kind: 'write-record', record: ctx.final, marker: 'keep' }];
}
