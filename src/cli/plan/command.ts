import { AwsClients, createClients } from '../../aws/clients';
import { mapError } from '../../aws/error-mapping';
import { LockError } from '../../engine/errors';
import { parseListenerArn } from '../../engine/spec';
import { parsePlanCommandLine, PLAN_HELP } from './args';
import { previewLock } from './preview';
import { PlanReport, plannedReport, refusedReport, renderPlan } from './report';

/** `origin-lock plan`: the exit status says whether the lock would go ahead. */

export const PLAN_EXIT = { planned: 0, refused: 1, usage: 2, error: 3 } as const;

export interface PlanIo {
  /** Lines already redacted by the caller (main.ts). */
  out(line: string): void;
  clients?(region: string): AwsClients;
}

/**
 * A refusal is the engine's own answer about this lock (a LockError). A listener that is not there, an
 * AWS error or an internal failure means the plan could not be made, as for the audit.
 */
function isRefusal(e: unknown): e is LockError {
  if (!(e instanceof LockError) || e.code === 'InternalFailure') return false;
  return !(e.code === 'NotFound' && e.message.startsWith('ListenerArn:'));
}

export class PlanFailed extends Error {}

/** Runs a parsed command line; usage errors are thrown by parsePlanCommandLine before any AWS call. */
export async function runPlan(argv: string[], io: PlanIo): Promise<number> {
  const parsed = parsePlanCommandLine(argv);
  if (parsed.kind === 'help') {
    PLAN_HELP.trimEnd()
      .split('\n')
      .forEach((line) => io.out(line));
    return PLAN_EXIT.planned;
  }
  const { spec, json } = parsed;
  // The listener's own region (see regionFor in main.ts); CloudFront is global.
  const region = parseListenerArn(spec.ListenerArn).region;
  let report: PlanReport;
  try {
    const clients = io.clients ? io.clients(region) : createClients({ region });
    report = plannedReport(spec, await previewLock(clients, spec));
  } catch (e) {
    if (!isRefusal(e)) throw new PlanFailed(mapError(e).message);
    report = refusedReport(spec, e.code, mapError(e).message);
  }
  const lines = json ? JSON.stringify(report, null, 2).split('\n') : renderPlan(report);
  lines.forEach((line) => io.out(line));
  return report.outcome === 'refused' ? PLAN_EXIT.refused : PLAN_EXIT.planned;
}
