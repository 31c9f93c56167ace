import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateRuleCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { buildFixture, Fixture, FixtureOptions } from '../bench/fixtures';
import { markerIds, markerTags } from '../src/engine/record';
import { createCounted as createCountedThrough, useEmulatedBench } from './support/emulated-bench';
import { withFiveGroups } from './support/security-groups';

/**
 * Every AWS limit the lock depends on is checked before its first write: a lock that cannot finish
 * fails with nothing written, naming the resource, the limit and its number. The emulator enforces the
 * same limits in front of moto, so a check the lock missed would surface as a half-applied CREATE.
 */

const bench = useEmulatedBench();

const createCounted = (f: Fixture, extra: Record<string, unknown> = {}) =>
  createCountedThrough(bench, f, extra);

const fixture = (options: FixtureOptions = {}) => buildFixture(options);
const tags = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ Key: `${prefix}-${i}`, Value: 'x' }));

test('a load balancer at 100 rules: ServiceLimitExceeded naming it, 100 and where the number came from', async () => {
  const f = await fixture();
  const other = await bench.direct.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: f.loadBalancerArn,
      Protocol: 'HTTP',
      Port: 8081,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
    }),
  );
  for (let i = 1; i <= 100; i++) {
    await bench.direct.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: other.Listeners?.[0]?.ListenerArn,
        Priority: i,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/r${i}`] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
      }),
    );
  }
  const { out, writes } = await createCounted(f);
  expect(out.errorCode).toBe('ServiceLimitExceeded');
  expect(out.message).toContain(f.loadBalancerArn);
  expect(out.message).toMatch(
    /has 100 rules .*rules per Application Load Balancer quota of 100 \(.*read from DescribeAccountLimits\)/,
  );
  expect(writes).toEqual([]);
});

test('a forwarding rule without room for two header values is refused (rotation could never fit)', async () => {
  const f = await fixture({ extraRules: ['host'] });
  await bench.direct.elbv2.send(
    new ModifyRuleCommand({
      RuleArn: f.ruleArns.host,
      Conditions: [
        { Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com', 'api2.example.com'] } },
        // Regex values count like plain ones.
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/*'], RegexValues: ['^/v[23]/'] } },
      ],
    }),
  );
  const { out, writes } = await createCounted(f);
  expect(out.errorCode).toBe('InvalidRequest');
  expect(out.message).toContain(f.ruleArns.host);
  expect(out.message).toMatch(
    /uses 4 condition values; guarding it needs room for 2 header values.*limit of 5/,
  );
  expect(writes).toEqual([]);
});

test('a listener whose own tags leave no room for the record: ServiceLimitExceeded, nothing written', async () => {
  const f = await fixture();
  await bench.direct.elbv2.send(
    new AddTagsCommand({ ResourceArns: [f.listenerArn], Tags: tags(49, 'team') }),
  );
  const { out, writes } = await createCounted(f);
  expect(out.errorCode).toBe('ServiceLimitExceeded');
  expect(out.message).toMatch(
    /ListenerArn: the listener has 49 tags of its own .* limit of 50 tags per resource/,
  );
  expect(writes).toEqual([]);
});

test('a load balancer with 50 tags has no room for the marker: refused before any write', async () => {
  const f = await fixture();
  await bench.direct.elbv2.send(
    new AddTagsCommand({ ResourceArns: [f.loadBalancerArn], Tags: tags(50, 'cost') }),
  );
  const { out, writes } = await createCounted(f);
  expect(out.errorCode).toBe('ServiceLimitExceeded');
  expect(out.message).toMatch(/the load balancer has 50 tags and the lock's marker .* needs 1 more/);
  expect(writes).toEqual([]);
});

test('a forwarding rule with 50 tags is guarded all the same: the lock names its rules in its record, not in rule tags', async () => {
  const f = await fixture({ extraRules: ['host'] });
  const host = f.ruleArns.host ?? '';
  await bench.direct.elbv2.send(new AddTagsCommand({ ResourceArns: [host], Tags: tags(50, 'k') }));
  const { out } = await createCounted(f);
  expect(out.status).toBe('SUCCESS');
  expect((out.model as { GuardedRuleArns?: string[] }).GuardedRuleArns).toContain(host);
});

test('an origin with 10 custom headers: the 11th is over the CloudFront quota, refused before any write', async () => {
  const headers = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`X-H${i}`, `v${i}`]));
  const f = await fixture({ originCustomHeaders: headers });
  const { out, writes } = await createCounted(f);
  expect(out.errorCode).toBe('ServiceLimitExceeded');
  expect(out.message).toMatch(
    /origin 'alb' of distribution \w+ already has 10 custom headers .*custom headers per CloudFront origin quota of 10/,
  );
  expect(writes).toEqual([]);
});

test('security-group references count in both address families: a dualstack lock is refused for IPv6 room', async () => {
  // IPv4: 4 references + 0.0.0.0/0 + 55 = 60 fits; IPv6: 4 references + ::/0 + one range + 55 = 61 does not.
  const f = await fixture({ dualstack: true, ipv6Ingress: true });
  const peers = [];
  for (let i = 0; i < 4; i++) {
    const g = await bench.direct.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `peer-${i}`, Description: 'peer', VpcId: f.vpcId }),
    );
    peers.push({ GroupId: g.GroupId });
  }
  await bench.direct.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: f.securityGroupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 9000, ToPort: 9000, UserIdGroupPairs: peers },
        { IpProtocol: 'tcp', FromPort: 9001, ToPort: 9001, Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }] },
      ],
    }),
  );
  // No room for a group of the lock's own either (it falls back to one otherwise).
  await withFiveGroups(bench.direct, f);
  const { out, writes } = await createCounted(f);
  expect(out.errorCode).toBe('ServiceLimitExceeded');
  expect(out.message).toMatch(
    /IPv6 inbound rules .* needs 61, over the inbound rules per security group quota of 60 \(Service Quotas vpc\/L-0EA8095F; read from Service Quotas\)/,
  );
  expect(writes).toEqual([]);
});

test('Service Quotas not permitted: the documented default stands and the refusal says so', async () => {
  const f = await fixture();
  await bench.direct.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: f.securityGroupId,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 9000,
          ToPort: 9000,
          IpRanges: [1, 2, 3, 4, 5, 6].map((i) => ({ CidrIp: `10.9.${i}.0/24` })),
        },
      ],
    }),
  );
  await withFiveGroups(bench.direct, f);
  bench.emulator.inject({ kind: 'deny', operation: 'GetServiceQuota' });
  const { out, writes } = await createCounted(f);
  expect(out.errorCode).toBe('ServiceLimitExceeded');
  expect(out.message).toMatch(
    /quota of 60 \(.*the documented default; the account's value could not be read \(AccessDeniedException\)\)/,
  );
  expect(writes).toEqual([]);
});

test('an authenticate-oidc default action cannot be copied (no ClientSecret from AWS): refused before any write', async () => {
  const f = await fixture();
  await bench.direct.elbv2.send(
    new ModifyListenerCommand({
      ListenerArn: f.listenerArn,
      DefaultActions: [
        {
          Type: 'authenticate-oidc',
          Order: 1,
          AuthenticateOidcConfig: {
            Issuer: 'https://idp.example.com',
            AuthorizationEndpoint: 'https://idp.example.com/auth',
            TokenEndpoint: 'https://idp.example.com/token',
            UserInfoEndpoint: 'https://idp.example.com/userinfo',
            ClientId: 'client',
            ClientSecret: 'not-returned-by-aws',
          },
        },
        { Type: 'forward', Order: 2, TargetGroupArn: f.targetGroupArn },
      ],
    }),
  );
  const { out, writes } = await createCounted(f);
  expect(out.errorCode).toBe('InvalidRequest');
  expect(out.message).toMatch(/default action authenticates with OIDC/);
  expect(writes).toEqual([]);
  // Without the catch-all (only the security group and the origin header) the lock has nothing to copy.
  const { out: narrow } = await createCounted(f, {
    Enforce: { ListenerRules: false, DenyDefault: false, OriginHeader: true },
  });
  expect(narrow.status).toBe('SUCCESS');
});

test('the load balancer marker holds every locked listener, split over as many tags as it needs', () => {
  const ids = Array.from({ length: 40 }, (_, i) => i.toString(16).padStart(16, 'a'));
  const tags = markerTags(ids);
  expect(Object.keys(tags)).toEqual([
    'acme:origin-lock:listeners',
    'acme:origin-lock:listeners:1',
    'acme:origin-lock:listeners:2',
  ]);
  for (const v of Object.values(tags)) expect(v.length).toBeLessThanOrEqual(255);
  expect(markerIds({ ...tags, unrelated: 'x' })).toEqual(ids);
});
