import { AwsClients } from '../../aws/clients';
import { DistributionRole } from '../../aws/distribution-role';
import { mapError } from '../../aws/error-mapping';
import { resolveTargets, TargetOrigin } from '../../engine/plan/context';
import { LockError, notFound } from '../../engine/errors';
import { acceptedValues, previousReader } from '../../engine/converge';
import { observe } from '../../engine/observe';
import { Observed } from '../../engine/observed';
import { readDistributionTags, readGroupInterfaces } from '../../engine/preflight';
import { readSecretValues, secretValueList } from '../../engine/secret';
import { DEFAULT_DENY, DEFAULT_ENFORCE, DEFAULT_HEADER_NAME, LockSpec } from '../../engine/spec';
import { defaultDeny, ruleBypass } from './checks/listener';
import { openIngress, otherListeners, prefixListIpv4, prefixListIpv6, ruleHeadroom } from './checks/network';
import {
  distributionDeployed,
  originHeader,
  originHttps,
  SecretCheck,
  unresolvedOrigins,
} from './checks/origin';
import { ownerTags, OwnershipFacts, sharedGroup, vpcOrigin } from './checks/ownership';
import { Finding } from './findings';

export interface AuditOptions {
  listenerArn: string;
  distributionId: string;
  /** Compare the origin's header (and the rules' accepted values) with this secret's value. */
  secretArn?: string;
  /** JSON key holding the header value, for a JSON secret string. */
  secretKey?: string;
  headerName?: string;
  /** An origin that is not https-only fails instead of warning. */
  requireHttps?: boolean;
  /** The distribution is in an edge account: CloudFront calls go through this role (the caller applies it). */
  distributionRole?: DistributionRole;
}

/**
 * Checks a listener and the distribution in front of it, read-only, through the engine's own
 * observation (observe, resolveTargets, readSecretValues) so the audit and the lock can never disagree
 * on what AWS holds. Throws a LockError when the listener or the distribution cannot be audited.
 */
export async function audit(clients: AwsClients, options: AuditOptions): Promise<Finding[]> {
  const headerName = options.headerName ?? DEFAULT_HEADER_NAME;
  // The distribution is looked up where the user says (--distribution-role-arn), not where a lock
  // record says: the audit checks the pair it is given.
  const observed = await observe(clients, options.listenerArn, [options.distributionId], {
    distributionRole: options.distributionRole,
  });
  const dist = observed.distributions[options.distributionId];
  if (!dist) throw notFound('DistributionId', `distribution '${options.distributionId}' does not exist`);
  const secret = options.secretArn
    ? await withLockAcceptance(
        clients,
        observed,
        options.listenerArn,
        await readSecret(clients, options.secretArn, options.secretKey),
      )
    : undefined;
  const requireHttps = options.requireHttps ?? false;

  const targets = targetsOf(observed, options, headerName);
  const facts = await ownershipFacts(clients, observed, options);
  const originFindings = targets
    ? [originHeader(targets, headerName, secret), originHttps(targets, headerName, requireHttps)]
    : unresolvedOrigins(dist, observed.loadBalancer.dnsName, requireHttps);

  return [
    openIngress(observed),
    prefixListIpv4(observed),
    prefixListIpv6(observed),
    ruleHeadroom(observed),
    ruleBypass(observed, headerName, secret?.values),
    defaultDeny(observed),
    ...originFindings,
    distributionDeployed(dist),
    ...[
      ownerTags(observed, options.distributionId, facts),
      sharedGroup(observed, facts),
      vpcOrigin(targets),
      otherListeners(observed),
    ].filter((f): f is Finding => f !== undefined),
  ];
}

/** The reads the lock's preflight makes, for the ownership findings; a failed read becomes a warning. */
async function ownershipFacts(
  clients: AwsClients,
  observed: Observed,
  options: AuditOptions,
): Promise<OwnershipFacts> {
  const attempt = async <T>(read: () => Promise<T>): Promise<T | string> => {
    try {
      return await read();
    } catch (e) {
      return mapError(e).message;
    }
  };
  return {
    distributionTags: await attempt(() =>
      readDistributionTags(clients, options.listenerArn, options.distributionId),
    ),
    interfaces: await attempt(() =>
      readGroupInterfaces(
        clients,
        observed.groups.map((g) => g.groupId),
      ),
    ),
  };
}

/** The origins the lock would stamp: those whose domain is the load balancer's DNS name. */
function targetsOf(
  observed: Observed,
  options: AuditOptions,
  headerName: string,
): TargetOrigin[] | undefined {
  const spec: LockSpec = {
    ListenerArn: options.listenerArn,
    DistributionId: options.distributionId,
    SecretArn: options.secretArn ?? '',
    HeaderName: headerName,
    DenyResponse: DEFAULT_DENY,
    Enforce: DEFAULT_ENFORCE,
  };
  try {
    return resolveTargets(spec, observed);
  } catch (e) {
    if (e instanceof LockError) return undefined;
    throw e;
  }
}

/**
 * A lock that only verifies the header (its distribution belongs to a stack) keeps accepting the value
 * the origin still sends after a rotation, while it is the secret's previous version: the audit judges
 * with the lock's own rule (`acceptedValues`), so it does not flag what the lock rightly accepts.
 */
async function withLockAcceptance(
  clients: AwsClients,
  observed: Observed,
  listenerArn: string,
  check: SecretCheck,
): Promise<SecretCheck> {
  const record = observed.record;
  if (!check.values || !record || record.spec.Enforce.OriginHeader || record.spec.SecretArn !== check.arn)
    return check;
  const spec = { ...record.spec, ListenerArn: listenerArn };
  return {
    ...check,
    values: await acceptedValues(spec, observed, check.values, previousReader(clients, spec)),
  };
}

/** An unreadable secret is a failed comparison, not a failed audit: the other controls still count. */
async function readSecret(clients: AwsClients, arn: string, key: string | undefined): Promise<SecretCheck> {
  try {
    return { arn, values: secretValueList(await readSecretValues(clients.secrets, arn, key)) };
  } catch (e) {
    return { arn, problem: mapError(e).message };
  }
}
