import type { Origin } from '@aws-sdk/client-cloudfront';
import { LockError, invalid, notFound } from '../errors';
import { DEFAULT_QUOTAS, Quotas } from '../limits';
import { Observed } from '../observed';
import { ExposurePolicy } from '../rules/exposure';
import { describeEndpoints, reaches } from '../rules/origin-reach';
import { DenyResponseSpec, EnforceFlags, LockSpec, needsCatchAll } from '../spec';

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
 * What every control plans from: the desired flags, the live state and the accepted header values.
 * Read-only; the lock record is not in it (a control returns its change to the record instead).
 */
export interface PlanContext {
  readonly spec?: LockSpec;
  readonly enforce: Readonly<EnforceFlags>;
  readonly observed: Readonly<Observed>;
  /** Accepted header values: AWSCURRENT first, then AWSPENDING. Empty when deleting. */
  readonly values: readonly string[];
  /** When set, origins must send exactly this (accepted) value. */
  readonly sendValue?: string;
  readonly headerName: string;
  /** Names a lock condition may carry right now (the desired one and the recorded one). */
  readonly lockHeaderNames: readonly string[];
  /** Deny responses the default action may carry from the lock (desired and recorded ones). */
  readonly lockDenies: readonly DenyResponseSpec[];
  readonly targets: readonly TargetOrigin[];
  readonly port: number;
  /** Adjustable AWS quotas to plan within (documented defaults unless the account's were read). */
  readonly quotas: Readonly<Quotas>;
  /** Every listener port of the load balancer (the locked one included): all are closed to the internet. */
  readonly listenerPorts: readonly number[];
  /** What counts as internet exposure on those ports (the user's AllowedSources included). */
  readonly exposure: ExposurePolicy;
}

/** Every listener port of the load balancer, the locked listener's first. */
export const listenerPortsOf = (o: Observed): number[] => [
  ...new Set([o.listener.port, ...(o.loadBalancer.listeners ?? []).map((l) => l.port)]),
];

/** The exposure policy of this load balancer: CloudFront's lists by id, plus what the user allowed. */
export const exposurePolicyOf = (o: Observed, allowedSources: readonly string[] = []): ExposurePolicy => ({
  cloudFrontListIds: [o.prefixLists.v4?.id, o.prefixLists.v6?.id].filter((x): x is string => !!x),
  allowedSources,
});

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
    return reachingTargets(spec, observed, dist.id, [origin], 'OriginId');
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
  return reachingTargets(spec, observed, dist.id, matches, 'OriginId');
}

/**
 * Of the origins pointing at the load balancer, those whose requests arrive at the locked listener (with
 * HttpsOrigin, as they will once https-only). None: the lock would guard a listener CloudFront never uses.
 */
function reachingTargets(
  spec: LockSpec,
  observed: Observed,
  distributionId: string,
  origins: Origin[],
  field: string,
): TargetOrigin[] {
  const listener = { protocol: observed.listener.protocol, port: observed.listener.port };
  const policy = spec.Enforce.HttpsOrigin ? 'https-only' : undefined;
  const reaching = origins.filter((o) => reaches(o, listener, policy));
  if (reaching.length === 0) {
    const where = origins.map((o) => `${o.Id} reaches ${describeEndpoints(o, policy)}`).join('; ');
    throw invalid(
      field,
      `no origin of distribution '${distributionId}' reaches the locked ${listener.protocol}:${listener.port} listener (${where}); lock the listener those origins reach, or make them reach this one (origin protocol policy and port${listener.protocol === 'HTTPS' ? ', or Enforce.HttpsOrigin' : ''})`,
    );
  }
  return reaching.map((origin) => ({ distributionId, origin }));
}

export function buildContext(
  spec: LockSpec | undefined,
  observed: Observed,
  values: string[],
  sendValue?: string,
  quotas: Quotas = DEFAULT_QUOTAS,
): PlanContext {
  const record = observed.record;
  if (!spec && !record)
    throw new LockError('NotFound', `ListenerArn: listener '${observed.listener.arn}' has no lock`);
  const enforce = spec?.Enforce ?? NOTHING_ENFORCED;
  const headerName = spec?.HeaderName ?? record?.spec.HeaderName ?? '';
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
  // Likewise the default action may still carry the previous deny response.
  const lockDenies = uniqueDenies([
    ...(spec?.Enforce.DenyDefault ? [spec.DenyResponse] : []),
    ...(record?.denies ?? (record?.spec.Enforce.DenyDefault ? [record.spec.DenyResponse] : [])),
  ]);
  return {
    spec,
    enforce,
    observed,
    values,
    sendValue,
    headerName,
    lockHeaderNames,
    lockDenies,
    targets,
    port: observed.listener.port,
    quotas,
    listenerPorts: listenerPortsOf(observed),
    exposure: exposurePolicyOf(observed, spec?.AllowedSources ?? record?.spec.AllowedSources ?? []),
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
