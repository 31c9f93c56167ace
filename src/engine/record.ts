import { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LockError } from './errors';
import { LIMITS, tagValueChunks } from './limits';
import { DenyResponseSpec, LockSpec } from './spec';

/**
 * What the lock must remember lives in AWS itself, as tags, so READ, DELETE and resource import work
 * from the ListenerArn alone: the record (spec + undo log) on the listener, and a marker listing the
 * locked listeners on the load balancer (LIST finds load balancers by that tag, one page at a time).
 * The record never holds a secret value.
 */
export const RECORD_TAG_PREFIX = 'acme:origin-lock:record:';
export const LB_MARKER_TAG = 'acme:origin-lock:listeners';
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

export interface LockRecord {
  v: 1;
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
}

export function emptyRecord(spec: LockSpec): LockRecord {
  const { ListenerArn: _ignored, ...rest } = spec;
  return { v: 1, spec: rest, stamps: [], revoked: [], remainders: [], admitted: [] };
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
  if (parsed?.v !== 1) {
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
