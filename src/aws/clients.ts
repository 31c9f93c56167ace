import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';

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
 * SDK v3 clients from the caller's credentials. The SDK's standard retry strategy retries what AWS
 * marks retryable (throttling, 5xx) with backoff; endpoints come from AWS_ENDPOINT_URL when set.
 */
/**
 * Standard mode backs off exponentially with jitter (100 ms base, 500 ms for throttling, 20 s cap):
 * seven attempts ride out several seconds of throttling, 5xx answers or dropped connections.
 */
export const RETRY = { maxAttempts: 7, retryMode: 'standard' as const };

export function createClients(opts: ClientOptions): AwsClients {
  const common = {
    region: opts.region,
    ...RETRY,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  };
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
  return clients;
}
