import { formatFailure } from '../aws/error-mapping';
import { LockModel, LockProperties } from '../engine/converge';
import { CallbackContext, Outcome } from '../engine/lifecycle';
import { redact } from '../engine/secret';
import { toData } from './properties';
import { CustomResourceEvent, CustomResourceResponse, Operation } from './types';

/**
 * The answers CloudFormation gets, as pure decisions: what a finished engine outcome answers, what a
 * failure answers (or whether a half-made replacement must be undone first), and the response body.
 */

export interface Answer {
  status: 'SUCCESS' | 'FAILED';
  physicalId: string;
  reason?: string;
  data?: Record<string, string>;
}

/** The physical id of a Create that left nothing behind: not a listener ARN, so Delete skips it. */
export const notCreatedId = (requestId: string): string => `origin-lock-not-created-${requestId}`;

/** The identifiers an answer may use. */
export interface RequestIds {
  requestId: string;
  /** The physical id CloudFormation sent (empty on Create). */
  oldId: string;
  /** The listener the operation works on. */
  targetArn: string;
}

/** The physical id to answer with when nothing better is known (a crash, a refused request). */
export const fallbackId = (event: CustomResourceEvent): string =>
  (event.RequestType === 'Create' ? '' : (event.PhysicalResourceId ?? '')) || notCreatedId(event.RequestId);

export const failedAnswer = (physicalId: string, reason: string): Answer => ({
  status: 'FAILED',
  physicalId,
  reason,
});

const undoneReason = (failureReason: string | undefined): string => failureReason ?? 'the replacement failed';

/** What a finished operation answers. */
export function successAnswer(
  operation: Operation,
  ids: RequestIds,
  model: LockModel | LockProperties | undefined,
  failureReason?: string,
): Answer {
  switch (operation) {
    case 'create':
    case 'replace':
      return { status: 'SUCCESS', physicalId: ids.targetArn, data: toData(model) };
    case 'update':
      return { status: 'SUCCESS', physicalId: ids.oldId, data: toData(model) };
    case 'delete':
      return { status: 'SUCCESS', physicalId: ids.oldId };
    case 'undo-replace':
      // The undo succeeded, but the Update it serves did not.
      return failedAnswer(
        ids.oldId,
        `${undoneReason(failureReason)}; the partial lock on listener '${ids.targetArn}' was released`,
      );
  }
}

/** Whether a failure answer depends on this request's own (partial) lock being on the target. */
export const failureNeedsOwnership = (operation: Operation): boolean =>
  operation === 'create' || operation === 'replace';

/** A replacement that failed after locking its new listener is undone before answering. */
export const shouldUndo = (operation: Operation, mine: boolean): boolean => operation === 'replace' && mine;

/**
 * What a failure of `operation` answers, given whether this request's own (partial) lock is on the
 * target listener (see failureNeedsOwnership).
 */
export function failureAnswer(
  operation: Operation,
  reason: string,
  ids: RequestIds,
  facts: { mine: boolean; failureReason?: string },
): Answer {
  switch (operation) {
    case 'create':
      // A partial lock of this request is released by the Delete CloudFormation sends on rollback.
      return failedAnswer(facts.mine ? ids.targetArn : notCreatedId(ids.requestId), reason);
    case 'replace': {
      const leftover = facts.mine
        ? `; a partial lock of this request remains on listener '${ids.targetArn}'`
        : '';
      return failedAnswer(ids.oldId, `${reason}${leftover}`);
    }
    case 'undo-replace':
      return failedAnswer(
        ids.oldId,
        `${undoneReason(facts.failureReason)}; releasing the partial lock on '${ids.targetArn}' failed too: ${reason}`,
      );
    default:
      return failedAnswer(ids.oldId, reason);
  }
}

/** What an engine outcome means for the request: wait and call again, answer, or handle a failure. */
export type OutcomeDecision =
  | { kind: 'wait'; delayMs: number; waitingFor?: string; ctx: CallbackContext }
  | { kind: 'answer'; answer: Answer }
  | { kind: 'failed'; reason: string };

export function decideOutcome(
  outcome: Outcome,
  operation: Operation,
  ids: RequestIds,
  options: { maxPollMs?: number; waitingFor?: string; failureReason?: string },
): OutcomeDecision {
  switch (outcome.status) {
    case 'IN_PROGRESS': {
      const delayMs = (outcome.callbackDelaySeconds ?? 0) * 1000;
      return {
        kind: 'wait',
        delayMs: Math.min(delayMs, options.maxPollMs ?? delayMs),
        waitingFor: outcome.message || options.waitingFor,
        ctx: { ...(outcome.callbackContext ?? {}) },
      };
    }
    case 'SUCCESS':
      return {
        kind: 'answer',
        answer: successAnswer(operation, ids, outcome.model, options.failureReason),
      };
    case 'FAILED':
      return {
        kind: 'failed',
        reason: formatFailure({
          code: outcome.errorCode ?? 'InternalFailure',
          message: outcome.message ?? 'the lock engine failed',
        }),
      };
  }
}

/** The response body fields; a FAILED reason names the log stream to look in. Always redacted. */
export function responseOf(
  event: CustomResourceEvent,
  answer: Answer,
  logStreamName: string | undefined,
): CustomResourceResponse {
  const response: CustomResourceResponse = {
    Status: answer.status,
    PhysicalResourceId: answer.physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
  };
  if (answer.reason) {
    const where = logStreamName ? ` (log stream ${logStreamName})` : '';
    response.Reason = redact(`${answer.reason}${answer.status === 'FAILED' ? where : ''}`);
  }
  if (answer.data) response.Data = answer.data;
  return response;
}
