import { DescribeAccountLimitsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { Quota, QUOTA_INFO, QuotaName } from '../engine/limits';
import { AwsClients } from './clients';

/**
 * The account's applied value of an adjustable quota. Read only when a plan would exceed the documented
 * default (a quota is never below it), so a lock within the defaults makes no call here. When the API is
 * not reachable or not permitted, the default stands and the refusal says so.
 */
export async function readQuota(clients: AwsClients, name: QuotaName): Promise<Quota> {
  const fallback = (why: string): Quota => ({
    value: QUOTA_INFO[name].default,
    source: `the documented default; ${why}`,
  });
  try {
    switch (name) {
      case 'rulesPerSecurityGroup': {
        const out = await clients.quotas.send(
          new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-0EA8095F' }),
        );
        const value = out.Quota?.Value;
        return value
          ? { value, source: 'read from Service Quotas' }
          : fallback('Service Quotas gave no value');
      }
      case 'rulesPerLoadBalancer': {
        const out = await clients.elbv2.send(new DescribeAccountLimitsCommand({}));
        const max = out.Limits?.find((l) => l.Name === 'rules-per-application-load-balancer')?.Max;
        return max
          ? { value: Number(max), source: 'read from DescribeAccountLimits' }
          : fallback('ELB gave no value');
      }
      case 'customHeadersPerOrigin':
        return fallback('no API reports this quota');
    }
  } catch (e) {
    const why = (e as { name?: string }).name ?? 'error';
    return fallback(`the account's value could not be read (${why})`);
  }
}
