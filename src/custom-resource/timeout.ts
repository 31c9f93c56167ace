/** Bounds a call that cannot be cancelled: the Lambda must still answer before its own timeout. */

export const TIMED_OUT = Symbol('timed out');

/** `work`'s result, or TIMED_OUT once `ms` has passed (the work itself carries on, unobserved). */
export function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
