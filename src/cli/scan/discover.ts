import { DistributionSummary, Origin, paginateListDistributions } from '@aws-sdk/client-cloudfront';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  Listener,
  LoadBalancer,
  paginateDescribeLoadBalancers,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients } from '../../aws/clients';

/** The read side of the scan: distributions, their ALB origins, and each region's load balancers. */

/** `name-123.eu-west-1.elb.amazonaws.com`, optionally `dualstack.`-prefixed: the region is in the name. */
const ELB_DNS = /^(?:dualstack\.)?[a-z0-9-]+\.([a-z]{2}(?:-[a-z]+)+-\d)\.elb\.amazonaws\.com\.?$/i;

export function elbRegion(domainName: string): string | undefined {
  return ELB_DNS.exec(domainName)?.[1]?.toLowerCase();
}

/** The DNS name a load balancer answers to, whatever prefix or case the origin spells it with. */
export const canonicalDns = (domainName: string): string =>
  domainName
    .toLowerCase()
    .replace(/^dualstack\./, '')
    .replace(/\.$/, '');

export interface AlbOrigin {
  distributionId: string;
  distributionArn: string;
  origin: Origin;
  /** The region the origin's DNS name names. */
  region: string;
  dnsName: string;
}

export interface DistributionScan {
  /** Every distribution listed (after --distribution-id). */
  distributions: DistributionSummary[];
  albOrigins: AlbOrigin[];
}

/**
 * The regions the account has enabled, sorted: EC2 DescribeRegions without AllRegions answers exactly
 * those (one call, `ec2:DescribeRegions`). The opt-in status is checked as well, so an answer that
 * also lists regions the account has not opted in to (moto's does) never makes the scan read them.
 */
export async function enabledRegions(clients: AwsClients): Promise<string[]> {
  const out = await clients.ec2.send(new DescribeRegionsCommand({}));
  return (out.Regions ?? [])
    .filter((r) => r.OptInStatus !== 'not-opted-in')
    .map((r) => r.RegionName ?? '')
    .filter((name) => name !== '')
    .sort();
}

/** Every distribution, one ListDistributions page at a time (CloudFront is global). */
export async function listAlbOrigins(clients: AwsClients, only?: string): Promise<DistributionScan> {
  const distributions: DistributionSummary[] = [];
  for await (const page of paginateListDistributions({ client: clients.cloudfront }, {})) {
    for (const d of page.DistributionList?.Items ?? []) if (!only || d.Id === only) distributions.push(d);
  }
  const albOrigins: AlbOrigin[] = [];
  for (const d of distributions) {
    for (const origin of d.Origins?.Items ?? []) {
      const region = elbRegion(origin.DomainName ?? '');
      if (!region || !(origin.CustomOriginConfig || origin.VpcOriginConfig)) continue;
      albOrigins.push({
        distributionId: d.Id ?? '',
        distributionArn: d.ARN ?? '',
        origin,
        region,
        dnsName: canonicalDns(origin.DomainName ?? ''),
      });
    }
  }
  return { distributions, albOrigins };
}

/** A region's Application Load Balancers by DNS name: one paginated DescribeLoadBalancers per region. */
export async function loadBalancersByDns(clients: AwsClients): Promise<Map<string, LoadBalancer>> {
  const byDns = new Map<string, LoadBalancer>();
  for await (const page of paginateDescribeLoadBalancers({ client: clients.elbv2 }, {})) {
    for (const lb of page.LoadBalancers ?? []) {
      if (lb.Type === 'application' && lb.DNSName) byDns.set(canonicalDns(lb.DNSName), lb);
    }
  }
  return byDns;
}

/** A load balancer's listeners (at most 50 per load balancer: one page). */
export async function listenersOf(clients: AwsClients, loadBalancerArn: string): Promise<Listener[]> {
  const out = await clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
  return out.Listeners ?? [];
}
