/**
 * Example-based tests of the pure planner: a converged lock plans nothing, and the refusals that must
 * come before any write (missing prefix list, no room for the header condition, security-group quota).
 */
import type { IpPermission } from '@aws-sdk/client-ec2';
import { LockError } from '../src/engine/errors';
import { Observed } from '../src/engine/observed';
import { plan, PlanInput } from '../src/engine/plan/plan';
import { EnforceFlags, LockSpec } from '../src/engine/spec';
import {
  CF_V4,
  CF_V6,
  DISTRIBUTION_ID,
  LB_ARN,
  LB_DNS,
  LISTENER_ARN,
  RULE_PREFIX,
  SECRET_ARN,
  TG,
} from './support/arbitraries';
import { applyToObserved, convergeInMemory, described } from './support/simulate';

const VALUE = 'k3n9x0q2m4v7b1c8z5l6w0e2r4t6y8u0';
const RULE_ARN = `${RULE_PREFIX}/0000000000000007`;

const open = (port: number, cidr = '0.0.0.0/0'): IpPermission => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  IpRanges: [{ CidrIp: cidr }],
});

function observed(overrides: Partial<Observed> = {}): Observed {
  return described({
    listener: {
      arn: LISTENER_ARN,
      port: 443,
      protocol: 'HTTPS',
      defaultActions: [{ Type: 'forward', TargetGroupArn: TG('app') }],
      tags: {},
    },
    loadBalancer: {
      arn: LB_ARN,
      type: 'application',
      ipAddressType: 'ipv4',
      dnsName: LB_DNS,
      securityGroupIds: ['sg-0a1b2c3d4e5f60718'],
      tags: {},
    },
    rules: [
      {
        arn: RULE_ARN,
        priority: 7,
        conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } }],
        actions: [{ Type: 'forward', TargetGroupArn: TG('api') }],
      },
    ],
    groups: [{ groupId: 'sg-0a1b2c3d4e5f60718', permissions: [open(443)] }],
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
            CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'match-viewer' },
          },
        ],
      },
    },
    ...overrides,
  });
}

const ALL: EnforceFlags = {
  SecurityGroup: true,
  ListenerRules: true,
  DenyDefault: true,
  OriginHeader: true,
  HttpsOrigin: true,
};

function lockSpec(enforce: Partial<EnforceFlags> = {}): LockSpec {
  return {
    ListenerArn: LISTENER_ARN,
    DistributionId: DISTRIBUTION_ID,
    SecretArn: SECRET_ARN,
    HeaderName: 'X-Origin-Verify',
    DenyResponse: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Forbidden' },
    Enforce: { ...ALL, ...enforce },
  };
}

/** The LockError `plan` throws (fails the test when it returns steps instead). */
function planError(input: PlanInput): LockError {
  let steps;
  try {
    steps = plan(input);
  } catch (e) {
    expect(e).toBeInstanceOf(LockError);
    return e as LockError;
  }
  throw new Error(`expected a LockError, got ${steps.length} steps: ${steps.map((s) => s.kind).join(', ')}`);
}

describe('plan', () => {
  test.each([
    ['everything', {}],
    [
      'security group only',
      { ListenerRules: false, DenyDefault: false, OriginHeader: false, HttpsOrigin: false },
    ],
    ['rules and header, no deny', { DenyDefault: false, HttpsOrigin: false }],
  ])('a converged lock (%s) plans no steps', (_label, enforce: Partial<EnforceFlags>) => {
    const spec = lockSpec(enforce);
    const run = convergeInMemory(observed(), spec, [VALUE], 6);
    expect(run.converged).toBe(true);
    expect(plan({ spec, observed: run.final, values: [VALUE] })).toEqual([]);
  });

  test('the first plan records the lock before it changes anything and waits for the stamped origin', () => {
    const steps = plan({ spec: lockSpec(), observed: observed(), values: [VALUE] });
    expect(steps[0].kind).toBe('write-record');
    expect(steps[steps.length - 1]).toEqual({ kind: 'await-deployed', distributionIds: [DISTRIBUTION_ID] });
    // Nothing narrows before the header is deployed: no deny, no revoke, no guard.
    expect(steps.map((s) => s.kind)).not.toEqual(expect.arrayContaining(['set-default-actions']));
    expect(steps.map((s) => s.kind)).not.toEqual(expect.arrayContaining(['revoke-ingress']));
    // The simulator applies the steps up to the wait: the origin now sends the header, InProgress.
    const after = applyToObserved(observed(), steps, { deploy: 'stop' });
    expect(after.distributions[DISTRIBUTION_ID]?.status).toBe('InProgress');
  });

  test('a missing CloudFront IPv4 prefix list is NotFound, naming the list', () => {
    const o = observed({ prefixLists: { weights: {} } });
    const e = planError({ spec: lockSpec(), observed: o, values: [VALUE] });
    expect(e.code).toBe('NotFound');
    expect(e.message).toContain('com.amazonaws.global.cloudfront.origin-facing');
  });

  test('a dualstack load balancer without the IPv6 list is NotFound, naming that list', () => {
    const o = observed();
    o.loadBalancer.ipAddressType = 'dualstack';
    const e = planError({ spec: lockSpec(), observed: o, values: [VALUE] });
    expect(e.code).toBe('NotFound');
    expect(e.message).toContain('com.amazonaws.global.ipv6.cloudfront.origin-facing');
    o.prefixLists = {
      v4: { id: CF_V4, weight: 55 },
      v6: { id: CF_V6, weight: 55 },
      weights: { [CF_V4]: 55, [CF_V6]: 55 },
    };
    expect(() => plan({ spec: lockSpec(), observed: o, values: [VALUE] })).not.toThrow();
  });

  test('a forwarding rule with 5 condition values is InvalidRequest naming the rule', () => {
    const o = observed({
      rules: [
        {
          arn: RULE_ARN,
          priority: 7,
          conditions: [
            {
              Field: 'host-header',
              HostHeaderConfig: { Values: ['a.example.com', 'b.example.com', 'c.example.com'] },
            },
            { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*', '/v2/*'] } },
          ],
          actions: [{ Type: 'forward', TargetGroupArn: TG('api') }],
        },
      ],
    });
    const e = planError({ spec: lockSpec(), observed: o, values: [VALUE] });
    expect(e.code).toBe('InvalidRequest');
    expect(e.message).toContain(RULE_ARN);
    expect(e.message).toContain('priority 7');
    // Without ListenerRules the rule is not guarded, so it is no obstacle.
    expect(() =>
      plan({ spec: lockSpec({ ListenerRules: false }), observed: o, values: [VALUE] }),
    ).not.toThrow();
    // A rule that does not forward needs no guard either.
    o.rules[0].actions = [
      {
        Type: 'fixed-response',
        FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' },
        Order: 1,
      },
    ];
    expect(() => plan({ spec: lockSpec(), observed: o, values: [VALUE] })).not.toThrow();
  });

  test('the prefix list goes into one group with room; with no room anywhere, a group of the lock’s own; with no room for that either: ServiceLimitExceeded before any step', () => {
    const full: IpPermission[] = Array.from({ length: 10 }, (_, i) => open(8000 + i, `10.0.${i}.0/24`));
    const o = observed({
      // The first group is full, the second has room: one group suffices, so the list goes there.
      groups: [
        { groupId: 'sg-0ffee0000000000bb', permissions: full },
        { groupId: 'sg-0a1b2c3d4e5f60718', permissions: [open(443)] },
      ],
    });
    o.loadBalancer.securityGroupIds = ['sg-0ffee0000000000bb', 'sg-0a1b2c3d4e5f60718'];
    const steps = plan({ spec: lockSpec(), observed: o, values: [VALUE] });
    const admits = steps.filter((s) => s.kind === 'authorize-ingress' && s.permission.PrefixListId);
    expect(admits.map((s) => (s.kind === 'authorize-ingress' ? s.groupId : ''))).toEqual([
      'sg-0a1b2c3d4e5f60718',
    ]);
    // Both full: the lock creates a group of its own in the VPC, and closes nothing until it is attached.
    o.groups[1].permissions = full;
    o.loadBalancer.vpcId = 'vpc-0123456789abcdef0';
    const fallback = plan({ spec: lockSpec(), observed: o, values: [VALUE] });
    expect(fallback.filter((s) => s.kind === 'create-security-group')).toEqual([
      {
        kind: 'create-security-group',
        name: `origin-lock-${LISTENER_ARN.split('/').pop()}`,
        vpcId: 'vpc-0123456789abcdef0',
        listenerId: LISTENER_ARN.split('/').pop(),
      },
    ]);
    expect(fallback.filter((s) => s.kind === 'revoke-ingress')).toEqual([]);
    // And the load balancer already has the most groups it can have: refused, naming the group, its
    // count and the quota, and the group limit, before any step.
    o.loadBalancer.securityGroupIds = [...o.loadBalancer.securityGroupIds, 'sg-3', 'sg-4', 'sg-5'];
    const e = planError({ spec: lockSpec(), observed: o, values: [VALUE] });
    expect(e.message).toContain('5 security groups');
    expect(e.code).toBe('ServiceLimitExceeded');
    expect(e.message).toContain('sg-0ffee0000000000bb');
    expect(e.message).toContain('no other group of the load balancer has room: sg-0a1b2c3d4e5f60718');
    expect(e.message).toContain('L-0EA8095F');
  });
});
