import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients, createClients } from '../aws/clients';
import { CallbackContext, createLock, deleteLock, Outcome, updateLock } from '../engine/lifecycle';
import { lockRecord, LockModel } from '../engine/converge';
import { LockError } from '../engine/errors';
import { redact } from '../engine/secret';
import { InputError, isListenerArn, toData, toModel, toModelLenient } from './properties';
import { putResponse, responseBody, Sender } from './respond';
import {
  CustomResourceEvent,
  CustomResourceResponse,
  LambdaContext,
  Operation,
  Progress,
  RequestType,
} from './types';

/**
 * Custom::OriginLock: CloudFormation custom-resource requests driven through the same lifecycle
 * functions as the registered type (src/engine/lifecycle.ts). Whatever happens, CloudFormation gets an
 * answer at the ResponseURL before this invocation ends: SUCCESS, FAILED with a reason, or (while a
 * CloudFront distribution propagates) nothing yet because a re-invocation of this function carries
 * the request on, until an overall deadline.
 */

export interface HandlerOptions {
  /** SDK clients for the lock engine. Default: createClients from the Lambda's own credentials. */
  clients?: (region: string) => AwsClients;
  /** Starts this function again, asynchronously, with `event`. Default: none (see index.ts). */
  reinvoke?: (event: CustomResourceEvent, context: LambdaContext) => Promise<void>;
  /** Delivers the answer. Default: putResponse (HTTP PUT, retried). */
  send?: Sender;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  log?: (line: string) => void;
  /** How long after the first request to give up and answer FAILED. Default 50 minutes. */
  overallMs?: number;
  /** Time one engine call may take; none starts with less left. Default 60 s (the type's limit). */
  engineCallMs?: number;
  /** Time kept back for answering CloudFormation. Default 15 s. */
  responseReserveMs?: number;
  /** Upper bound for the pause between two engine calls while CloudFront propagates. */
  maxPollMs?: number;
  /** First back-off delay of the response PUT. Default 1 s. */
  putBackoffMs?: number;
}

export type CustomResourceHandler = (event: CustomResourceEvent, context: LambdaContext) => Promise<void>;

export const DEFAULT_OVERALL_MS = 50 * 60 * 1000;
export const DEFAULT_ENGINE_CALL_MS = 60 * 1000;
export const DEFAULT_RESPONSE_RESERVE_MS = 15 * 1000;

const TIMED_OUT = Symbol('timed out');

function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

const regionOf = (arn: string | undefined): string | undefined => arn?.split(':')[3] || undefined;

/** The physical id of a Create that left nothing behind: not a listener ARN, so Delete skips it. */
export const notCreatedId = (requestId: string): string => `origin-lock-not-created-${requestId}`;

function isProgress(value: unknown): value is Progress {
  const p = value as Progress | undefined;
  return (
    typeof p === 'object' &&
    p !== null &&
    p.v === 1 &&
    typeof p.operation === 'string' &&
    typeof p.deadline === 'number' &&
    typeof p.firstInvokedAt === 'number' &&
    typeof p.resumeAt === 'number' &&
    typeof p.invocation === 'number' &&
    typeof p.callbackContext === 'object' &&
    p.callbackContext !== null
  );
}

const OPERATIONS_FOR: Record<RequestType, Operation[]> = {
  Create: ['create'],
  Update: ['update', 'replace', 'undo-replace'],
  Delete: ['delete'],
};

interface Answer {
  status: 'SUCCESS' | 'FAILED';
  physicalId: string;
  reason?: string;
  data?: Record<string, string>;
}

export function createHandler(options: HandlerOptions = {}): CustomResourceHandler {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const send = options.send ?? putResponse;
  const rawLog = options.log ?? ((line: string) => console.log(line));
  const log = (line: string) => rawLog(redact(`[origin-lock] ${line}`));
  const makeClients = options.clients ?? ((region: string) => createClients({ region }));
  const overallMs = options.overallMs ?? DEFAULT_OVERALL_MS;
  const engineCallMs = options.engineCallMs ?? DEFAULT_ENGINE_CALL_MS;
  const reserveMs = options.responseReserveMs ?? DEFAULT_RESPONSE_RESERVE_MS;

  return async function handler(event, context) {
    if (!event || typeof event.ResponseURL !== 'string' || typeof event.RequestId !== 'string') {
      // Without a ResponseURL there is nobody to answer; throwing would only make Lambda retry.
      log('ignored an event that is not a CloudFormation custom-resource request');
      return;
    }
    const left = () => context.getRemainingTimeInMillis();
    let answered = false;

    const answer = async (a: Answer): Promise<void> => {
      if (answered) return;
      answered = true;
      const response: CustomResourceResponse = {
        Status: a.status,
        PhysicalResourceId: a.physicalId,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
        NoEcho: false,
      };
      if (a.reason) {
        const where = context.logStreamName ? ` (log stream ${context.logStreamName})` : '';
        response.Reason = redact(`${a.reason}${a.status === 'FAILED' ? where : ''}`);
      }
      if (a.data) response.Data = a.data;
      log(`${event.RequestType} ${event.LogicalResourceId}: answering ${a.status} for ${a.physicalId}`);
      try {
        await send(event.ResponseURL, responseBody(response), {
          deadline: now() + Math.max(1000, left() - 500),
          backoffMs: options.putBackoffMs,
          log,
          sleep,
          now,
        });
      } catch (e) {
        log(`could not answer CloudFormation: ${describe(e)}`);
      }
    };

    try {
      await run(event, context, answer);
    } catch (e) {
      // A crash anywhere (a bug, an SDK that cannot even be built) still gets an answer.
      log(`${event.RequestType} ${event.LogicalResourceId} crashed: ${describe(e)}`);
      const fallback =
        event.RequestType === 'Create' ? notCreatedId(event.RequestId) : (event.PhysicalResourceId ?? '');
      await answer({
        status: 'FAILED',
        physicalId: fallback || notCreatedId(event.RequestId),
        reason: `InternalFailure: ${describe(e)}`,
      });
    }
  };

  async function run(
    event: CustomResourceEvent,
    context: LambdaContext,
    answer: (a: Answer) => Promise<void>,
  ): Promise<void> {
    const left = () => context.getRemainingTimeInMillis();
    const progress = event.OriginLockProgress;
    if (progress !== undefined && !isProgress(progress)) {
      throw new Error('OriginLockProgress: the re-invocation carries an unreadable progress record');
    }
    const invocation = progress?.invocation ?? 1;
    const firstInvokedAt = progress?.firstInvokedAt ?? now();
    const deadline = progress?.deadline ?? firstInvokedAt + overallMs;
    const oldId = event.PhysicalResourceId ?? '';
    const requestType = event.RequestType;
    if (!(requestType in OPERATIONS_FOR)) {
      await answer({
        status: 'FAILED',
        physicalId: oldId || notCreatedId(event.RequestId),
        reason: `InvalidRequest: RequestType '${String(requestType)}' is not Create, Update or Delete`,
      });
      return;
    }
    log(
      `${requestType} ${event.LogicalResourceId} (request ${event.RequestId}, invocation ${invocation}, ` +
        `${Math.round(left() / 1000)} s left)`,
    );

    // What to do and on which listener.
    let model: LockModel;
    let previous: LockModel | undefined;
    let operation: Operation;
    try {
      if (requestType === 'Delete') {
        model = { ...toModelLenient(event.ResourceProperties), ListenerArn: oldId };
        operation = 'delete';
      } else {
        model = toModel(event.ResourceProperties);
        if (requestType === 'Create') operation = 'create';
        else {
          previous = toModelLenient(event.OldResourceProperties);
          // A new ListenerArn is a new lock: create it; CloudFormation then deletes the old one.
          operation = isListenerArn(oldId) && model.ListenerArn === oldId ? 'update' : 'replace';
        }
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      await answer({
        status: 'FAILED',
        physicalId: requestType === 'Create' ? notCreatedId(event.RequestId) : oldId,
        reason: `InvalidRequest: ${e.message}`,
      });
      return;
    }
    if (progress) {
      if (!OPERATIONS_FOR[requestType].includes(progress.operation)) {
        throw new Error(`OriginLockProgress: operation '${progress.operation}' does not fit ${requestType}`);
      }
      operation = progress.operation;
    }

    const targetArn = String(model.ListenerArn ?? '');
    if (operation === 'delete' && !isListenerArn(oldId)) {
      // The Create failed before anything was locked (its physical id says so): nothing to release.
      await answer({ status: 'SUCCESS', physicalId: oldId || notCreatedId(event.RequestId) });
      return;
    }

    const region = process.env.AWS_REGION || regionOf(event.StackId) || 'us-east-1';
    const clients = makeClients(region);

    /** True when this request's own (possibly partial) lock is on `listenerArn`. */
    const ownsLock = async (listenerArn: string, timeoutMs: number): Promise<boolean> => {
      if (!isListenerArn(listenerArn)) return false;
      try {
        const record = await within(lockRecord(clients, listenerArn), timeoutMs);
        return record !== TIMED_OUT && record?.owner === event.RequestId;
      } catch {
        return false;
      }
    };

    if (operation === 'delete' && !progress) {
      // No lock (or no listener) any more: it was never made, or is gone already.
      try {
        if (!(await lockRecord(clients, oldId))) {
          log(`listener ${oldId} has no lock: nothing to release`);
          await answer({ status: 'SUCCESS', physicalId: oldId });
          return;
        }
      } catch (e) {
        if (e instanceof LockError && e.code === 'NotFound') {
          log(`nothing to release: ${e.message}`);
          await answer({ status: 'SUCCESS', physicalId: oldId });
          return;
        }
        throw e;
      }
    }

    let ctx: CallbackContext = { ...(progress?.callbackContext ?? {}) };
    let resumeAt = progress?.resumeAt ?? 0;
    let waitingFor = progress?.waitingFor;
    let failureReason = progress?.failureReason;

    const step = (): Promise<Outcome> => {
      switch (operation) {
        case 'create':
        case 'replace':
          return createLock(clients, model, ctx, log, event.RequestId);
        case 'update':
          return updateLock(clients, model, previous, ctx, log);
        case 'delete':
          return deleteLock(clients, model, ctx, log);
        case 'undo-replace':
          return deleteLock(clients, { ListenerArn: targetArn }, ctx, log);
      }
    };

    /** Answers a failure of the current operation; may switch to undoing a half-made replacement. */
    const fail = async (reason: string, allowUndo: boolean): Promise<'answered' | 'undo'> => {
      const timeForCheck = Math.min(5000, Math.max(0, left() - reserveMs));
      switch (operation) {
        case 'create': {
          // A partial lock of this request is released by the Delete CloudFormation sends on rollback.
          const mine = await ownsLock(targetArn, timeForCheck);
          await answer({
            status: 'FAILED',
            physicalId: mine ? targetArn : notCreatedId(event.RequestId),
            reason,
          });
          return 'answered';
        }
        case 'replace': {
          const mine = await ownsLock(targetArn, timeForCheck);
          if (mine && allowUndo) return 'undo';
          const leftover = mine ? `; a partial lock of this request remains on listener '${targetArn}'` : '';
          await answer({ status: 'FAILED', physicalId: oldId, reason: `${reason}${leftover}` });
          return 'answered';
        }
        case 'undo-replace':
          await answer({
            status: 'FAILED',
            physicalId: oldId,
            reason: `${failureReason ?? 'the replacement failed'}; releasing the partial lock on '${targetArn}' failed too: ${reason}`,
          });
          return 'answered';
        default:
          await answer({ status: 'FAILED', physicalId: oldId, reason });
          return 'answered';
      }
    };

    const minutes = Math.round(overallMs / 60000);
    const needed = (waitMs: number) => reserveMs + engineCallMs + waitMs;
    if (left() < needed(Math.max(0, resumeAt - now()))) {
      await fail(
        `InvalidRequest: the function's Lambda timeout is too short: each invocation needs at least ` +
          `${Math.ceil(needed(Math.max(0, resumeAt - now())) / 1000)} s, this one had ${Math.floor(left() / 1000)} s`,
        false,
      );
      return;
    }

    for (;;) {
      if (now() > deadline) {
        const what = waitingFor ? `; still ${waitingFor}` : '';
        await fail(`NotStabilized: gave up after ${minutes} minutes${what}`, false);
        return;
      }
      const waitMs = Math.max(0, resumeAt - now());
      if (left() < needed(waitMs)) {
        // Not enough time here for the pause plus one engine call: carry on in a fresh invocation.
        const next: Progress = {
          v: 1,
          operation,
          callbackContext: { ...ctx },
          firstInvokedAt,
          deadline,
          resumeAt,
          invocation: invocation + 1,
          ...(waitingFor ? { waitingFor } : {}),
          ...(failureReason ? { failureReason } : {}),
        };
        if (!options.reinvoke) throw new Error('no way to re-invoke the function to continue waiting');
        try {
          await options.reinvoke({ ...event, OriginLockProgress: next }, context);
        } catch (e) {
          await fail(`InternalFailure: could not continue in a new invocation: ${describe(e)}`, false);
          return;
        }
        log(`continuing in invocation ${invocation + 1}${waitingFor ? ` (${waitingFor})` : ''}`);
        return;
      }
      if (waitMs > 0) await sleep(waitMs);

      const outcome = await within(step(), left() - reserveMs);
      if (outcome === TIMED_OUT) {
        await fail(
          `InternalFailure: the ${operation} step was still running ${Math.round(reserveMs / 1000)} s before ` +
            `the Lambda timeout; raise the function's Timeout`,
          false,
        );
        return;
      }
      if (outcome.status === OperationStatus.InProgress) {
        ctx = { ...(outcome.callbackContext ?? {}) };
        waitingFor = outcome.message || waitingFor;
        const delayMs = (outcome.callbackDelaySeconds ?? 0) * 1000;
        resumeAt = now() + Math.min(delayMs, options.maxPollMs ?? delayMs);
        log(`in progress: ${waitingFor ?? 'working'}`);
        continue;
      }
      if (outcome.status === OperationStatus.Success) {
        switch (operation) {
          case 'create':
          case 'replace':
            await answer({ status: 'SUCCESS', physicalId: targetArn, data: toData(outcome.model) });
            return;
          case 'update':
            await answer({ status: 'SUCCESS', physicalId: oldId, data: toData(outcome.model) });
            return;
          case 'delete':
            await answer({ status: 'SUCCESS', physicalId: oldId });
            return;
          case 'undo-replace':
            await answer({
              status: 'FAILED',
              physicalId: oldId,
              reason: `${failureReason ?? 'the replacement failed'}; the partial lock on listener '${targetArn}' was released`,
            });
            return;
        }
      }
      const reason = `${outcome.errorCode ?? 'InternalFailure'}: ${outcome.message ?? 'the lock engine failed'}`;
      if ((await fail(reason, true)) === 'answered') return;
      // Release the half-made replacement before answering, so the old lock stays the only one.
      log(`replacement failed (${reason}); releasing the partial lock on ${targetArn}`);
      operation = 'undo-replace';
      failureReason = reason;
      ctx = {};
      resumeAt = 0;
      waitingFor = undefined;
    }
  }
}
