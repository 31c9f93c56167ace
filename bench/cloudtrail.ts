/**
 * EventBridge events shaped as CloudTrail delivers management API calls ("AWS API Call via CloudTrail",
 * eventVersion 1.08/1.09): requestParameters use each service's own field names (ELBv2 lower camel case
 * from the API members, EC2 the query API's names with `items` lists, CloudFront the REST names).
 * Shared by the guardian's tests and the demo's guardian chapter.
 */
import { randomUUID } from 'node:crypto';

export const ACCOUNT = '123456789012';
export const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const GUARDIAN_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/origin-lock-guardian-GuardianRole-ABC123`;

export interface Identity {
  type: 'IAMUser' | 'AssumedRole';
  arn: string;
  roleArn?: string;
}

export const user: Identity = { type: 'IAMUser', arn: USER_ARN };
export const guardianIdentity: Identity = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/origin-lock-guardian-GuardianRole-ABC123/origin-lock-guardian-Function`,
  roleArn: GUARDIAN_ROLE_ARN,
};

const SOURCE: Record<string, string> = {
  'elasticloadbalancing.amazonaws.com': 'aws.elasticloadbalancing',
  'ec2.amazonaws.com': 'aws.ec2',
  'cloudfront.amazonaws.com': 'aws.cloudfront',
};

export function cloudTrailEvent(
  eventSource: string,
  eventName: string,
  requestParameters: unknown,
  responseElements: unknown = null,
  identity: Identity = user,
  region = 'us-east-1',
) {
  const eventID = randomUUID();
  const userIdentity =
    identity.type === 'IAMUser'
      ? {
          type: 'IAMUser',
          principalId: 'AIDAEXAMPLE',
          arn: identity.arn,
          accountId: ACCOUNT,
          userName: 'alice',
        }
      : {
          type: 'AssumedRole',
          principalId: 'AROAEXAMPLE:origin-lock-guardian-Function',
          arn: identity.arn,
          accountId: ACCOUNT,
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: 'AROAEXAMPLE',
              arn: identity.roleArn,
              accountId: ACCOUNT,
              userName: identity.roleArn?.split('/').pop(),
            },
            attributes: { creationDate: '2026-11-30T06:00:00Z', mfaAuthenticated: 'false' },
          },
        };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: SOURCE[eventSource],
    account: ACCOUNT,
    time: '2026-11-30T07:00:00Z',
    region,
    resources: [] as string[],
    detail: {
      eventVersion: '1.09',
      userIdentity,
      eventTime: '2026-11-30T07:00:00Z',
      eventSource,
      eventName,
      awsRegion: region,
      sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-cli/2.17.0',
      requestParameters,
      responseElements,
      requestID: randomUUID(),
      eventID,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
  };
}

export const scheduledEvent = () => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: '2026-11-30T07:15:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:events:us-east-1:${ACCOUNT}:rule/origin-lock-guardian-Sweep`],
  detail: {},
});

/** The CloudTrail event of an ELBv2 CreateRule call that added a forwarding rule matching a path. */
export function createRuleEvent(
  rule: { listenerArn: string; ruleArn: string; priority: number; path: string; targetGroupArn: string },
  identity: Identity = user,
) {
  return cloudTrailEvent(
    'elasticloadbalancing.amazonaws.com',
    'CreateRule',
    {
      listenerArn: rule.listenerArn,
      priority: rule.priority,
      conditions: [{ field: 'path-pattern', pathPatternConfig: { values: [rule.path] } }],
      actions: [{ type: 'forward', targetGroupArn: rule.targetGroupArn }],
    },
    { rules: [{ ruleArn: rule.ruleArn, priority: String(rule.priority), isDefault: false }] },
    identity,
  );
}
