import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { STSClient } from '@aws-sdk/client-sts';
import { assumedRoleCredentials, DistributionRole } from './distribution-role';

export interface AwsClients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  cloudfront: CloudFrontClient;
  secrets: SecretsManagerClient;
  tagging: ResourceGroupsTaggingAPIClient;
  quotas: ServiceQuotasClient;
}

export interface ClientOptions {
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Endpoint for every client; default AWS's (or AWS_ENDPOINT_URL, which the SDK reads itself). */
  endpoint?: string;
  /** Extra SDK middleware (tests inject faults through it). */
  customize?: (clients: AwsClients) => void;
}

/**
 * Standard mode backs off exponentially with jitter (100 ms base, 500 ms for throttling, 20 s cap):
 * seven attempts ride out several seconds of throttling, 5xx answers or dropped connections.
 */
export const RETRY = { maxAttempts: 7, retryMode: 'standard' as const };

/** What the clients were made from, so a CloudFront client for a role can be made alike. */
const OPTIONS_OF = new WeakMap<AwsClients, ClientOptions>();
const ROLE_CLIENTS = new WeakMap<AwsClients, Map<string, AwsClients>>();

function commonConfig(opts: ClientOptions) {
  return {
    region: opts.region,
    ...RETRY,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  };
}

/**
 * SDK v3 clients from the caller's credentials. The SDK's standard retry strategy retries what AWS
 * marks retryable (throttling, 5xx) with backoff; endpoints come from AWS_ENDPOINT_URL when set.
 */
export function createClients(opts: ClientOptions): AwsClients {
  const common = commonConfig(opts);
  const clients: AwsClients = {
    ec2: new EC2Client(common),
    elbv2: new ElasticLoadBalancingV2Client(common),
    // CloudFront is a global service homed in us-east-1.
    cloudfront: new CloudFrontClient({ ...common, region: 'us-east-1' }),
    secrets: new SecretsManagerClient(common),
    tagging: new ResourceGroupsTaggingAPIClient(common),
    quotas: new ServiceQuotasClient(common),
  };
  opts.customize?.(clients);
  OPTIONS_OF.set(clients, opts);
  return clients;
}

function optionsOf(clients: AwsClients): ClientOptions {
  const opts = OPTIONS_OF.get(clients);
  if (!opts) throw new Error('clients not made by createClients: there is nothing to assume a role with');
  return opts;
}

/** A CloudFront client whose calls all go through `role`, assumed with the clients' own credentials. */
function roleCloudFront(opts: ClientOptions, role: DistributionRole): CloudFrontClient {
  const common = commonConfig(opts);
  const credentials = assumedRoleCredentials(new STSClient(common), role);
  return new CloudFrontClient({ ...common, region: 'us-east-1', credentials });
}

function derived(clients: AwsClients, changes: Partial<AwsClients>): AwsClients {
  const out = { ...clients, ...changes };
  const opts = OPTIONS_OF.get(clients);
  if (opts) OPTIONS_OF.set(out, opts);
  return out;
}

/**
 * The same clients with every CloudFront call made through `role` (the lock's DistributionRoleArn);
 * ELB, EC2, Secrets Manager and the rest stay in the caller's account. Without a role: `clients`.
 */
export function withDistributionRole(clients: AwsClients, role: DistributionRole | undefined): AwsClients {
  if (!role) return clients;
  // One client per role and clients, so its assumed credentials serve every lock that names the role.
  const byRole = ROLE_CLIENTS.get(clients) ?? new Map<string, AwsClients>();
  ROLE_CLIENTS.set(clients, byRole);
  const key = `${role.roleArn} ${role.externalId ?? ''}`;
  const known = byRole.get(key);
  if (known) return known;
  const made = derived(clients, { cloudfront: roleCloudFront(optionsOf(clients), role) });
  byRole.set(key, made);
  return made;
}

/** How many sets of clients a warm Lambda sandbox keeps (one per caller's credentials seen lately). */
const KEPT_CLIENT_SETS = 4;
const kept = new Map<string, AwsClients>();

/**
 * createClients, but a warm invocation with the same region, endpoint and credentials reuses the clients
 * (and their open connections) of an earlier one. New credentials (CloudFormation hands out temporary
 * ones) make new clients; the oldest set is dropped beyond KEPT_CLIENT_SETS.
 */
export function keptClients(opts: Omit<ClientOptions, 'customize'>): AwsClients {
  const c = opts.credentials;
  const key = JSON.stringify([
    opts.region,
    opts.endpoint,
    c?.accessKeyId,
    c?.secretAccessKey,
    c?.sessionToken,
  ]);
  const known = kept.get(key);
  if (known) {
    kept.delete(key); // most recently used last
    kept.set(key, known);
    return known;
  }
  const made = createClients(opts);
  kept.set(key, made);
  for (const oldest of kept.keys()) {
    if (kept.size <= KEPT_CLIENT_SETS) break;
    destroyAll(kept.get(oldest));
    kept.delete(oldest);
  }
  return made;
}

/** Drops every kept set of clients (a new sandbox; tests whose AWS was reset, credentials included). */
export function forgetKeptClients(): void {
  for (const set of kept.values()) destroyAll(set);
  kept.clear();
}

/** Closes the clients' connections. */
const destroyAll = (set: AwsClients | undefined): void => {
  for (const client of Object.values(set ?? {}) as { destroy(): void }[]) client.destroy();
};
