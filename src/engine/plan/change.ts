import type { GroupPermission, LockRecord, OriginStamp } from '../record';
import { sameSource } from '../rules/ingress';
import type { Step } from './steps';

/**
 * A control's change to the lock record, as a value: it returns a changed copy and never writes into its
 * input, so what one control records cannot depend on when another one happened to run.
 */
export type RecordChange = (record: Readonly<LockRecord>) => LockRecord;

/** What a control plans: its steps, and what they change in the lock record. */
export interface Planned {
  readonly steps: readonly Step[];
  readonly change: RecordChange;
}

export const unchanged: RecordChange = (record) => record;

export const NOTHING_PLANNED: Planned = { steps: [], change: unchanged };

/** Several plans one after the other: their steps in sequence, their changes applied in the same order. */
export function inSequence(plans: readonly Planned[]): Planned {
  return {
    steps: plans.flatMap((p) => p.steps),
    change: (record) => plans.reduce<LockRecord>((r, p) => p.change(r), record),
  };
}

/** `list` with `entry` added unless it already holds the same source in the same group. */
export const withGroupPermission = (
  list: readonly GroupPermission[],
  entry: GroupPermission,
): GroupPermission[] =>
  list.some((e) => e.groupId === entry.groupId && sameSource(e.permission, entry.permission))
    ? [...list]
    : [...list, entry];

export const sameStamp = (a: OriginStamp, b: OriginStamp): boolean =>
  a.DistributionId === b.DistributionId &&
  a.OriginId === b.OriginId &&
  a.HeaderName.toLowerCase() === b.HeaderName.toLowerCase();

/**
 * `list` with `stamp` added; a stamp already there keeps its flags and only learns the protocol policy
 * to restore when it did not know one yet.
 */
export function withStamp(list: readonly OriginStamp[], stamp: OriginStamp): OriginStamp[] {
  const existing = list.find((s) => sameStamp(s, stamp));
  if (!existing) return [...list, stamp];
  if (!stamp.OriginalProtocolPolicy || existing.OriginalProtocolPolicy) return [...list];
  return list.map((s) =>
    s === existing ? { ...s, OriginalProtocolPolicy: stamp.OriginalProtocolPolicy } : s,
  );
}
