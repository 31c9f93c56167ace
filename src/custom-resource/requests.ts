import { checkRoleUnchanged } from '../aws/distribution-role';
import { formatError, formatFailure } from '../aws/error-mapping';
import { LockProperties } from '../engine/converge';
import { LockError } from '../engine/errors';
import { isAlbListenerArn } from '../engine/rules/ids';
import { Answer, failedAnswer, fallbackId, notCreatedId, RequestIds } from './answers';
import { isProgress, isRequestType, OPERATIONS_FOR } from './progress';
import { toModel, toModelLenient } from './properties';
import { CustomResourceEvent, Operation, Progress } from './types';

/**
 * Which operation a request means, decided from the event alone: the properties to lock with, the
 * listener to work on, or an answer that needs no AWS call at all (a refused request, the Delete of
 * a Create that never locked anything).
 */

export type RequestPlan =
  | { kind: 'answer'; answer: Answer }
  | {
      kind: 'run';
      operation: Operation;
      model: LockProperties;
      previous?: LockProperties;
      ids: RequestIds;
      progress?: Progress;
    };

/** Throws (a LockError) only for a re-invocation whose progress record cannot be trusted. */
export function planRequest(event: CustomResourceEvent): RequestPlan {
  const progress = event.OriginLockProgress;
  if (progress !== undefined && !isProgress(progress)) {
    throw new LockError(
      'InternalFailure',
      'OriginLockProgress: the re-invocation carries an unreadable progress record',
    );
  }
  const requestType: unknown = event.RequestType;
  if (!isRequestType(requestType)) {
    const reason = formatFailure({
      code: 'InvalidRequest',
      message: `RequestType: '${String(requestType)}' is not Create, Update or Delete`,
    });
    return { kind: 'answer', answer: failedAnswer(fallbackId(event), reason) };
  }
  const oldId = event.PhysicalResourceId ?? '';

  let model: LockProperties;
  let previous: LockProperties | undefined;
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
        operation = isAlbListenerArn(oldId) && model.ListenerArn === oldId ? 'update' : 'replace';
        // The same listener keeps its lock, and with it the role its stamps were made through.
        if (operation === 'update') checkRoleUnchanged(previous, model);
      }
    }
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    const physicalId = requestType === 'Create' ? notCreatedId(event.RequestId) : oldId;
    return { kind: 'answer', answer: failedAnswer(physicalId, formatError(e)) };
  }

  if (progress) {
    if (!OPERATIONS_FOR[requestType].includes(progress.operation)) {
      throw new LockError(
        'InternalFailure',
        `OriginLockProgress: operation '${progress.operation}' does not fit ${requestType}`,
      );
    }
    operation = progress.operation;
  }
  if (operation === 'delete' && !isAlbListenerArn(oldId)) {
    // The Create failed before anything was locked (its physical id says so): nothing to release.
    return {
      kind: 'answer',
      answer: { status: 'SUCCESS', physicalId: oldId || notCreatedId(event.RequestId) },
    };
  }
  const ids: RequestIds = { requestId: event.RequestId, oldId, targetArn: String(model.ListenerArn ?? '') };
  return { kind: 'run', operation, model, previous, ids, progress };
}
