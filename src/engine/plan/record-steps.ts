import {
  emptyRecord,
  LockRecord,
  markerIds,
  RECORD_VERSION,
  RecordedRules,
  ruleIdOf,
  sameRecord,
} from '../record';
import { Observed } from '../observed';
import { LockSpec, parseListenerArn } from '../spec';
import { PlanContext } from './context';
import { catchAllOf } from './controls/listener-rules';
import { Step } from './steps';

/** The lock record before this run's changes: as recorded, or new, carrying the desired spec. */
export function startRecord(ctx: PlanContext, owner?: string): LockRecord {
  const { spec, observed } = ctx;
  const record = JSON.parse(JSON.stringify(observed.record ?? emptyRecord(spec as LockSpec))) as LockRecord;
  if (!spec) return record;
  const { ListenerArn: _ignored, ...desired } = spec;
  const lists = observed.prefixLists;
  return {
    ...record,
    v: RECORD_VERSION,
    spec: desired,
    // The rules the lock holds now; the controls' changes add and drop guards from here.
    rules: rulesOf(observed),
    ...(lists.v4 ? { cloudFrontLists: { v4: lists.v4.id, ...(lists.v6 ? { v6: lists.v6.id } : {}) } } : {}),
    // Until the rules and the default action have switched, they may carry the recorded name and deny.
    headerNames: [...ctx.lockHeaderNames],
    denies: [...ctx.lockDenies],
    // Only a new lock takes the request token: a retried CREATE continues it, another one fails.
    ...(owner && !observed.record ? { owner } : {}),
  };
}

/** The lock's rules as observed (roles from the record, or the catch-all's tag), by rule id. */
function rulesOf(observed: Observed): RecordedRules {
  const catchAll = catchAllOf(observed);
  return {
    ...(catchAll ? { catchAll: ruleIdOf(catchAll.arn) } : {}),
    guards: observed.rules.filter((r) => r.role === 'guard').map((r) => ruleIdOf(r.arn)),
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
  // A version 1 record marked guarded rules with tags: once version 2 names them, the tags can go.
  const legacyTags: Step[] =
    ctx.observed.record?.v === 1
      ? ctx.observed.rules
          .filter((r) => r.roleTag === 'guard')
          .map((r) => ({ kind: 'untag-rule', ruleArn: r.arn }))
      : [];
  return [{ kind: 'write-record', record: undoLog, marker: marked ? 'keep' : 'add' }, ...legacyTags];
}

/** After the releases the record drops what they undid; releasing the whole lock deletes it. */
export function writeRecordAfterRelease(ctx: PlanContext, undoLog: LockRecord, after: LockRecord): Step[] {
  if (!ctx.spec) return [{ kind: 'delete-record' }];
  if (sameRecord(after, undoLog)) return [];
  return [{ kind: 'write-record', record: after, marker: 'keep' }];
}
