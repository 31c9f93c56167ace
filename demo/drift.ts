import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients } from '../src/aws/clients';
import { Fixture } from '../bench/fixtures';

/** The two everyday ways a lock erodes: a "temporary" open port and a quick debugging route. */

export interface DriftChange {
  /** The equivalent AWS CLI command, as the person who made the change would have typed it. */
  command: string;
  run(clients: AwsClients): Promise<void>;
}

export const DEBUG_PATH = '/debug/*';
const DEBUG_PRIORITY = 20;

export function driftChanges(f: Fixture): DriftChange[] {
  return [
    {
      command: `aws ec2 authorize-security-group-ingress --group-id ${f.securityGroupId} --protocol tcp --port ${f.listenerPort} --cidr 0.0.0.0/0`,
      run: async (clients) => {
        await clients.ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: f.securityGroupId,
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: f.listenerPort,
                ToPort: f.listenerPort,
                IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'temporary: vendor test' }],
              },
            ],
          }),
        );
      },
    },
    {
      command: `aws elbv2 create-rule --listener-arn …/${f.listenerArn.split('/').pop()} --priority ${DEBUG_PRIORITY} --conditions Field=path-pattern,Values='${DEBUG_PATH}' --actions Type=forward,TargetGroupArn=…/${f.name}-tg`,
      run: async (clients) => {
        await clients.elbv2.send(
          new CreateRuleCommand({
            ListenerArn: f.listenerArn,
            Priority: DEBUG_PRIORITY,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [DEBUG_PATH] } }],
            Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
          }),
        );
      },
    },
  ];
}
