/**
 * The pure decisions behind the ownership preflight and the audit's ownership findings: which tags
 * name a system that reconciles a resource, which network interfaces are this load balancer's own,
 * what the refusals say, and that the look-ahead sees the revocations a later run makes.
 */
import type { NetworkInterface } from '@aws-sdk/client-ec2';
import { ownerTags, sharedGroup, vpcOrigin } from '../src/cli/audit/checks/ownership';
import { Observed } from '../src/engine/observed';
import { lookAhead, plan } from '../src/engine/plan/plan';
import { lockedResources } from '../src/engine/preflight';
import {
  describeUsers,
  loadBalancerInterfaceDescription,
  otherUsers,
  sharedGroupsMessage,
} from '../src/engine/rules/group-users';
import {
  distributionArn,
  reconciled,
  reconciledMessage,
  reconcilerOf,
  stackOf,
  stackOwnedMessage,
} from '../src/engine/rules/owners';
import { LockSpec } from '../src/engine/spec';
import { CF_V4, DISTRIBUTION_ID, LB_ARN, LB_DNS, LISTENER_ARN, SECRET_ARN, TG } from './support/arbitraries';
import { described } from './support/simulate';

const GROUP = 'sg-0a1b2c3d4e5f60718';
const LB_PATH = LB_ARN.split(':loadbalancer/')[1];

function observed(overrides: Partial<Observed> = {}): Observed {
  return described({
    listener: {
      arn: LISTENER_ARN,
      port: 80,
      protocol: 'HTTP',
      defaultActions: [{ Type: 'forward', TargetGroupArn: TG('app') }],
      tags: {},
    },
    loadBalancer: {
      arn: LB_ARN,
      type: 'application',
      ipAddressType: 'ipv4',
      dnsName: LB_DNS,
      securityGroupIds: [GROUP],
      tags: {},
    },
    rules: [],
    groups: [
      {
        groupId: GROUP,
        permissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        tags: {},
      },
    ],
    prefixLists: { v4: { id: CF_V4, weight: 55 }, weights: { [CF_V4]: 55 } },
    distributions: {
      [DISTRIBUTION_ID]: {
        id: DISTRIBUTION_ID,
        status: 'Deployed',
        origins: [
          {
            Id: 'alb',
            DomainName: LB_DNS,
            CustomHeaders: { Quantity: 0, Items: [] },
            CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' },
          },
        ],
      },
    },
    ...overrides,
  });
}

const spec: LockSpec = {
  ListenerArn: LISTENER_ARN,
  DistributionId: DISTRIBUTION_ID,
  SecretArn: SECRET_ARN,
  HeaderName: 'X-Origin-Verify',
  DenyResponse: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Forbidden' },
  Enforce: {
    SecurityGroup: true,
    ListenerRules: true,
    DenyDefault: true,
    OriginHeader: true,
    HttpsOrigin: false,
  },
};

const eni = (id: string, extra: Partial<NetworkInterface> = {}, groups = [GROUP]): NetworkInterface => ({
  NetworkInterfaceId: id,
  InterfaceType: 'interface',
  Groups: groups.map((GroupId) => ({ GroupId })),
  ...extra,
});

describe('reconcilerOf', () => {
  test.each([
    ['elbv2.k8s.aws/cluster', 'aws-load-balancer-controller'],
    ['ingress.k8s.aws/stack', 'aws-load-balancer-controller'],
    ['ingress.k8s.aws/resource', 'aws-load-balancer-controller'],
    ['service.k8s.aws/stack', 'aws-load-balancer-controller'],
    ['elasticbeanstalk:environment-name', 'elastic-beanstalk'],
    ['elasticbeanstalk:environment-id', 'elastic-beanstalk'],
  ])('%s names %s', (key, system) => {
    expect(reconcilerOf({ team: 'web', [key]: 'x' })).toEqual({ system, key });
  });

  test('ordinary tags, the lock’s own and CloudFormation’s name no reconciler', () => {
    expect(
      reconcilerOf({
        Name: 'web',
        'kubernetes.io/cluster/prod': 'owned',
        'acme:origin-lock:marker': 'x',
        'aws:cloudformation:stack-name': 'web',
      }),
    ).toBeUndefined();
  });

  test('the refusal names the resource, the tag and the tool’s own way to require the header', () => {
    const o = observed({
      loadBalancer: { ...observed().loadBalancer, tags: { 'elbv2.k8s.aws/cluster': 'prod' } },
    });
    const owned = reconciled(lockedResources(o, [GROUP]));
    expect(owned).toEqual([
      {
        kind: 'load balancer',
        id: LB_ARN,
        tag: { system: 'aws-load-balancer-controller', key: 'elbv2.k8s.aws/cluster' },
      },
    ]);
    const message = reconciledMessage(owned);
    expect(message).toContain(
      `load balancer ${LB_ARN} carries the tag 'elbv2.k8s.aws/cluster' of the AWS Load Balancer Controller for Kubernetes`,
    );
    expect(message).toContain('puts back its own listener rules and security groups');
    expect(message).toContain('alb.ingress.kubernetes.io/conditions.<service>');
    expect(message).toContain('"field":"http-header"');
    expect(message).toContain('Kubernetes secret');
    expect(message).toMatch(/Nothing was changed$/);
  });

  test('Beanstalk: the listener rule goes in .ebextensions (option settings only match hosts and paths)', () => {
    const o = observed({
      listener: { ...observed().listener, tags: { 'elasticbeanstalk:environment-name': 'web-prod' } },
    });
    const message = reconciledMessage(reconciled(lockedResources(o, [])));
    expect(message).toContain(
      `listener ${LISTENER_ARN} carries the tag 'elasticbeanstalk:environment-name' of Elastic Beanstalk`,
    );
    expect(message).toContain('aws:elbv2:listenerrule:<name>');
    expect(message).toContain('.ebextensions');
  });

  test('a group counts only when the lock writes in it', () => {
    const o = observed({
      groups: [{ ...observed().groups[0], tags: { 'service.k8s.aws/stack': 'ns/svc' } }],
    });
    expect(reconciled(lockedResources(o, []))).toEqual([]);
    expect(reconciled(lockedResources(o, [GROUP])).map((r) => [r.kind, r.id])).toEqual([
      ['security group', GROUP],
    ]);
  });
});

describe('stack-owned distributions', () => {
  test('stackOf reads the CloudFormation tag; the refusal names the stack and the way out', () => {
    expect(stackOf({ 'aws:cloudformation:stack-name': 'web' })).toBe('web');
    expect(stackOf({ Name: 'web' })).toBeUndefined();
    const message = stackOwnedMessage('E2QWRUHAPOMQZL', 'web');
    expect(message).toContain("distribution E2QWRUHAPOMQZL belongs to CloudFormation stack 'web'");
    expect(message).toContain('deny every request from CloudFront');
    expect(message).toContain('{{resolve:secretsmanager:');
    expect(message).toContain('Enforce.OriginHeader: false');
    expect(message).toContain('examples/stack-owned-distribution.yaml');
  });

  test('the distribution ARN follows the listener’s partition and account', () => {
    expect(distributionArn(LISTENER_ARN, 'E1')).toBe(
      `arn:aws:cloudfront::${LISTENER_ARN.split(':')[4]}:distribution/E1`,
    );
    expect(
      distributionArn(
        'arn:aws-cn:elasticloadbalancing:cn-north-1:210987654321:listener/app/a/0123456789abcdef/0123456789abcdef',
        'E1',
      ),
    ).toBe('arn:aws-cn:cloudfront::210987654321:distribution/E1');
  });
});

describe('otherUsers', () => {
  test('this load balancer’s interfaces are its own; everything else in the group is another user', () => {
    expect(loadBalancerInterfaceDescription(LB_ARN)).toBe(`ELB ${LB_PATH}`);
    const users = otherUsers(
      [GROUP],
      [
        eni('eni-own1', { Description: `ELB ${LB_PATH}` }),
        eni('eni-own2', { Description: `ELB ${LB_PATH}` }),
        eni('eni-i', { Description: 'Primary network interface', Attachment: { InstanceId: 'i-0abc' } }),
        eni('eni-alb', { Description: 'ELB app/other/0123456789abcdef' }),
        eni('eni-fn', { InterfaceType: 'lambda', Description: 'AWS Lambda VPC ENI-fn' }),
        eni('eni-x'),
        eni('eni-elsewhere', {}, ['sg-other']),
      ],
      LB_ARN,
    );
    expect(users).toEqual({
      [GROUP]: [
        { networkInterfaceId: 'eni-i', what: "instance i-0abc, 'Primary network interface'" },
        { networkInterfaceId: 'eni-alb', what: "'ELB app/other/0123456789abcdef'" },
        { networkInterfaceId: 'eni-fn', what: "type lambda, 'AWS Lambda VPC ENI-fn'" },
        { networkInterfaceId: 'eni-x', what: 'not attached' },
      ],
    });
  });

  test('a group only this load balancer uses is absent', () => {
    expect(otherUsers([GROUP], [eni('eni-own', { Description: `ELB ${LB_PATH}` })], LB_ARN)).toEqual({});
  });

  test('long lists are cut after five; the refusal names groups, users, the port and the flag', () => {
    const users = Array.from({ length: 7 }, (_, i) => ({
      networkInterfaceId: `eni-${i}`,
      what: 'not attached',
    }));
    expect(describeUsers(users)).toBe(
      'eni-0 (not attached), eni-1 (not attached), eni-2 (not attached), eni-3 (not attached), eni-4 (not attached) and 2 more',
    );
    const message = sharedGroupsMessage({ [GROUP]: users.slice(0, 1) }, 80);
    expect(message).toBe(
      `security group ${GROUP} is also used by eni-0 (not attached): revoking its open ingress on port 80 would close that port to them too. Give this load balancer a security group of its own (the others keep theirs), or set Enforce.SharedSecurityGroups: true to revoke it for all of them. Nothing was changed`,
    );
  });
});

describe('lookAhead', () => {
  test('before the barrier the plan stops at the wait, but the look-ahead already holds the revocation', () => {
    const input = { spec, observed: observed(), values: ['v'.repeat(32)] };
    const steps = plan(input);
    expect(steps.map((s) => s.kind)).toContain('await-deployed');
    expect(steps.some((s) => s.kind === 'revoke-ingress')).toBe(false);
    const ahead = lookAhead(input);
    expect(
      ahead.filter((s) => s.kind === 'revoke-ingress').map((s) => s.kind === 'revoke-ingress' && s.groupId),
    ).toEqual([GROUP]);
    expect(ahead.some((s) => s.kind === 'update-origins')).toBe(true);
  });
});

describe('audit ownership findings', () => {
  test('nothing to report: no finding at all', () => {
    const o = observed();
    expect(ownerTags(o, DISTRIBUTION_ID, { distributionTags: {}, interfaces: [] })).toBeUndefined();
    expect(sharedGroup(o, { distributionTags: {}, interfaces: [] })).toBeUndefined();
    expect(
      vpcOrigin([{ distributionId: DISTRIBUTION_ID, origin: { Id: 'alb', DomainName: LB_DNS } }]),
    ).toBeUndefined();
  });

  test('owner tags and a stack-owned distribution warn, naming what and why', () => {
    const o = observed({
      groups: [{ ...observed().groups[0], tags: { 'elbv2.k8s.aws/cluster': 'prod' } }],
    });
    const f = ownerTags(o, DISTRIBUTION_ID, {
      distributionTags: { 'aws:cloudformation:stack-name': 'web' },
      interfaces: [],
    });
    expect(f).toMatchObject({ control: 'owner-tags', status: 'warn', ids: [GROUP, DISTRIBUTION_ID] });
    expect(f?.reason).toContain(`security group ${GROUP} carries the tag 'elbv2.k8s.aws/cluster'`);
    expect(f?.reason).toContain(`distribution ${DISTRIBUTION_ID} belongs to CloudFormation stack 'web'`);
  });

  test('an unreadable tag set or interface list warns instead of failing the audit', () => {
    const facts = { distributionTags: 'AccessDenied: no', interfaces: 'UnauthorizedOperation: no' };
    expect(ownerTags(observed(), DISTRIBUTION_ID, facts)).toMatchObject({ status: 'warn' });
    expect(sharedGroup(observed(), facts)).toMatchObject({ status: 'warn', ids: [GROUP] });
  });

  test('a shared group warns with the group and the other interfaces', () => {
    const f = sharedGroup(observed(), {
      distributionTags: {},
      interfaces: [
        eni('eni-i', { Attachment: { InstanceId: 'i-1' } }),
        eni('eni-own', { Description: `ELB ${LB_PATH}` }),
      ],
    });
    expect(f).toMatchObject({ control: 'shared-group', status: 'warn', ids: [GROUP, 'eni-i'] });
    expect(f?.reason).toContain(`security group ${GROUP} is also used by eni-i (instance i-1)`);
    expect(f?.reason).toContain('Enforce.SharedSecurityGroups');
  });

  test('a VPC origin passes as private by design', () => {
    const f = vpcOrigin([
      {
        distributionId: DISTRIBUTION_ID,
        origin: { Id: 'alb', DomainName: LB_DNS, VpcOriginConfig: { VpcOriginId: 'vo_0123456789' } },
      },
    ]);
    expect(f).toEqual({
      control: 'vpc-origin',
      status: 'pass',
      reason: `origin alb of distribution ${DISTRIBUTION_ID} is the CloudFront VPC origin vo_0123456789: the load balancer is private by design and needs no lock`,
      ids: [DISTRIBUTION_ID, 'alb', 'vo_0123456789'],
    });
  });
});
