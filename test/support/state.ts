import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients } from '../../src/aws/clients';
import { Fixture } from '../../bench/fixtures';

/** Everything the lock may touch, normalized so pre-lock and post-delete states compare equal. */
export async function captureState(clients: AwsClients, f: Fixture, listenerArn = f.listenerArn) {
  const listener = (await clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })))
    .Listeners?.[0];
  const rules =
    (await clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? [];
  const ruleArns = rules.filter((r) => !r.IsDefault).map((r) => r.RuleArn ?? '');
  const tags =
    (
      await clients.elbv2.send(
        new DescribeTagsCommand({ ResourceArns: [listenerArn, f.loadBalancerArn, ...ruleArns] }),
      )
    ).TagDescriptions ?? [];
  const groups =
    (await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [f.securityGroupId] })))
      .SecurityGroups ?? [];
  const lb = (
    await clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [f.loadBalancerArn] }))
  ).LoadBalancers?.[0];
  const dist = await clients.cloudfront.send(new GetDistributionConfigCommand({ Id: f.distributionId }));
  const sortBy = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
  return {
    // The load balancer's groups, in order: a group the lock attached is gone again.
    securityGroupIds: lb?.SecurityGroups ?? [],
    defaultActions: listener?.DefaultActions,
    rules: sortBy(
      rules
        .filter((r) => !r.IsDefault)
        .map((r) => ({ arn: r.RuleArn, priority: r.Priority, conditions: r.Conditions, actions: r.Actions })),
      (r) => r.arn ?? '',
    ),
    tags: sortBy(
      tags.map((t) => ({ arn: t.ResourceArn, tags: sortBy(t.Tags ?? [], (x) => x.Key ?? '') })),
      (t) => t.arn ?? '',
    ),
    ingress: sortBy(
      (groups[0]?.IpPermissions ?? []).map((p) => ({
        proto: p.IpProtocol,
        from: p.FromPort,
        to: p.ToPort,
        v4: sortBy(p.IpRanges ?? [], (r) => r.CidrIp ?? ''),
        v6: sortBy(p.Ipv6Ranges ?? [], (r) => r.CidrIpv6 ?? ''),
        pl: sortBy(p.PrefixListIds ?? [], (r) => r.PrefixListId ?? ''),
      })),
      (p) => JSON.stringify(p),
    ),
    origins: dist.DistributionConfig?.Origins?.Items?.map((o) => ({
      id: o.Id,
      headers: o.CustomHeaders?.Items ?? [],
      policy: o.CustomOriginConfig?.OriginProtocolPolicy,
    })),
  };
}
