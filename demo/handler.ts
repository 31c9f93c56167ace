import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import { ProgressEvent, RequestOptions, testRequest } from '../bench/handler-request';
import { sleep } from '../bench/ports';

/**
 * Calls the real handler entrypoint (`testEntrypoint` of the built handlers module) in-process, as
 * `sam local invoke TestEntrypoint` would, and drives it through its callbacks like CloudFormation.
 */

export interface Invocation {
  event: ProgressEvent;
  /** What the handler itself logged (the lib's own bookkeeping lines left out). */
  log: string[];
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug';
const METHODS: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug'];

/**
 * The lib writes every request and its own progress to the console (Lambda's log). Keep that off the
 * demo's screen while the handler runs, and keep the lines to pick the handler's own from.
 */
async function withCapturedConsole<T>(run: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const saved = METHODS.map((m) => [m, console[m]] as const);
  for (const m of METHODS)
    console[m] = (...args: unknown[]) => void lines.push(`${m}\t${format(...args).trimEnd()}`);
  try {
    return { result: await run(), lines };
  } finally {
    for (const [m, fn] of saved) console[m] = fn;
  }
}

/** The handler's lines are those the lib logs between "invoking handler..." and "handler invoked". */
function handlerLines(lines: string[], action: string): string[] {
  const start = lines.indexOf(`log\t[${action}] invoking handler...`);
  const end = lines.indexOf(`log\t[${action}] handler invoked`);
  if (start < 0 || end < start) return [];
  return lines
    .slice(start + 1, end)
    .filter((l) => l.startsWith('log\t'))
    .map((l) => l.slice(4));
}

export async function invokeHandler(options: RequestOptions): Promise<Invocation> {
  // Loaded on first use so the environment (endpoint, quiet SDK warnings) is set before the SDKs load.
  const { testEntrypoint } = await import('../src/registry/handlers');
  const { result, lines } = await withCapturedConsole(() => testEntrypoint(testRequest(options), {}));
  // The lib returns its ProgressEvent object (models as classes); a Lambda caller sees the JSON.
  const event = JSON.parse(JSON.stringify(result)) as ProgressEvent;
  return { event, log: handlerLines(lines, options.action) };
}

export interface DriveOptions {
  /** Pause between callbacks instead of the callbackDelaySeconds CloudFormation would wait. */
  pauseMs: number;
  maxInvocations?: number;
  onInvocation(invocation: Invocation, count: number): Promise<void> | void;
}

/** Re-invokes with the returned callbackContext while the handler says IN_PROGRESS. */
export async function driveHandler(request: RequestOptions, options: DriveOptions): Promise<Invocation> {
  const bearerToken = randomUUID();
  let callbackContext: Record<string, unknown> | null = null;
  const max = options.maxInvocations ?? 20;
  for (let count = 1; count <= max; count++) {
    const invocation = await invokeHandler({ ...request, bearerToken, callbackContext });
    await options.onInvocation(invocation, count);
    if (invocation.event.status !== 'IN_PROGRESS') return invocation;
    callbackContext = invocation.event.callbackContext ?? null;
    await sleep(options.pauseMs);
  }
  throw new Error(`${request.action} still IN_PROGRESS after ${max} invocations`);
}
