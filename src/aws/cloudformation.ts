import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RETRY } from './clients';

/** What the guardian asks CloudFormation with (DescribeStackResources, DescribeStacks). */
export type CloudFormationReads = Pick<CloudFormationClient, 'send'>;

const made = new WeakMap<ElasticLoadBalancingV2Client, CloudFormationClient>();

/**
 * A CloudFormation client with the region, credentials and endpoint of `elbv2` and every client's retry
 * settings (src/aws/clients.ts), so it goes where the other calls go: AWS, or the test bench's endpoint.
 * Made on first use, once per ELBv2 client: only the guardian asks CloudFormation, so AwsClients (and
 * every other bundle) carries no CloudFormation client.
 */
export function cloudFormationClientLike(elbv2: ElasticLoadBalancingV2Client): CloudFormationClient {
  let client = made.get(elbv2);
  if (!client) {
    const config = elbv2.config;
    client = new CloudFormationClient({
      ...RETRY,
      region: config.region,
      ...(config.credentials ? { credentials: config.credentials } : {}),
      // Without a custom endpoint, the SDK resolves CloudFormation's own (or AWS_ENDPOINT_URL*).
      ...(config.isCustomEndpoint && config.endpoint ? { endpoint: config.endpoint } : {}),
      ignoreConfiguredEndpointUrls: config.ignoreConfiguredEndpointUrls,
    });
    made.set(elbv2, client);
  }
  return client;
}
