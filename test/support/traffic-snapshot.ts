/**
 * Live snapshot of everything the no-outage oracle evaluates, read from AWS (or moto through
 * AWS_ENDPOINT_URL, which SDK v3 honours without endpoint code).
 *
 * Note for moto: every GetDistribution counts as a "describe" for moto's state manager, so taking a
 * snapshot can advance a distribution from InProgress to Deployed. A snapshot makes exactly one
 * CloudFront call; tests that need InProgress to last should set a manual transition with a high
 * `times` through /moto-api/state-manager/set-transition.
 */
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { CloudFrontClient, GetDistributionCommand, type Origin } from '@aws-sdk/client-cloudfront';
import type { OriginHeaderState, TrafficSnapshot } from './oracle';

export const CLOUDFRONT_PREFIX_LIST_NAMES = {
  ipv4: 'com.amazonaws.global.cloudfront.origin-facing',
  ipv6: 'com.amazonaws.global.ipv6.cloudfront.origin-facing',
} as const;

export interface SnapshotParams {
  listenerArn: string;
  distributionId: string;
  /** Name of the secret header (case-insensitive). */
  headerName: string;
  /**
   * The distribution origin that fronts the load balancer. Default: every origin whose domain name
   * is the load balancer's DNS name.
   */
  originId?: string;
  /** Region of the load balancer; default us-east-1. */
  region?: string;
}

export interface SnapshotClients {
  elbv2?: ElasticLoadBalancingV2Client;
  ec2?: EC2Client;
  cloudfront?: CloudFrontClient;
}

function sameHost(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const norm = (s: string): string => s.trim().toLowerCase().replace(/\.$/, '');
  return norm(a) === norm(b);
}

function originState(
  origin: Origin,
  headerName: string,
  originId: string | undefined,
  dnsName: string | undefined,
): OriginHeaderState {
  const header = (origin.CustomHeaders?.Items ?? []).find(
    (h) => h.HeaderName?.toLowerCase() === headerName.toLowerCase(),
  );
  const targetsLoadBalancer =
    originId !== undefined ? origin.Id === originId : sameHost(origin.DomainName, dnsName);
  return {
    originId: origin.Id ?? '',
    domainName: origin.DomainName ?? '',
    targetsLoadBalancer,
    ...(header?.HeaderValue !== undefined ? { headerValue: header.HeaderValue } : {}),
  };
}

/**
 * Reads the listener (port, DefaultActions), all its rules (every DescribeRules page), the load
 * balancer's security groups, the CloudFront origin-facing prefix list ids and the distribution
 * (status and the secret header value of each origin, from one GetDistribution call so that status
 * and config belong to the same moment).
 */
export async function takeTrafficSnapshot(
  params: SnapshotParams,
  clients: SnapshotClients = {},
): Promise<TrafficSnapshot> {
  const region = params.region ?? 'us-east-1';
  const elbv2 = clients.elbv2 ?? new ElasticLoadBalancingV2Client({ region });
  const ec2 = clients.ec2 ?? new EC2Client({ region });
  const cloudfront = clients.cloudfront ?? new CloudFrontClient({ region: 'us-east-1' });

  const listeners = await elbv2.send(new DescribeListenersCommand({ ListenerArns: [params.listenerArn] }));
  const listener =
    listeners.Listeners?.find((l) => l.ListenerArn === params.listenerArn) ?? listeners.Listeners?.[0];
  if (listener === undefined) throw new Error(`listener ${params.listenerArn} not found`);
  if (listener.Port === undefined) throw new Error(`listener ${params.listenerArn} has no port`);

  const rules: Rule[] = [];
  let marker: string | undefined;
  do {
    const page = await elbv2.send(
      new DescribeRulesCommand({ ListenerArn: params.listenerArn, PageSize: 100, Marker: marker }),
    );
    rules.push(...(page.Rules ?? []));
    marker = page.NextMarker;
  } while (marker !== undefined && marker !== '');

  const loadBalancerArn = listener.LoadBalancerArn;
  if (loadBalancerArn === undefined) throw new Error(`listener ${params.listenerArn} has no load balancer`);
  const lbs = await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }));
  const lb = lbs.LoadBalancers?.[0];
  if (lb === undefined) throw new Error(`load balancer ${loadBalancerArn} not found`);
  // Every listener port: the lock keeps all of them closed to the internet.
  const all = await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
  const listenerPorts = [...new Set((all.Listeners ?? []).map((l) => l.Port ?? 0).filter((x) => x > 0))];

  const securityGroups: SecurityGroup[] = [];
  const groupIds = lb.SecurityGroups ?? [];
  if (groupIds.length > 0) {
    let token: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeSecurityGroupsCommand({ GroupIds: groupIds, NextToken: token }),
      );
      securityGroups.push(...(page.SecurityGroups ?? []));
      token = page.NextToken;
    } while (token !== undefined && token !== '');
  }

  const prefixListIds = new Map<string, string>();
  let plToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeManagedPrefixListsCommand({
        Filters: [
          {
            Name: 'prefix-list-name',
            Values: [CLOUDFRONT_PREFIX_LIST_NAMES.ipv4, CLOUDFRONT_PREFIX_LIST_NAMES.ipv6],
          },
        ],
        NextToken: plToken,
      }),
    );
    for (const list of page.PrefixLists ?? []) {
      if (list.PrefixListName !== undefined && list.PrefixListId !== undefined) {
        prefixListIds.set(list.PrefixListName, list.PrefixListId);
      }
    }
    plToken = page.NextToken;
  } while (plToken !== undefined && plToken !== '');
  const ipv4PrefixListId = prefixListIds.get(CLOUDFRONT_PREFIX_LIST_NAMES.ipv4);
  if (ipv4PrefixListId === undefined) {
    throw new Error(`managed prefix list ${CLOUDFRONT_PREFIX_LIST_NAMES.ipv4} not found in ${region}`);
  }
  const ipv6PrefixListId = prefixListIds.get(CLOUDFRONT_PREFIX_LIST_NAMES.ipv6);

  const dist = await cloudfront.send(new GetDistributionCommand({ Id: params.distributionId }));
  const distribution = dist.Distribution;
  if (distribution === undefined) throw new Error(`distribution ${params.distributionId} not found`);
  const origins = (distribution.DistributionConfig?.Origins?.Items ?? []).map((o) =>
    originState(o, params.headerName, params.originId, lb.DNSName),
  );

  return {
    listenerArn: params.listenerArn,
    loadBalancerArn,
    ...(lb.DNSName !== undefined ? { loadBalancerDnsName: lb.DNSName } : {}),
    ...(lb.IpAddressType !== undefined ? { loadBalancerIpAddressType: lb.IpAddressType } : {}),
    port: listener.Port,
    listenerPorts,
    ...(listener.Protocol !== undefined ? { protocol: listener.Protocol } : {}),
    defaultActions: listener.DefaultActions ?? [],
    rules,
    securityGroups,
    prefixLists: { ipv4PrefixListId, ...(ipv6PrefixListId !== undefined ? { ipv6PrefixListId } : {}) },
    headerName: params.headerName,
    distribution: {
      id: params.distributionId,
      status: distribution.Status ?? 'unknown',
      origins,
    },
  };
}
