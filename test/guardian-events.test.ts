import { madeBy, parseEvent } from '../src/guardian/events';
import {
  ACCOUNT,
  cloudTrailEvent,
  GUARDIAN_ROLE_ARN,
  guardianIdentity,
  scheduledEvent,
} from '../bench/cloudtrail';

const LB = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188`;
const LISTENER = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const RULE = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const ELB = 'elasticloadbalancing.amazonaws.com';

const targets = (event: unknown) => {
  const r = parseEvent(event);
  if (r.kind !== 'change') throw new Error(`not a change: ${JSON.stringify(r)}`);
  return r.targets;
};

test.each([
  ['ModifyRule', { ruleArn: RULE, conditions: [] }],
  ['DeleteRule', { ruleArn: RULE }],
  ['SetRulePriorities', { rulePriorities: [{ ruleArn: RULE, priority: 3 }] }],
  ['AddTags', { resourceArns: [LISTENER], tags: [{ key: 'team', value: 'web' }] }],
])('%s names the listener of the rule or resource', (name, params) => {
  expect(targets(cloudTrailEvent(ELB, name, params)).listenerArns).toEqual([LISTENER]);
});

test('CreateListener and RemoveTags on a load balancer name the load balancer', () => {
  expect(
    targets(cloudTrailEvent(ELB, 'CreateListener', { loadBalancerArn: LB, port: 8080 })).loadBalancerArns,
  ).toEqual([LB]);
  expect(
    targets(
      cloudTrailEvent(ELB, 'RemoveTags', { resourceArns: [LB], tagKeys: ['acme:origin-lock:listeners'] }),
    ).loadBalancerArns,
  ).toEqual([LB]);
});

test('EC2 calls name the security groups, whatever the request wrapping', () => {
  const ec2 = 'ec2.amazonaws.com';
  expect(
    targets(
      cloudTrailEvent(ec2, 'ModifySecurityGroupRules', {
        ModifySecurityGroupRulesRequest: {
          GroupId: 'sg-0a1b2c3d4e5f60718',
          SecurityGroupRule: {
            SecurityGroupRuleId: 'sgr-0123456789abcdef0',
            SecurityGroupRule: { CidrIpv4: '0.0.0.0/0' },
          },
        },
      }),
    ).securityGroupIds,
  ).toEqual(['sg-0a1b2c3d4e5f60718']);
  expect(
    targets(
      cloudTrailEvent(ec2, 'ModifyNetworkInterfaceAttribute', {
        networkInterfaceId: 'eni-0123456789abcdef0',
        groupSet: { items: [{ groupId: 'sg-0a1b2c3d4e5f60718' }, { groupId: 'sg-00000000000000001' }] },
      }),
    ).securityGroupIds,
  ).toEqual(['sg-00000000000000001', 'sg-0a1b2c3d4e5f60718']);
});

test('UpdateDistribution names the distribution by its id', () => {
  const event = cloudTrailEvent('cloudfront.amazonaws.com', 'UpdateDistribution', {
    id: 'E1A2B3C4D5E6F7',
    ifMatch: 'E2QWRUHEXAMPLE',
    distributionConfig: {},
  });
  expect(targets(event).distributionIds).toEqual(['E1A2B3C4D5E6F7']);
});

test('the schedule is a sweep; unwatched and read-only calls are ignored', () => {
  expect(parseEvent(scheduledEvent())).toMatchObject({ kind: 'sweep', trigger: { kind: 'schedule' } });
  expect(parseEvent(cloudTrailEvent(ELB, 'DescribeRules', { listenerArn: LISTENER }))).toMatchObject({
    kind: 'ignored',
  });
  expect(parseEvent(cloudTrailEvent(ELB, 'ModifyListener', { port: 80 }))).toMatchObject({ kind: 'ignored' });
});

test("the guardian's own assumed role is recognised by its issuer or its assumed-role ARN", () => {
  const request = parseEvent(
    cloudTrailEvent(ELB, 'ModifyListener', { listenerArn: LISTENER }, null, guardianIdentity),
  );
  if (request.kind !== 'change') throw new Error('expected a change');
  expect(madeBy(request, [GUARDIAN_ROLE_ARN])).toBe(true);
  expect(madeBy({ trigger: request.trigger }, [GUARDIAN_ROLE_ARN])).toBe(true);
  expect(madeBy(request, [`arn:aws:iam::${ACCOUNT}:role/someone-else`])).toBe(false);
  expect(madeBy(request, [])).toBe(false);
});
