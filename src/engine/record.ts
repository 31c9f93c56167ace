import { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LockError } from './errors';
import { LIMITS, tagValueChunks } from './limits';
import type { RuleRole } from './observed';
import { DenyResponseSpec, LockSpec } from './spec';

/**
 * What the lock must remember lives in AWS itself, as tags, so READ, DELETE and resource import work
 * from the ListenerArn alone: the record (spec + undo log) on the listener, and a marker listing the
 * locked listeners on the load balancer (LIST finds load balancers by that tag, one page at a time).
 * The record never holds a secret value.
 */
export const RECORD_TAG_PREFIX = 'acme:origin-lock:record:';
export const LB_MARKER_TAG = 'acme:origin-lock:listeners';
/**
 * The role tag the lock gives the catch-all rule in CreateRule itself (no extra write), so a rule whose
 * CreateRule answer was lost is still recognised. Version 1 records also tagged every guarded rule;
 * version 2 names the lock's rules in the record instead.
 */
export const RULE_ROLE_TAG = 'acme:origin-lock:role';
export const SG_RULE_TAG = 'acme:origin-lock:listener';

/** One ingress permission reduced to a single source, so it can be revoked and restored exactly. */
export interface IngressPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  CidrIpv6?: string;
  PrefixListId?: string;
  Description?: string;
}

export interface GroupPermission {
  groupId: string;
  permission: IngressPermission;
}

export interface DedicatedGroupRecord {
  name: string;
  /** Known once a round has observed the created group. */
  groupId?: string;
}

export interface OriginStamp {
  DistributionId: string;
  OriginId: string;
  HeaderName: string;
  /** Protocol policy before the lock forced https-only; restored on release. */
  OriginalProtocolPolicy?: string;
  /** The origin already sent the header with the secret's value: release leaves it in place. */
  Adopted?: boolean;
}

/** The listener rules that are the lock's, by rule id (the last part of the rule ARN). */
export interface RecordedRules {
  catchAll?: string;
  /** Rules the lock guards with its header condition (recorded before the condition is added). */
  guards: string[];
}

/** Version 2 keeps the rule roles in the record; version 1 kept them in per-rule tags (still read). */
export const RECORD_VERSION = 2;

export interface LockRecord {
  v: 1 | 2;
  /** ClientRequestToken of the CREATE that made the lock: a retried CREATE continues, another fails. */
  owner?: string;
  spec: Omit<LockSpec, 'ListenerArn'>;
  /** Header names the lock's rule conditions may carry (two while HeaderName changes). */
  headerNames?: string[];
  /** Deny responses the listener default may carry from the lock (two while DenyResponse changes). */
  denies?: DenyResponseSpec[];
  /** Origins the lock has stamped (or is about to) with the header. */
  stamps: OriginStamp[];
  /** Open ingress the lock revoked; re-authorized on release. */
  revoked: GroupPermission[];
  /** Parts of a wider open rule re-added without the listener port; revoked on release. */
  remainders: GroupPermission[];
  /** Prefix-list rules the lock added on the listener port; revoked on release. */
  admitted: GroupPermission[];
  /**
   * The security group the lock created for CloudFront's prefix lists (its name is deterministic, so a
   * lost CreateSecurityGroup response finds it again); detached and deleted on release. Absent in older
   * records and in locks that use one of the load balancer's groups.
   */
  dedicatedGroup?: DedicatedGroupRecord;
  /** The listener's default actions before the lock (fallback if the catch-all rule is lost). */
  defaultActions?: Action[];
  /** Version 2: the lock's rules. Absent in version 1, whose rules carry role tags. */
  rules?: RecordedRules;
  /**
   * Version 2: the ids of CloudFront's managed prefix lists in this region (AWS-managed, fixed), so READ
   * checks the security group without looking them up.
   */
  cloudFrontLists?: { v4?: string; v6?: string };
}

export function emptyRecord(spec: LockSpec): LockRecord {
  const { ListenerArn: _ignored, ...rest } = spec;
  return {
    v: RECORD_VERSION,
    spec: rest,
    stamps: [],
    revoked: [],
    remainders: [],
    admitted: [],
    rules: { guards: [] },
  };
}

export function encodeRecord(record: LockRecord): Record<string, string> {
  // base64url fits the character set ELB allows in tag values.
  const packed = deflateRawSync(Buffer.from(JSON.stringify(record))).toString('base64url');
  return Object.fromEntries(tagValueChunks(packed).map((chunk, i) => [`${RECORD_TAG_PREFIX}${i}`, chunk]));
}

/** A record the lock cannot read: it no longer knows what it changed, so it must not guess. */
const unreadableRecord = (problem: string, remedy: string): LockError =>
  new LockError(
    'ResourceConflict',
    `ListenerArn: the listener's lock record (tags ${RECORD_TAG_PREFIX}*) ${problem}; ${remedy}`,
  );

/** Reads the record from a listener's tags; undefined when the listener carries no lock. */
export function decodeRecord(tags: Record<string, string>): LockRecord | undefined {
  const parts: string[] = [];
  for (let i = 0; tags[`${RECORD_TAG_PREFIX}${i}`] !== undefined; i++) {
    parts.push(tags[`${RECORD_TAG_PREFIX}${i}`]);
  }
  if (parts.length === 0) return undefined;
  let parsed: LockRecord;
  try {
    parsed = JSON.parse(
      inflateRawSync(Buffer.from(parts.join(''), 'base64url')).toString('utf8'),
    ) as LockRecord;
  } catch (e) {
    throw unreadableRecord(
      `is corrupt (${e instanceof Error ? e.message : String(e)})`,
      `restore those tags to the values the lock wrote (CloudTrail AddTags events), or remove them and undo the lock's changes to the listener, its rules, the security groups and the distribution by hand`,
    );
  }
  if (parsed?.v !== 1 && parsed?.v !== RECORD_VERSION) {
    throw unreadableRecord(
      `has version ${String(parsed?.v)}, which this version of Acme::Origin::Lock does not read`,
      'update the resource type (or the custom resource function) to the version that wrote it',
    );
  }
  return parsed;
}

export const recordTagKeys = (tags: Record<string, string>): string[] =>
  Object.keys(tags).filter((k) => k.startsWith(RECORD_TAG_PREFIX));

export const parseMarker = (value: string | undefined): string[] =>
  (value ?? '').split(' ').filter((s) => s.length > 0);

const isMarkerKey = (key: string): boolean => key === LB_MARKER_TAG || key.startsWith(`${LB_MARKER_TAG}:`);

/** The locked listener ids of a load balancer, from all of its marker tags. */
export const markerIds = (tags: Record<string, string>): string[] =>
  Object.keys(tags)
    .filter(isMarkerKey)
    .sort()
    .flatMap((k) => parseMarker(tags[k]));

export const markerTagKeys = (tags: Record<string, string>): string[] =>
  Object.keys(tags).filter(isMarkerKey);

/**
 * The marker tags for these listener ids: as many ids per tag as fit a tag value (fifteen 16-digit ids),
 * the first tag always under LB_MARKER_TAG itself so LIST finds the load balancer by that key.
 */
export function markerTags(ids: string[]): Record<string, string> {
  const perTag = Math.floor((LIMITS.tagValueLength + 1) / 17);
  const tags: Record<string, string> = {};
  for (let i = 0; i * perTag < ids.length; i++)
    tags[i === 0 ? LB_MARKER_TAG : `${LB_MARKER_TAG}:${i}`] = ids
      .slice(i * perTag, (i + 1) * perTag)
      .join(' ');
  return tags;
}

/** JSON with sorted keys, so equal values compare equal whatever order their keys were built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export const sameRecord = (a: LockRecord | undefined, b: LockRecord | undefined): boolean =>
  canonicalJson(a) === canonicalJson(b);

/** A rule's id: the last part of its ARN (unique within the listener). */
export const ruleIdOf = (ruleArn: string): string => ruleArn.slice(ruleArn.lastIndexOf('/') + 1);

/** The role a version 2 record gives a rule; undefined for a rule that is not the lock's. */
export function recordedRole(record: LockRecord | undefined, ruleArn: string): RuleRole | undefined {
  const rules = record?.rules;
  if (!rules) return undefined;
  const id = ruleIdOf(ruleArn);
  if (rules.catchAll === id) return 'catch-all';
  return rules.guards.includes(id) ? 'guard' : undefined;
}

/**
 * Whose tags observe must read to know the rule's role: every rule under a version 1 record; otherwise
 * only a rule at the catch-all's priority that the record does not name (a CreateRule whose answer was
 * lost, or the catch-all of a round whose record is not written yet).
 */
export const roleTagNeeded = (
  record: LockRecord | undefined,
  rule: { arn: string; priority: number },
  catchAllPriority: number,
): boolean =>
  record !== undefined && !record.rules
    ? true
    : rule.priority === catchAllPriority && recordedRole(record, rule.arn) === undefined;

/** A rule's role: what the record says, else the catch-all tag CreateRule gave it (version 1: any role tag). */
export function ruleRole(
  record: LockRecord | undefined,
  ruleArn: string,
  roleTag: string | undefined,
): RuleRole | undefined {
  if (record && !record.rules) return roleTag === 'catch-all' || roleTag === 'guard' ? roleTag : undefined;
  return recordedRole(record, ruleArn) ?? (roleTag === 'catch-all' ? 'catch-all' : undefined);
}

/** The rules with their roles as `record` gives them (after a record write, without reading AWS again). */
export const withRecordedRoles = <R extends { arn: string; role?: RuleRole; roleTag?: RuleRole }>(
  rules: readonly R[],
  record: LockRecord | undefined,
): R[] =>
  rules.map((r) => {
    const { role: _old, ...rest } = r;
    const role = ruleRole(record, r.arn, r.roleTag);
    return (role ? { ...rest, role } : rest) as R;
  });
