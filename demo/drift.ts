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

/** A forwarding rule without the header condition: what a quick debugging session adds. */
export interface DebugRoute {
  path: string;
  priority: number;
  command: string;
  /** Creates the rule and returns its ARN. */
  add(clients: AwsClients): Promise<string>;
}

export function debugRoute(f: Fixture, path = DEBUG_PATH, priority = DEBUG_PRIORITY): DebugRoute {
  return {
    path,
    priority,
    command: `aws elbv2 create-rule --listener-arn …/${f.listenerArn.split('/').pop()} --priority ${priority} --conditions Field=path-pattern,Values='${path}' --actions Type=forward,TargetGroupArn=…/${f.name}-tg`,
    add: async (clients) => {
      const out = await clients.elbv2.send(
        new CreateRuleCommand({
          ListenerArn: f.listenerArn,
          Priority: priority,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [path] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
        }),
      );
      const arn = out.Rules?.[0]?.RuleArn;
      if (!arn) throw new Error('CreateRule returned no rule ARN');
      return arn;
    },
  };
}

export function driftChanges(f: Fixture): DriftChange[] {
  const route = debugRoute(f);
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
      command: route.command,
      run: async (clients) => {
        await route.add(clients);
      },
    },
  ];
}
