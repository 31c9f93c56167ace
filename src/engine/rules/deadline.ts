/**
 * Time budgets, defined once: an overall deadline (epoch ms, so it can travel in a callback context
 * or a re-invocation), and one wait loop for everything that polls or retries (the custom resource
 * waiting for CloudFront, rotation waiting for Deployed, a bounded retry). The clock is injectable so
 * tests run the loops on a fake one.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** The system clock with any part replaced (options objects take `now` and `sleep` separately). */
export const clockWith = (parts: Partial<Clock> = {}): Clock => ({
  now: parts.now ?? systemClock.now,
  sleep: parts.sleep ?? systemClock.sleep,
});

/** The epoch-ms deadline `budgetMs` after `startedAt`. */
export const deadlineAfter = (startedAt: number, budgetMs: number): number => startedAt + budgetMs;

export const isPast = (deadline: number, clock: Pick<Clock, 'now'> = systemClock): boolean =>
  clock.now() > deadline;

/** What one attempt of a wait loop says: finished (with a value), or try again after a pause. */
export type Attempt<T> = { kind: 'finished'; value: T } | { kind: 'retry'; afterMs: number };

export const finished = <T>(value: T): Attempt<T> => ({ kind: 'finished', value });
export const retryAfter = <T>(ms: number): Attempt<T> => ({ kind: 'retry', afterMs: Math.max(0, ms) });

export interface WaitOptions {
  clock?: Clock;
  /** Epoch ms: no attempt starts after it (checked before every pause and attempt, the first included). */
  deadline?: number;
  /**
   * Time this process may still use (a Lambda's getRemainingTimeInMillis). Before every attempt but
   * the first (which the caller chose to start), the pause plus `attemptMs` must fit in it.
   */
  remainingMs?: () => number;
  /** Time one attempt needs, plus whatever must stay free after it. Default 0. */
  attemptMs?: number;
  /** At most this many attempts (a bounded retry). Default: unbounded. */
  maxAttempts?: number;
  /** Epoch ms: the first attempt does not start before it (a wait carried over from elsewhere). */
  firstAttemptAt?: number;
}

export type WaitResult<T> =
  | { state: 'done'; value: T; attempts: number }
  /** The deadline passed before the next attempt. */
  | { state: 'expired'; attempts: number }
  /** `remainingMs` cannot hold the next pause and attempt: carry on elsewhere, from `nextAttemptAt`. */
  | { state: 'out-of-time'; attempts: number; nextAttemptAt: number }
  /** `maxAttempts` attempts asked to retry. */
  | { state: 'exhausted'; attempts: number; nextAttemptAt: number };

/**
 * Runs `attempt` until it is done, pausing as each attempt asks, within the deadline, the process's
 * remaining time and the attempt limit. An attempt that throws ends the loop with that error.
 */
export async function waitFor<T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  options: WaitOptions = {},
): Promise<WaitResult<T>> {
  const clock = options.clock ?? systemClock;
  const attemptMs = options.attemptMs ?? 0;
  let nextAttemptAt = options.firstAttemptAt ?? clock.now();
  for (let n = 1; ; n++) {
    const attempts = n - 1;
    const startAt = Math.max(clock.now(), nextAttemptAt);
    // A pause that would end past the deadline is not taken: the attempt after it could not start.
    if (options.deadline !== undefined && startAt > options.deadline) return { state: 'expired', attempts };
    const pauseMs = startAt - clock.now();
    if (n > 1 && options.remainingMs && options.remainingMs() < pauseMs + attemptMs) {
      return { state: 'out-of-time', attempts, nextAttemptAt };
    }
    if (pauseMs > 0) await clock.sleep(pauseMs);
    const result = await attempt(n);
    if (result.kind === 'finished') return { state: 'done', value: result.value, attempts: n };
    nextAttemptAt = clock.now() + result.afterMs;
    if (options.maxAttempts !== undefined && n >= options.maxAttempts) {
      return { state: 'exhausted', attempts: n, nextAttemptAt };
    }
  }
}

/**
 * Pauses before reading again when a read contradicts what AWS just said (ELB reads lag behind writes):
 * a lock record that should exist, a rule holding a priority CreateRule found in use.
 */
export const LAGGING_READ_PAUSES_MS = [300, 1000];

/**
 * `read` until it finds what AWS says exists, pausing LAGGING_READ_PAUSES_MS between attempts; undefined
 * when it is still absent after the last one.
 */
export async function readPastLag<T>(
  read: () => Promise<T | undefined>,
  clock: Clock = systemClock,
): Promise<T | undefined> {
  const result = await waitFor<T>(
    async (attempt) => {
      const value = await read();
      return value !== undefined ? finished(value) : retryAfter(LAGGING_READ_PAUSES_MS[attempt - 1] ?? 0);
    },
    { clock, maxAttempts: LAGGING_READ_PAUSES_MS.length + 1 },
  );
  return result.state === 'done' ? result.value : undefined;
}
