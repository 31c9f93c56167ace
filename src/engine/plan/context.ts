import { Origin } from '@aws-sdk/client-cloudfront';
import { LockError, invalid, notFound } from '../errors';
import { Observed } from '../observed';
import { GroupPermission, LockRecord, OriginStamp, emptyRecord } from '../record';
import { DenyResponseSpec, EnforceFlags, LockSpec, needsCatchAll } from '../spec';
import { sameSource } from '../rules/ingress';

export const NOTHING_ENFORCED: EnforceFlags = {
  SecurityGroup: false,
  ListenerRules: false,
  DenyDefault: false,
  OriginHeader: false,
  HttpsOrigin: false,
};

export interface TargetOrigin {
  distributionId: string;
  origin: Origin;
}

/**
 * Everything a control's planner needs: the desired flags, the live state, the accepted header values
 * and the record being built. `ahead` is written before any change (write-ahead undo log); `final` is
 * written after the release steps (it drops what was released).
 */
export interface PlanContext {
  spec?: LockSpec;
  enforce: EnforceFlags;
  /** What the record says was enforced before this run. */
  previous: EnforceFlags;
  observed: Observed;
  /** Accepted header values: AWSCURRENT first, then AWSPENDING. Empty when deleting. */
  values: string[];
  /** When set, origins must send exactly this (accepted) value. */
  sendValue?: string;
  headerName: string;
  /** Names a lock condition may carry right now (the desired one and the recorded one). */
  lockHeaderNames: string[];
  /** Deny responses the default action may carry from the lock (desired and recorded ones). */
  lockDenies: DenyResponseSpec[];
  targets: TargetOrigin[];
  ahead: LockRecord;
  final: LockRecord;
  port: number;
}

export const originHeaderValue = (origin: Origin, name: string): string | undefined =>
  origin.CustomHeaders?.Items?.find((h) => (h.HeaderName ?? '').toLowerCase() === name.toLowerCase())
    ?.HeaderValue;

const stripDot = (s: string): string => s.toLowerCase().replace(/\.$/, '');

/** The distribution origins the lock stamps: OriginId, or every origin whose domain is the ALB's DNS name. */
export function resolveTargets(spec: LockSpec, observed: Observed): TargetOrigin[] {
  const dist = observed.distributions[spec.DistributionId];
  if (!dist) throw notFound('DistributionId', `distribution '${spec.DistributionId}' does not exist`);
  if (spec.OriginId !== undefined) {
    const origin = dist.origins.find((o) => o.Id === spec.OriginId);
    if (!origin) {
      throw invalid(
        'OriginId',
        `distribution '${dist.id}' has no origin '${spec.OriginId}' (origins: ${dist.origins.map((o) => o.Id).join(', ') || 'none'})`,
      );
    }
    return [{ distributionId: dist.id, origin }];
  }
  const dns = stripDot(observed.loadBalancer.dnsName);
  const matches = dist.origins.filter((o) => {
    const d = stripDot(o.DomainName ?? '');
    return d === dns || d === `dualstack.${dns}`;
  });
  if (matches.length === 0) {
    const found = dist.origins.map((o) => `${o.Id} (${o.DomainName})`).join(', ') || 'none';
    throw invalid(
      'OriginId',
      `no origin of distribution '${dist.id}' points at the load balancer '${observed.loadBalancer.dnsName}'; set OriginId to one of: ${found}`,
    );
  }
  return matches.map((origin) => ({ distributionId: dist.id, origin }));
}

export function buildContext(
  spec: LockSpec | undefined,
  observed: Observed,
  values: string[],
  sendValue?: string,
): PlanContext {
  const record = observed.record;
  if (!spec && !record)
    throw new LockError('NotFound', `ListenerArn: listener '${observed.listener.arn}' has no lock`);
  const enforce = spec?.Enforce ?? NOTHING_ENFORCED;
  const headerName = spec?.HeaderName ?? record?.spec.HeaderName ?? '';
  const ahead: LockRecord = JSON.parse(JSON.stringify(record ?? emptyRecord(spec as LockSpec))) as LockRecord;
  if (spec) {
    const { ListenerArn: _ignored, ...rest } = spec;
    ahead.spec = rest;
  }
  if (spec?.Enforce.HttpsOrigin && observed.listener.protocol !== 'HTTPS') {
    throw invalid(
      'Enforce.HttpsOrigin',
      `the listener protocol is ${observed.listener.protocol}; https-only origins need an HTTPS listener`,
    );
  }
  const targets =
    spec && (enforce.OriginHeader || needsCatchAll(enforce)) ? resolveTargets(spec, observed) : [];
  // Until the rules have switched, conditions may still carry the previous name.
  const lockHeaderNames = [
    ...new Set([headerName, ...(record?.headerNames ?? [record?.spec.HeaderName ?? headerName])]),
  ];
  if (spec) ahead.headerNames = lockHeaderNames;
  // Likewise the default action may still carry the previous deny response.
  const lockDenies = uniqueDenies([
    ...(spec?.Enforce.DenyDefault ? [spec.DenyResponse] : []),
    ...(record?.denies ?? (record?.spec.Enforce.DenyDefault ? [record.spec.DenyResponse] : [])),
  ]);
  if (spec) ahead.denies = lockDenies;
  return {
    spec,
    enforce,
    previous: record?.spec.Enforce ?? NOTHING_ENFORCED,
    observed,
    values,
    sendValue,
    headerName,
    lockHeaderNames,
    lockDenies,
    targets,
    ahead,
    final: ahead, // plan() replaces it with a copy once every addition is known
    port: observed.listener.port,
  };
}

function uniqueDenies(list: DenyResponseSpec[]): DenyResponseSpec[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = JSON.stringify([d.StatusCode, d.ContentType, d.MessageBody]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function addGroupPermission(list: GroupPermission[], entry: GroupPermission): void {
  if (!list.some((e) => e.groupId === entry.groupId && sameSource(e.permission, entry.permission)))
    list.push(entry);
}

export function addStamp(list: OriginStamp[], stamp: OriginStamp): void {
  if (!list.some((s) => sameStamp(s, stamp))) list.push(stamp);
}

export const sameStamp = (a: OriginStamp, b: OriginStamp): boolean =>
  a.DistributionId === b.DistributionId &&
  a.OriginId === b.OriginId &&
  a.HeaderName.toLowerCase() === b.HeaderName.toLowerCase();
