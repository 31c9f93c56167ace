import { AwsClients } from '../aws/clients';
import { lockRecord } from '../engine/converge';
import { LockError } from '../engine/errors';
import { createLock, deleteLock, Outcome, updateLock } from '../engine/lifecycle';
import { isAlbListenerArn } from '../engine/rules/ids';
import { RequestIds } from './answers';
import { RunState } from './progress';
import { RequestPlan } from './requests';
import { TIMED_OUT, within } from './timeout';

/** The custom resource's calls into the lock engine and AWS; every decision about them is elsewhere. */

export type RunPlan = Extract<RequestPlan, { kind: 'run' }>;

/**
 * One engine call for the operation the request is running now (the engine reaches CloudFront through
 * the lock's DistributionRoleArn: the properties' for a lock being made or updated, the recorded one
 * for a release).
 */
export function engineStep(
  clients: AwsClients,
  plan: RunPlan,
  state: RunState,
  log: (line: string) => void,
): Promise<Outcome> {
  switch (state.operation) {
    case 'create':
    case 'replace':
      return createLock(clients, plan.model, state.ctx, log, plan.ids.requestId);
    case 'update':
      return updateLock(clients, plan.model, plan.previous, state.ctx, log);
    case 'delete':
      return deleteLock(clients, plan.model, state.ctx, log);
    case 'undo-replace':
      return deleteLock(clients, { ListenerArn: plan.ids.targetArn }, state.ctx, log);
  }
}

/** True when this request's own (possibly partial) lock is on the target listener. */
export async function ownsLock(clients: AwsClients, ids: RequestIds, timeoutMs: number): Promise<boolean> {
  if (!isAlbListenerArn(ids.targetArn)) return false;
  try {
    const record = await within(lockRecord(clients, ids.targetArn), timeoutMs);
    return record !== TIMED_OUT && record?.owner === ids.requestId;
  } catch {
    return false;
  }
}

/** A Delete of a listener without a lock (never made, or gone already) has nothing to release. */
export async function nothingToRelease(
  clients: AwsClients,
  listenerArn: string,
): Promise<string | undefined> {
  try {
    return (await lockRecord(clients, listenerArn)) ? undefined : `listener ${listenerArn} has no lock`;
  } catch (e) {
    if (e instanceof LockError && e.code === 'NotFound') return e.message;
    throw e;
  }
}
