import { AwsClients } from '../aws/clients';
import { checkRoleUnchanged } from '../aws/distribution-role';
import { formatFailure, mapError } from '../aws/error-mapping';
import {
  confirmedLockRecord,
  converge,
  listLockArns,
  LockModel,
  LockProperties,
  lockRecord,
  readModel,
} from './converge';
import { HandlerCode, LockError } from './errors';
import { deadlineAfter, isPast } from './rules/deadline';
import { LockSpec, parseSpec } from './spec';

/**
 * The five handlers as plain functions over plain models (schema property names), so the lib's
 * handler class, the custom resource and the demo all drive the same engine.
 */

export interface CallbackContext {
  /** Set once the first invocation passed its checks, so callbacks skip them. */
  started?: boolean;
  startedAt?: string;
  waits?: number;
}

/** The handler statuses, as strings (the registry adapter converts them to the lib's enum). */
export type OutcomeStatus = 'SUCCESS' | 'FAILED' | 'IN_PROGRESS';

export interface Outcome {
  status: OutcomeStatus;
  /** SUCCESS: the lock as READ sees it. IN_PROGRESS: the desired properties, echoed back. */
  model?: LockModel | LockProperties;
  models?: LockModel[];
  errorCode?: HandlerCode;
  message?: string;
  callbackContext?: CallbackContext;
  callbackDelaySeconds?: number;
}

export type Logger = (message: string) => void;

/** Real CloudFront propagation takes minutes: poll on a relaxed cadence, give up after ~an hour. */
export const WAIT_SECONDS = Number(process.env.ORIGIN_LOCK_WAIT_SECONDS ?? 20);
const DEADLINE_MS = 55 * 60 * 1000;

function failed(e: unknown, log: Logger): Outcome {
  const mapped = mapError(e);
  log(`failed: ${formatFailure(mapped)}`);
  return { status: 'FAILED', errorCode: mapped.code, message: mapped.message };
}

async function drive(
  clients: AwsClients,
  listenerArn: string,
  spec: LockSpec | undefined,
  ctx: CallbackContext,
  pendingModel: LockProperties | undefined,
  log: Logger,
  options: { owner?: string; onWrite?: () => void; requireRecord?: boolean } = {},
): Promise<Outcome> {
  const { owner, onWrite, requireRecord = false } = options;
  const startedAt = ctx.startedAt ?? new Date().toISOString();
  if (isPast(deadlineAfter(Date.parse(startedAt), DEADLINE_MS))) {
    throw new LockError(
      'NotStabilized',
      'DistributionId: the distribution did not reach Deployed within 55 minutes',
    );
  }
  // The first invocation of a CREATE or UPDATE checks ownership and shared groups before any write.
  const preflight = spec !== undefined && !ctx.started;
  const result = await converge(clients, listenerArn, spec, log, {
    owner,
    onWrite,
    preflight,
    requireRecord: requireRecord && !ctx.started,
  });
  if (result.state === 'waiting') {
    const waits = (ctx.waits ?? 0) + 1;
    log(`waiting for distribution ${result.distributionIds.join(', ')} to be Deployed (check ${waits})`);
    return {
      status: 'IN_PROGRESS',
      model: pendingModel,
      message: `waiting for CloudFront distribution ${result.distributionIds.join(', ')} to be Deployed`,
      callbackContext: { started: true, startedAt, waits },
      callbackDelaySeconds: WAIT_SECONDS,
    };
  }
  if (!spec) return { status: 'SUCCESS' };
  return { status: 'SUCCESS', model: await readModel(clients, listenerArn, result) };
}

export async function createLock(
  clients: AwsClients,
  desired: LockProperties,
  ctx: CallbackContext,
  log: Logger,
  requestToken?: string,
): Promise<Outcome> {
  let wrote = false;
  try {
    const spec = parseSpec(desired);
    if (!ctx.started) {
      // A CREATE retried after a crash finds its own record (same token) and carries on.
      const existing = await lockRecord(clients, spec.ListenerArn);
      if (existing && (!requestToken || existing.owner !== requestToken)) {
        throw new LockError(
          'AlreadyExists',
          `ListenerArn: listener '${spec.ListenerArn}' already has an Acme::Origin::Lock`,
        );
      }
    }
    return await drive(
      clients,
      spec.ListenerArn,
      spec,
      ctx,
      { ...desired, ListenerArn: spec.ListenerArn },
      log,
      { owner: requestToken, onWrite: () => (wrote = true) },
    );
  } catch (e) {
    const outcome = failed(e, log);
    // Earlier invocations of this CREATE (callbacks) or this one may have written: release them.
    return RETRIED_BY_CLOUDFORMATION.has(outcome.errorCode ?? 'InternalFailure') || !(wrote || ctx.started)
      ? outcome
      : releaseFailedCreate(clients, desired, outcome, log, requestToken);
  }
}

/** Codes CloudFormation retries: the same request comes back and carries on where this one stopped. */
const RETRIED_BY_CLOUDFORMATION = new Set<HandlerCode>([
  'Throttling',
  'NetworkFailure',
  'ServiceInternalError',
]);

/**
 * A CREATE that fails for good gets no DELETE from CloudFormation, so whatever it wrote would stay. It
 * releases its own partial lock (the record names the request that made it) with the same gap-free
 * release as DELETE, then answers FAILED: the account is as it was, and a new attempt can start over.
 */
async function releaseFailedCreate(
  clients: AwsClients,
  desired: LockProperties,
  outcome: Outcome,
  log: Logger,
  requestToken: string | undefined,
): Promise<Outcome> {
  const listenerArn = typeof desired.ListenerArn === 'string' ? desired.ListenerArn : '';
  try {
    const record = requestToken && listenerArn ? await confirmedLockRecord(clients, listenerArn) : undefined;
    if (!record || record.owner !== requestToken) return outcome;
    log('releasing what this CREATE changed before answering FAILED');
    await converge(clients, listenerArn, undefined, log);
    return {
      ...outcome,
      message: `${outcome.message}; the partial lock on listener '${listenerArn}' was released`,
    };
  } catch (e) {
    const release = mapError(e);
    log(`release after the failed CREATE failed: ${formatFailure(release)}`);
    return {
      ...outcome,
      message: `${outcome.message}; releasing what this CREATE had changed failed too (${formatFailure(release)}); the listener's lock record (tags acme:origin-lock:record:*) still lists what to undo`,
    };
  }
}

export async function updateLock(
  clients: AwsClients,
  desired: LockProperties,
  previous: LockProperties | undefined,
  ctx: CallbackContext,
  log: Logger,
): Promise<Outcome> {
  try {
    const spec = parseSpec(desired);
    if (previous?.ListenerArn && previous.ListenerArn !== spec.ListenerArn) {
      throw new LockError('NotUpdatable', 'ListenerArn: cannot be changed; it identifies the lock');
    }
    checkRoleUnchanged(previous, desired);
    // The first observation is also the check that the lock exists (converge's requireRecord).
    return await drive(clients, spec.ListenerArn, spec, ctx, desired, log, { requireRecord: true });
  } catch (e) {
    return failed(e, log);
  }
}

export async function deleteLock(
  clients: AwsClients,
  current: LockProperties,
  ctx: CallbackContext,
  log: Logger,
): Promise<Outcome> {
  try {
    const listenerArn = String(current.ListenerArn ?? '');
    if (!listenerArn) throw new LockError('InvalidRequest', 'ListenerArn: is required');
    return await drive(clients, listenerArn, undefined, ctx, current, log, { requireRecord: true });
  } catch (e) {
    return failed(e, log);
  }
}

export async function readLock(clients: AwsClients, current: LockProperties, log: Logger): Promise<Outcome> {
  try {
    const listenerArn = String(current.ListenerArn ?? '');
    if (!listenerArn) throw new LockError('InvalidRequest', 'ListenerArn: is required');
    return { status: 'SUCCESS', model: await readModel(clients, listenerArn) };
  } catch (e) {
    const out = failed(e, log);
    // A listener that is gone, or one that is not an ALB listener, has no lock either.
    if (out.errorCode === 'InvalidRequest') out.errorCode = 'NotFound';
    return out;
  }
}

export async function listLocks(clients: AwsClients, log: Logger): Promise<Outcome> {
  try {
    const arns = await listLockArns(clients);
    return { status: 'SUCCESS', models: arns.map((ListenerArn) => ({ ListenerArn })) };
  } catch (e) {
    return failed(e, log);
  }
}
