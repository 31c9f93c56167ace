import { subsetOf } from '../../../engine/rules/alb';
import { originHeaderValue, TargetOrigin } from '../../../engine/plan/context';
import { httpsHolds } from '../../../engine/plan/controls/origin-header';
import { ObservedDistribution } from '../../../engine/observed';
import { Finding, finding } from '../findings';

/** Distribution controls: the origins in front of the load balancer prove who they are, privately. */

/** The secret to compare against; `values` is undefined when it could not be read (see `problem`). */
export interface SecretCheck {
  arn: string;
  values?: string[];
  problem?: string;
}

const name = (t: TargetOrigin): string => `origin ${t.origin.Id ?? '?'} of distribution ${t.distributionId}`;
const originIds = (targets: TargetOrigin[]): string[] => [
  targets[0]?.distributionId ?? '',
  ...targets.map((t) => t.origin.Id ?? ''),
];

export function originHeader(targets: TargetOrigin[], headerName: string, secret?: SecretCheck): Finding {
  const missing = targets.filter((t) => originHeaderValue(t.origin, headerName) === undefined);
  if (missing.length > 0) {
    return finding(
      'origin-header',
      'fail',
      `${missing.map(name).join(', ')} sends no ${headerName} header: the load balancer cannot tell this distribution's requests from anyone else's`,
      originIds(missing),
    );
  }
  if (!secret) {
    return finding(
      'origin-header',
      'pass',
      `${targets.map(name).join(', ')} sends ${headerName} (value not compared: pass --secret-arn to check it)`,
      originIds(targets),
    );
  }
  if (!secret.values) {
    return finding(
      'origin-header',
      'fail',
      `cannot compare ${headerName} with secret ${secret.arn}: ${secret.problem ?? 'unreadable'}`,
      [...originIds(targets), secret.arn],
    );
  }
  const values = secret.values;
  const wrong = targets.filter((t) => !subsetOf([originHeaderValue(t.origin, headerName) ?? ''], values));
  if (wrong.length > 0) {
    return finding(
      'origin-header',
      'fail',
      `${wrong.map(name).join(', ')} sends ${headerName} with a value that is not the current value of secret ${secret.arn}`,
      [...originIds(wrong), secret.arn],
    );
  }
  return finding(
    'origin-header',
    'pass',
    `${targets.map(name).join(', ')} sends ${headerName} with the value of secret ${secret.arn}`,
    [...originIds(targets), secret.arn],
  );
}

/** http-only puts the header, secret included, in cleartext on the internet: a warning unless required. */
export function originHttps(targets: TargetOrigin[], headerName: string, requireHttps: boolean): Finding {
  if (requireHttps && httpsHolds(targets)) {
    return finding(
      'origin-https',
      'pass',
      `${targets.map(name).join(', ')} connects with https-only`,
      originIds(targets),
    );
  }
  const policy = (t: TargetOrigin): string =>
    t.origin.CustomOriginConfig?.OriginProtocolPolicy ?? 'not a custom origin';
  const cleartext = targets.filter((t) => policy(t) === 'http-only');
  if (cleartext.length > 0) {
    return finding(
      'origin-https',
      requireHttps ? 'fail' : 'warn',
      `${cleartext.map(name).join(', ')} uses http-only: ${headerName}, the secret, crosses the internet in cleartext; use https-only with an HTTPS listener`,
      originIds(cleartext),
    );
  }
  if (requireHttps) {
    const loose = targets.filter((t) => policy(t) !== 'https-only');
    return finding(
      'origin-https',
      'fail',
      `${loose.map((t) => `${name(t)} uses ${policy(t)}`).join(', ')}, not https-only (--require-https)`,
      originIds(loose),
    );
  }
  return finding(
    'origin-https',
    'pass',
    targets.map((t) => `${name(t)} uses ${policy(t)}`).join(', '),
    originIds(targets),
  );
}

/** No origin of the distribution points at the load balancer: the origin controls have nothing to check. */
export function unresolvedOrigins(
  dist: ObservedDistribution,
  dnsName: string,
  requireHttps: boolean,
): Finding[] {
  const found = dist.origins.map((o) => `${o.Id} (${o.DomainName})`).join(', ') || 'none';
  const reason = `no origin of distribution ${dist.id} points at the load balancer ${dnsName}; its origins: ${found}`;
  return [
    finding('origin-header', 'fail', reason, [dist.id]),
    finding('origin-https', requireHttps ? 'fail' : 'warn', reason, [dist.id]),
  ];
}

export function distributionDeployed(dist: ObservedDistribution): Finding {
  if (dist.status === 'Deployed') {
    return finding('distribution-deployed', 'pass', `distribution ${dist.id} is Deployed`, [dist.id]);
  }
  return finding(
    'distribution-deployed',
    'warn',
    `distribution ${dist.id} is ${dist.status}: some edge locations may still run its previous configuration`,
    [dist.id],
  );
}
