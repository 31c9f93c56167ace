import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, HttpRequest } from '@smithy/types';
import { XMLParser } from 'fast-xml-parser';

/**
 * The two CloudFormation reads the guardian makes (DescribeStackResources by physical id, DescribeStacks),
 * over CloudFormation's query protocol. The project ships no CloudFormation SDK client, so these are
 * signed with SigV4 using the region, credentials and endpoint of an SDK client it does ship: they go
 * where the other calls go (AWS, or the test bench's endpoint).
 */

export interface StackResourceDescription {
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  /** Absent while CloudFormation does not know it yet (a resource being created). */
  PhysicalResourceId?: string;
  ResourceType: string;
  ResourceStatus: string;
}

export interface StackDescription {
  StackId: string;
  StackName: string;
  StackStatus: string;
}

export interface CloudFormationReads {
  /** The resources of the stack that holds a resource with this physical id (AWS returns up to 100). */
  describeStackResources(physicalResourceId: string): Promise<StackResourceDescription[]>;
  /** The stack by name or id; undefined when CloudFormation does not know it. */
  describeStack(stackId: string): Promise<StackDescription | undefined>;
}

/** An error answer, shaped like an SDK v3 service exception so src/aws/error-mapping.ts maps it. */
export class CloudFormationError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  readonly $fault: 'client' | 'server';
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
    this.$fault = status >= 500 ? 'server' : 'client';
  }
}

const VERSION = '2010-05-15';
const TIMEOUT_MS = 10_000;

interface Target {
  url: URL;
  region: string;
  credentials: () => Promise<AwsCredentialIdentity>;
}

/** CloudFormation's endpoint for the SDK client's settings: its custom endpoint, the environment's, or AWS's. */
async function targetOf(client: ElasticLoadBalancingV2Client): Promise<Target> {
  const config = client.config;
  const region = await config.region();
  let endpoint: string | undefined;
  if (config.isCustomEndpoint && config.endpoint) {
    const e = await config.endpoint();
    endpoint = `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path}`;
  } else if (!config.ignoreConfiguredEndpointUrls) {
    endpoint = process.env.AWS_ENDPOINT_URL_CLOUDFORMATION || process.env.AWS_ENDPOINT_URL || undefined;
  }
  endpoint ??= `https://cloudformation.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
  return { url: new URL(endpoint), region, credentials: () => config.credentials() };
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name, jpath) => name === 'member' && /\.(StackResources|Stacks)\.member$/.test(String(jpath)),
});

type Xml = Record<string, unknown>;
const at = (node: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Xml)[k] : undefined), node);
const text = (node: unknown, key: string): string | undefined => {
  const v = at(node, key);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
};

/** CloudFormation reads with the region, credentials and endpoint of `client`. */
export function cloudFormationLike(client: ElasticLoadBalancingV2Client): CloudFormationReads {
  let target: Promise<Target> | undefined;

  async function call(action: string, params: Record<string, string>): Promise<unknown> {
    target ??= targetOf(client);
    const { url, region, credentials } = await target;
    const body = new URLSearchParams({ Action: action, Version: VERSION, ...params }).toString();
    const request: HttpRequest = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname || '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body,
    };
    const signer = new SignatureV4({
      service: 'cloudformation',
      region,
      credentials,
      sha256: client.config.sha256,
    });
    const signed = await signer.sign(request);
    const response = await fetch(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const parsed = parser.parse(await response.text()) as Xml;
    if (!response.ok) {
      const error = at(parsed, 'ErrorResponse', 'Error');
      throw new CloudFormationError(
        text(error, 'Code') ?? `HTTP${response.status}`,
        text(error, 'Message') ?? `CloudFormation ${action} answered HTTP ${response.status}`,
        response.status,
      );
    }
    return at(parsed, `${action}Response`, `${action}Result`);
  }

  return {
    async describeStackResources(physicalResourceId) {
      const result = await call('DescribeStackResources', { PhysicalResourceId: physicalResourceId });
      const members = at(result, 'StackResources', 'member');
      return (Array.isArray(members) ? members : []).map((m) => ({
        StackId: text(m, 'StackId') ?? '',
        StackName: text(m, 'StackName') ?? '',
        LogicalResourceId: text(m, 'LogicalResourceId') ?? '',
        PhysicalResourceId: text(m, 'PhysicalResourceId'),
        ResourceType: text(m, 'ResourceType') ?? '',
        ResourceStatus: text(m, 'ResourceStatus') ?? '',
      }));
    },
    async describeStack(stackId) {
      const result = await call('DescribeStacks', { StackName: stackId });
      const members = at(result, 'Stacks', 'member');
      const stack: unknown = Array.isArray(members) ? members[0] : undefined;
      if (!stack) return undefined;
      return {
        StackId: text(stack, 'StackId') ?? stackId,
        StackName: text(stack, 'StackName') ?? '',
        StackStatus: text(stack, 'StackStatus') ?? '',
      };
    },
  };
}
