import { emptyRecord, LockRecord, markerIds, sameRecord } from '../record';
import { LockSpec, parseListenerArn } from '../spec';
import { PlanContext } from './context';
import { Step } from './steps';

/** The lock record before this run's changes: as recorded, or new, carrying the desired spec. */
export function startRecord(ctx: PlanContext, owner?: string): LockRecord {
  const { spec, observed } = ctx;
  const record = JSON.parse(JSON.stringify(observed.record ?? emptyRecord(spec as LockSpec))) as LockRecord;
  if (!spec) return record;
  const { ListenerArn: _ignored, ...desired } = spec;
  return {
    ...record,
    spec: desired,
    // Until the rules and the default action have switched, they may carry the recorded name and deny.
    headerNames: [...ctx.lockHeaderNames],
    denies: [...ctx.lockDenies],
    // Only a new lock takes the request token: a retried CREATE continues it, another one fails.
    ...(owner && !observed.record ? { owner } : {}),
  };
}

function markerHas(ctx: PlanContext): boolean {
  const id = parseListenerArn(ctx.observed.listener.arn).listenerId;
  return markerIds(ctx.observed.loadBalancer.tags).includes(id);
}

/** The undo log goes to AWS before any change it describes (write-ahead), unless AWS already holds it. */
export function writeUndoLog(ctx: PlanContext, undoLog: LockRecord): Step[] {
  if (!ctx.spec) return [];
  const marked = markerHas(ctx);
  if (sameRecord(undoLog, ctx.observed.record) && marked) return [];
  return [{ kind: 'write-record', record: undoLog, marker: marked ? 'keep' : 'add' }];
}

/** After the releases the record drops what they undid; releasing the whole lock deletes it. */
export function writeRecordAfterRelease(ctx: PlanContext, undoLog: LockRecord, after: LockRecord): Step[] {
  if (!ctx.spec) return [{ kind: 'delete-record' }];
  if (sameRecord(after, undoLog)) return [];
  return [{ kind: 'write-record', record: after, marker: 'keep' }];
}
