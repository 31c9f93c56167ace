import { CallbackContext } from '../engine/lifecycle';
import { Operation, Progress, RequestType } from './types';

/**
 * What a request carries from one invocation to the next (types.ts: Progress), and the pure checks
 * and constructors around it.
 */

/** The operations a request of each type may be running (Update may turn into a replacement). */
export const OPERATIONS_FOR: Record<RequestType, Operation[]> = {
  Create: ['create'],
  Update: ['update', 'replace', 'undo-replace'],
  Delete: ['delete'],
};

export const isRequestType = (value: unknown): value is RequestType =>
  typeof value === 'string' && Object.hasOwn(OPERATIONS_FOR, value);

export function isProgress(value: unknown): value is Progress {
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

/** Where this invocation stands in the request's overall time: carried over, or starting now. */
export interface Timing {
  invocation: number;
  firstInvokedAt: number;
  /** Epoch ms: past it the request answers FAILED. */
  deadline: number;
  /** Epoch ms: the next engine call must not start before it. */
  resumeAt: number;
}

export function timingOf(progress: Progress | undefined, now: number, overallMs: number): Timing {
  const firstInvokedAt = progress?.firstInvokedAt ?? now;
  return {
    invocation: progress?.invocation ?? 1,
    firstInvokedAt,
    deadline: progress?.deadline ?? firstInvokedAt + overallMs,
    resumeAt: progress?.resumeAt ?? 0,
  };
}

/** The state of the running operation that a re-invocation must pick up. */
export interface RunState {
  operation: Operation;
  ctx: CallbackContext;
  /** The last IN_PROGRESS message: what the lock is waiting for. */
  waitingFor?: string;
  /** undo-replace: the failure to report once the half-made replacement is released. */
  failureReason?: string;
}

export const runStateOf = (operation: Operation, progress: Progress | undefined): RunState => ({
  operation,
  ctx: { ...(progress?.callbackContext ?? {}) },
  waitingFor: progress?.waitingFor,
  failureReason: progress?.failureReason,
});

/** The progress the next invocation starts from. */
export const nextProgress = (state: RunState, timing: Timing, resumeAt: number): Progress => ({
  v: 1,
  operation: state.operation,
  callbackContext: { ...state.ctx },
  firstInvokedAt: timing.firstInvokedAt,
  deadline: timing.deadline,
  resumeAt,
  invocation: timing.invocation + 1,
  ...(state.waitingFor ? { waitingFor: state.waitingFor } : {}),
  ...(state.failureReason ? { failureReason: state.failureReason } : {}),
});

/**
 * Every invocation must hold the pause before its first engine call, the call itself and the answer;
 * a function whose timeout cannot is refused at once, since a re-invocation would fare no better.
 */
export function timeoutTooShort(leftMs: number, neededMs: number): string | undefined {
  if (leftMs >= neededMs) return undefined;
  return (
    `the function's Lambda timeout is too short: each invocation needs at least ` +
    `${Math.ceil(neededMs / 1000)} s, this one had ${Math.floor(leftMs / 1000)} s`
  );
}
