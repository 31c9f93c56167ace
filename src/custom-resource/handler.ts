import { AwsClients, keptClients } from '../aws/clients';
import { formatError, formatFailure, mapError } from '../aws/error-mapping';
import { HandlerCode, LockError } from '../engine/errors';
import { Attempt, Clock, clockWith, finished, retryAfter, waitFor } from '../engine/rules/deadline';
import { redact } from '../engine/secret';
import {
  Answer,
  decideOutcome,
  failedAnswer,
  failureAnswer,
  failureNeedsOwnership,
  fallbackId,
  responseOf,
  shouldUndo,
} from './answers';
import { nextProgress, RunState, runStateOf, Timing, timingOf, timeoutTooShort } from './progress';
import { engineStep, nothingToRelease, ownsLock, RunPlan } from './engine-calls';
import { planRequest } from './requests';
import { putResponse, responseBody, Sender } from './respond';
import { TIMED_OUT, within } from './timeout';
import { CustomResourceEvent, LambdaContext } from './types';

export { notCreatedId } from './answers';

/**
 * Custom::OriginLock: CloudFormation custom-resource requests driven through the same lifecycle
 * functions as the registered type (src/engine/lifecycle.ts). Whatever happens, CloudFormation gets an
 * answer at the ResponseURL before this invocation ends: SUCCESS, FAILED with a reason, or (while a
 * CloudFront distribution propagates) nothing yet because a re-invocation of this function carries
 * the request on, until an overall deadline.
 *
 * The decisions are pure and live beside this file: requests.ts (which operation a request means),
 * answers.ts (what an outcome or a failure answers), progress.ts (what carries over to the next
 * invocation); the engine calls run in the shared wait loop (src/engine/rules/deadline.ts).
 */

export interface HandlerOptions {
  /** SDK clients for the lock engine. Default: keptClients from the Lambda's own credentials. */
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

interface Settings {
  clock: Clock;
  send: Sender;
  log: (line: string) => void;
  makeClients: (region: string) => AwsClients;
  reinvoke?: HandlerOptions['reinvoke'];
  overallMs: number;
  engineCallMs: number;
  reserveMs: number;
  maxPollMs?: number;
  putBackoffMs?: number;
}

function settingsOf(options: HandlerOptions): Settings {
  const rawLog = options.log ?? ((line: string) => console.log(line));
  return {
    clock: clockWith({ now: options.now, sleep: options.sleep }),
    send: options.send ?? putResponse,
    log: (line) => rawLog(redact(`[origin-lock] ${line}`)),
    makeClients: options.clients ?? ((region: string) => keptClients({ region })),
    reinvoke: options.reinvoke,
    overallMs: options.overallMs ?? DEFAULT_OVERALL_MS,
    engineCallMs: options.engineCallMs ?? DEFAULT_ENGINE_CALL_MS,
    reserveMs: options.responseReserveMs ?? DEFAULT_RESPONSE_RESERVE_MS,
    maxPollMs: options.maxPollMs,
    putBackoffMs: options.putBackoffMs,
  };
}

type Reply = (answer: Answer) => Promise<void>;

export function createHandler(options: HandlerOptions = {}): CustomResourceHandler {
  const settings = settingsOf(options);
  return async function handler(event, context) {
    if (!event || typeof event.ResponseURL !== 'string' || typeof event.RequestId !== 'string') {
      // Without a ResponseURL there is nobody to answer; throwing would only make Lambda retry.
      settings.log('ignored an event that is not a CloudFormation custom-resource request');
      return;
    }
    const reply = replyOnce(event, context, settings);
    try {
      await handle(event, context, reply, settings);
    } catch (e) {
      // A crash anywhere (a bug, an SDK that cannot even be built) still gets an answer.
      const reason = formatError(e);
      settings.log(`${event.RequestType} ${event.LogicalResourceId} crashed: ${reason}`);
      await reply(failedAnswer(fallbackId(event), reason));
    }
  };
}

/** Answers CloudFormation at most once; a failed delivery is logged (nobody else could be told). */
function replyOnce(event: CustomResourceEvent, context: LambdaContext, s: Settings): Reply {
  let answered = false;
  return async (answer) => {
    if (answered) return;
    answered = true;
    s.log(
      `${event.RequestType} ${event.LogicalResourceId}: answering ${answer.status} for ${answer.physicalId}`,
    );
    try {
      await s.send(event.ResponseURL, responseBody(responseOf(event, answer, context.logStreamName)), {
        deadline: s.clock.now() + Math.max(1000, context.getRemainingTimeInMillis() - 500),
        backoffMs: s.putBackoffMs,
        log: s.log,
        sleep: s.clock.sleep,
        now: s.clock.now,
      });
    } catch (e) {
      s.log(`could not answer CloudFormation: ${formatError(e)}`);
    }
  };
}

const regionOf = (arn: string | undefined): string | undefined => arn?.split(':')[3] || undefined;

const reasonOf = (code: HandlerCode, message: string): string => formatFailure({ code, message });

/** Everything one invocation's run of an operation works with. */
interface Run {
  event: CustomResourceEvent;
  context: LambdaContext;
  s: Settings;
  plan: RunPlan;
  clients: AwsClients;
  state: RunState;
  timing: Timing;
}

const leftMs = (run: Run): number => run.context.getRemainingTimeInMillis();

/** Time an engine call needs after a pause of `pauseMs`, keeping the answer's reserve free. */
const neededMs = (s: Settings, pauseMs: number): number => s.reserveMs + s.engineCallMs + pauseMs;

/** Whether this request's own lock is on the target, when the answer to a failure depends on it. */
const isMine = async (run: Run): Promise<boolean> =>
  failureNeedsOwnership(run.state.operation) &&
  (await ownsLock(run.clients, run.plan.ids, Math.min(5000, Math.max(0, leftMs(run) - run.s.reserveMs))));

/** The answer to a failure of the current operation. */
const failure = async (run: Run, reason: string, mine?: boolean): Promise<Answer> =>
  failureAnswer(run.state.operation, reason, run.plan.ids, {
    mine: mine ?? (await isMine(run)),
    failureReason: run.state.failureReason,
  });

/** One engine call and what it means: answer now, or call again after a pause. */
async function attempt(run: Run): Promise<Attempt<Answer>> {
  const { state, s, plan } = run;
  const outcome = await within(engineStep(run.clients, plan, state, s.log), leftMs(run) - s.reserveMs);
  if (outcome === TIMED_OUT) {
    const message =
      `the ${state.operation} step was still running ${Math.round(s.reserveMs / 1000)} s before ` +
      `the Lambda timeout; raise the function's Timeout`;
    return finished(await failure(run, reasonOf('InternalFailure', message)));
  }
  const decision = decideOutcome(outcome, state.operation, plan.ids, {
    maxPollMs: s.maxPollMs,
    waitingFor: state.waitingFor,
    failureReason: state.failureReason,
  });
  switch (decision.kind) {
    case 'wait':
      state.ctx = decision.ctx;
      state.waitingFor = decision.waitingFor;
      s.log(`in progress: ${state.waitingFor ?? 'working'}`);
      return retryAfter(decision.delayMs);
    case 'answer':
      return finished(decision.answer);
    case 'failed': {
      const mine = await isMine(run);
      if (!shouldUndo(state.operation, mine)) return finished(await failure(run, decision.reason, mine));
      // Release the half-made replacement before answering, so the old lock stays the only one.
      s.log(`replacement failed (${decision.reason}); releasing the partial lock on ${plan.ids.targetArn}`);
      run.state = { operation: 'undo-replace', ctx: {}, failureReason: decision.reason };
      return retryAfter(0);
    }
  }
}

async function handle(
  event: CustomResourceEvent,
  context: LambdaContext,
  reply: Reply,
  s: Settings,
): Promise<void> {
  const plan = planRequest(event);
  if (plan.kind === 'answer') return reply(plan.answer);
  const timing = timingOf(plan.progress, s.clock.now(), s.overallMs);
  const left = () => context.getRemainingTimeInMillis();
  s.log(
    `${event.RequestType} ${event.LogicalResourceId} (request ${event.RequestId}, invocation ${timing.invocation}, ` +
      `${Math.round(left() / 1000)} s left)`,
  );

  const region = process.env.AWS_REGION || regionOf(event.StackId) || 'us-east-1';
  const clients = s.makeClients(region);
  if (plan.operation === 'delete' && !plan.progress) {
    const nothing = await nothingToRelease(clients, plan.ids.oldId);
    if (nothing) {
      s.log(`nothing to release: ${nothing}`);
      return reply({ status: 'SUCCESS', physicalId: plan.ids.oldId });
    }
  }

  const run: Run = {
    event,
    context,
    s,
    plan,
    clients,
    state: runStateOf(plan.operation, plan.progress),
    timing,
  };
  const tooShort = timeoutTooShort(left(), neededMs(s, Math.max(0, timing.resumeAt - s.clock.now())));
  if (tooShort) return reply(await failure(run, reasonOf('InvalidRequest', tooShort)));

  const result = await waitFor(() => attempt(run), {
    clock: s.clock,
    deadline: timing.deadline,
    remainingMs: left,
    attemptMs: neededMs(s, 0),
    firstAttemptAt: timing.resumeAt,
  });
  switch (result.state) {
    case 'done':
      return reply(result.value);
    case 'expired': {
      const what = run.state.waitingFor ? `; still ${run.state.waitingFor}` : '';
      const minutes = Math.round(s.overallMs / 60000);
      return reply(await failure(run, reasonOf('NotStabilized', `gave up after ${minutes} minutes${what}`)));
    }
    default:
      // Not enough time here for the pause plus one engine call: carry on in a fresh invocation.
      return continueElsewhere(run, reply, result.nextAttemptAt);
  }
}

async function continueElsewhere(run: Run, reply: Reply, resumeAt: number): Promise<void> {
  const { s, state } = run;
  if (!s.reinvoke) {
    throw new LockError('InternalFailure', 'no way to re-invoke the function to continue waiting');
  }
  const progress = nextProgress(state, run.timing, resumeAt);
  try {
    await s.reinvoke({ ...run.event, OriginLockProgress: progress }, run.context);
  } catch (e) {
    const message = `could not continue in a new invocation: ${mapError(e).message}`;
    return reply(await failure(run, reasonOf('InternalFailure', message)));
  }
  s.log(`continuing in invocation ${progress.invocation}${state.waitingFor ? ` (${state.waitingFor})` : ''}`);
}
