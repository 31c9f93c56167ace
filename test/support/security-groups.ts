import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { SetSecurityGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients } from '../../src/aws/clients';
import { Fixture } from '../../bench/fixtures';

/**
 * Gives the fixture's load balancer the most security groups it can have (5): its own plus four with no
 * room for a prefix list (10 rules on a port no listener uses), so a lock without room for the prefix
 * lists in its group cannot put them in another group, nor fall back to a group of its own.
 */
export async function withFiveGroups(clients: AwsClients, f: Fixture): Promise<string[]> {
  const ids = [f.securityGroupId];
  for (let i = 1; i < 5; i++) {
    const g = await clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `spare-${i}`, Description: 'spare', VpcId: f.vpcId }),
    );
    ids.push(g.GroupId ?? '');
    await clients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: g.GroupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 9100,
            ToPort: 9100,
            IpRanges: Array.from({ length: 10 }, (_, n) => ({ CidrIp: `10.8.${n}.0/24` })),
            Ipv6Ranges: Array.from({ length: 10 }, (_, n) => ({ CidrIpv6: `2001:db8:${n}::/48` })),
          },
        ],
      }),
    );
  }
  await clients.elbv2.send(
    new SetSecurityGroupsCommand({ LoadBalancerArn: f.loadBalancerArn, SecurityGroups: ids }),
  );
  return ids;
}
