import type { Action, Rule, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { parseIp } from '../src/engine/rules/cidr';
import { isOpenCidr as isAnyoneCidr } from '../src/engine/rules/ingress';
import {
  captureRouting,
  checkNoOutage,
  cidrContains,
  evaluateIngress,
  evaluateRules,
  expectForward,
  expectNoOutage,
  NoOutageViolation,
  OracleEvaluationError,
  outcomeOf,
  simulateRequest,
  wildcardMatch,
  type NoOutageExpectations,
  type TrafficSnapshot,
} from './support/oracle';
import { takeTrafficSnapshot } from './support/traffic-snapshot';

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

const TG = (name: string): string =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const RULE = (n: number | string): string =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/lb/0123456789abcdef/0123456789abcdef/${n}`;
const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/0123456789abcdef/fedcba9876543210';

const forward = (name: string, order?: number): Action => ({
  Type: 'forward',
  TargetGroupArn: TG(name),
  ...(order !== undefined ? { Order: order } : {}),
});
const fixed = (statusCode = '403'): Action => ({
  Type: 'fixed-response',
  FixedResponseConfig: { StatusCode: statusCode, ContentType: 'text/plain', MessageBody: 'Forbidden' },
});
const rule = (
  priority: number,
  conditions: RuleCondition[],
  actions: Action[],
  arn = RULE(priority),
): Rule => ({
  RuleArn: arn,
  Priority: String(priority),
  Conditions: conditions,
  Actions: actions,
  IsDefault: false,
});
const defaultRule = (actions: Action[]): Rule => ({
  RuleArn: RULE('default'),
  Priority: 'default',
  Conditions: [],
  Actions: actions,
  IsDefault: true,
});
const host = (...values: string[]): RuleCondition => ({
  Field: 'host-header',
  HostHeaderConfig: { Values: values },
});
const path = (...values: string[]): RuleCondition => ({
  Field: 'path-pattern',
  PathPatternConfig: { Values: values },
});
const header = (name: string, ...values: string[]): RuleCondition => ({
  Field: 'http-header',
  HttpHeaderConfig: { HttpHeaderName: name, Values: values },
});
const method = (...values: string[]): RuleCondition => ({
  Field: 'http-request-method',
  HttpRequestMethodConfig: { Values: values },
});
const query = (...pairs: { Key?: string; Value: string }[]): RuleCondition => ({
  Field: 'query-string',
  QueryStringConfig: { Values: pairs },
});
const sourceIp = (...values: string[]): RuleCondition => ({
  Field: 'source-ip',
  SourceIpConfig: { Values: values },
});

const PL4 = 'pl-3b927c52';
const PL6 = 'pl-0a1b2c3d4e5f60718';
const LISTS = { ipv4PrefixListId: PL4, ipv6PrefixListId: PL6 };

const perm = (
  protocol: string,
  from: number | undefined,
  to: number | undefined,
  extra: Partial<IpPermission>,
) => ({
  IpProtocol: protocol,
  ...(from !== undefined ? { FromPort: from } : {}),
  ...(to !== undefined ? { ToPort: to } : {}),
  ...extra,
});
const sg = (id: string, ...permissions: IpPermission[]): SecurityGroup => ({
  GroupId: id,
  IpPermissions: permissions,
});
const OPEN_80 = perm('tcp', 80, 80, {
  IpRanges: [{ CidrIp: '0.0.0.0/0' }],
  Ipv6Ranges: [{ CidrIpv6: '::/0' }],
});
const PL_80 = perm('tcp', 80, 80, { PrefixListIds: [{ PrefixListId: PL4 }] });

// ---------------------------------------------------------------------------------------------
// Wildcards and addresses
// ---------------------------------------------------------------------------------------------

describe('wildcardMatch', () => {
  it('matches * as any run and ? as exactly one character', () => {
    const cs = { caseInsensitive: false };
    expect(wildcardMatch('/api/*', '/api/', cs)).toBe(true);
    expect(wildcardMatch('/api/*', '/api/v1/users', cs)).toBe(true);
    expect(wildcardMatch('/api/*', '/api', cs)).toBe(false);
    expect(wildcardMatch('/v?/x', '/v1/x', cs)).toBe(true);
    expect(wildcardMatch('/v?/x', '/v10/x', cs)).toBe(false);
    expect(wildcardMatch('/v?/x', '/v/x', cs)).toBe(false);
    expect(wildcardMatch('*', '', cs)).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXbYbZc', cs)).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXbYbZ', cs)).toBe(false);
    expect(wildcardMatch('**a', 'bba', cs)).toBe(true);
    expect(wildcardMatch('exact', 'exact', cs)).toBe(true);
    expect(wildcardMatch('exact', 'exactly', cs)).toBe(false);
  });

  it('folds case only when asked', () => {
    expect(wildcardMatch('/Api/*', '/api/x', { caseInsensitive: false })).toBe(false);
    expect(wildcardMatch('*.Example.COM', 'www.example.com', { caseInsensitive: true })).toBe(true);
  });

  it('honours backslash escapes only when enabled', () => {
    const esc = { caseInsensitive: true, escapes: true };
    expect(wildcardMatch('a\\*b', 'a*b', esc)).toBe(true);
    expect(wildcardMatch('a\\*b', 'axxb', esc)).toBe(false);
    expect(wildcardMatch('a\\?', 'a?', esc)).toBe(true);
    expect(wildcardMatch('a\\?', 'ab', esc)).toBe(false);
  });
});

describe('addresses', () => {
  it('parses IPv4 and IPv6 (compressed, embedded IPv4)', () => {
    expect(parseIp('192.0.2.1')).toEqual({ family: 4, value: 0xc0000201n });
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('::ffff:192.0.2.1')).toEqual({ family: 6, value: 0xffffc0000201n });
    expect(parseIp('::192.0.2.1')).toEqual({ family: 6, value: 0xc0000201n });
    expect(parseIp('2001:db8::')).toEqual({ family: 6, value: 0x20010db8n << 96n });
    expect(parseIp('1:2:3:4:5:6:7:8')?.value).toBe(0x00010002000300040005000600070008n);
    expect(parseIp('256.0.0.1')).toBeUndefined();
    expect(parseIp('1::2::3')).toBeUndefined();
    expect(parseIp('1:2:3:4:5:6:7')).toBeUndefined();
    expect(parseIp('example.com')).toBeUndefined();
  });

  it('checks CIDR containment per family', () => {
    expect(cidrContains('10.0.0.0/8', '10.200.3.4')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(cidrContains('192.0.2.7/32', '192.0.2.7')).toBe(true);
    expect(cidrContains('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(cidrContains('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '::1')).toBe(false);
    expect(isAnyoneCidr('0.0.0.0/0', 4)).toBe(true);
    expect(isAnyoneCidr('::/0', 6)).toBe(true);
    expect(isAnyoneCidr('0::0/0', 6)).toBe(true);
    expect(isAnyoneCidr('::/0', 4)).toBe(false);
    expect(isAnyoneCidr('0.0.0.0/1', 4)).toBe(false);
    expect(isAnyoneCidr(undefined, 4)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Listener rules
// ---------------------------------------------------------------------------------------------

describe('evaluateRules', () => {
  it('evaluates by ascending numeric priority whatever the input order', () => {
    const rules = [
      rule(10, [path('/api/*')], [forward('p10')]),
      defaultRule([forward('default')]),
      rule(9, [path('/api/*')], [forward('p9')]),
      rule(100, [path('/*')], [forward('p100')]),
      rule(2, [path('/api/admin/*')], [forward('p2')]),
    ];
    expect(evaluateRules(rules, { path: '/api/admin/x' }).outcome).toMatchObject({
      targetGroupArns: [TG('p2')],
    });
    // numeric, not lexicographic: 9 comes before 10 ("10" < "9" as strings)
    const hit = evaluateRules(rules, { path: '/api/users' });
    expect(hit.rule).toEqual({ ruleArn: RULE(9), priority: 9, isDefault: false });
    expect(evaluateRules(rules, { path: '/index.html' }).outcome).toMatchObject({
      targetGroupArns: [TG('p100')],
    });
    expect(evaluateRules([...rules].reverse(), { path: '/api/users' }).rule.priority).toBe(9);
  });

  it('falls back to the default rule, or to the listener DefaultActions when given', () => {
    const rules = [rule(1, [path('/a')], [forward('a')]), defaultRule([forward('from-rule')])];
    const fromRule = evaluateRules(rules, { path: '/b' });
    expect(fromRule.rule).toEqual({ ruleArn: RULE('default'), priority: 'default', isDefault: true });
    expect(fromRule.outcome).toMatchObject({ kind: 'forward', targetGroupArns: [TG('from-rule')] });

    const fromListener = evaluateRules(rules, { path: '/b' }, [fixed('403')]);
    expect(fromListener.outcome).toEqual({
      kind: 'fixed-response',
      statusCode: '403',
      contentType: 'text/plain',
    });
    expect(fromListener.rule.isDefault).toBe(true);

    // moto may leave the default rule out of DescribeRules
    const withoutDefault = evaluateRules([rule(1, [path('/a')], [forward('a')])], { path: '/b' }, [
      forward('d'),
    ]);
    expect(withoutDefault.rule).toEqual({ priority: 'default', isDefault: true });
    expect(withoutDefault.outcome).toMatchObject({ targetGroupArns: [TG('d')] });

    expect(() => evaluateRules([rule(1, [path('/a')], [forward('a')])], { path: '/b' })).toThrow(
      OracleEvaluationError,
    );
  });

  it('recognises the default rule by IsDefault or by priority "default"', () => {
    const byPriority: Rule = { RuleArn: RULE('d'), Priority: 'default', Actions: [forward('d')] };
    const byFlag: Rule = { RuleArn: RULE('d'), IsDefault: true, Actions: [forward('d')] };
    expect(evaluateRules([byPriority], {}).rule.isDefault).toBe(true);
    expect(evaluateRules([byFlag], {}).rule.isDefault).toBe(true);
    expect(() => evaluateRules([{ Priority: 'high', Actions: [forward('x')] }], {}, [forward('d')])).toThrow(
      /non-numeric priority/,
    );
  });

  it('matches host headers case-insensitively with wildcards, in both condition shapes', () => {
    const rules = [
      rule(1, [host('*.Example.com')], [forward('wild')]),
      rule(2, [{ Field: 'host-header', Values: ['API.other.org'] }], [forward('legacy')]),
      rule(3, [host('v?.other.org')], [forward('one-char')]),
      defaultRule([forward('default')]),
    ];
    const tg = (request: Parameters<typeof evaluateRules>[1]) =>
      (evaluateRules(rules, request).outcome as { targetGroupArns: string[] }).targetGroupArns[0];
    expect(tg({ host: 'www.EXAMPLE.com' })).toBe(TG('wild'));
    expect(tg({ host: 'example.com' })).toBe(TG('default'));
    expect(tg({ host: 'api.OTHER.org' })).toBe(TG('legacy'));
    expect(tg({ host: 'v2.other.org' })).toBe(TG('one-char'));
    expect(tg({ host: 'v22.other.org' })).toBe(TG('default'));
    expect(tg({})).toBe(TG('default'));
  });

  it('matches path patterns case-sensitively and ignores the query string', () => {
    const rules = [
      rule(1, [path('/Images/*.png')], [forward('png')]),
      rule(2, [{ Field: 'path-pattern', Values: ['/legacy'] }], [forward('legacy')]),
      defaultRule([forward('default')]),
    ];
    expect(evaluateRules(rules, { path: '/Images/a/b.png' }).rule.priority).toBe(1);
    expect(evaluateRules(rules, { path: '/images/a.png' }).rule.priority).toBe('default');
    expect(evaluateRules(rules, { path: '/legacy?x=1' }).rule.priority).toBe(2);
    expect(evaluateRules(rules, {}).rule.priority).toBe('default');
  });

  it('matches http-header conditions by case-insensitive name and value, with wildcards', () => {
    const rules = [
      rule(1, [header('X-Origin-Verify', 'AbCdEf0123')], [forward('guarded')]),
      rule(2, [header('user-agent', '*Mobile*', 'Tablet?')], [forward('mobile')]),
      defaultRule([fixed()]),
    ];
    expect(evaluateRules(rules, { headers: { 'x-origin-verify': 'abcdef0123' } }).rule.priority).toBe(1);
    expect(evaluateRules(rules, { headers: { 'X-ORIGIN-VERIFY': 'ABCDEF0123' } }).rule.priority).toBe(1);
    expect(evaluateRules(rules, { headers: { 'X-Origin-Verify': 'abcdef012' } }).rule.priority).toBe(
      'default',
    );
    expect(evaluateRules(rules, { headers: { 'X-Origin-Verify': 'abcdef01234' } }).rule.priority).toBe(
      'default',
    );
    expect(evaluateRules(rules, { headers: { 'User-Agent': 'Foo mobile Bar' } }).rule.priority).toBe(2);
    expect(evaluateRules(rules, { headers: { 'User-Agent': 'tablet9' } }).rule.priority).toBe(2);
    expect(evaluateRules(rules, { headers: { 'User-Agent': 'Desktop' } }).rule.priority).toBe('default');
    expect(evaluateRules(rules, {}).rule.priority).toBe('default');
  });

  it('ANDs conditions and ORs values', () => {
    const rules = [
      rule(
        1,
        [host('a.example.com', 'b.example.com'), path('/x/*', '/y/*'), header('X-K', 'v')],
        [forward('all')],
      ),
      defaultRule([forward('default')]),
    ];
    const hit = (request: Parameters<typeof evaluateRules>[1]) =>
      evaluateRules(rules, request).rule.priority === 1;
    expect(hit({ host: 'b.example.com', path: '/y/1', headers: { 'x-k': 'V' } })).toBe(true);
    expect(hit({ host: 'a.example.com', path: '/x/1', headers: { 'x-k': 'v' } })).toBe(true);
    expect(hit({ host: 'c.example.com', path: '/x/1', headers: { 'x-k': 'v' } })).toBe(false);
    expect(hit({ host: 'a.example.com', path: '/z/1', headers: { 'x-k': 'v' } })).toBe(false);
    expect(hit({ host: 'a.example.com', path: '/x/1' })).toBe(false);
  });

  it('requires every one of several http-header conditions', () => {
    const rules = [
      rule(1, [header('X-A', '1'), header('X-B', '2')], [forward('both')]),
      defaultRule([forward('default')]),
    ];
    expect(evaluateRules(rules, { headers: { 'X-A': '1', 'X-B': '2' } }).rule.priority).toBe(1);
    expect(evaluateRules(rules, { headers: { 'X-A': '1' } }).rule.priority).toBe('default');
  });

  it('matches methods case-sensitively, query strings and source IPs', () => {
    const rules = [
      rule(1, [method('POST', 'PUT')], [forward('write')]),
      rule(2, [query({ Key: 'v*', Value: 'Beta' }, { Value: 'debug' })], [forward('query')]),
      rule(3, [query({ Key: 'lit', Value: 'a\\*' })], [forward('escaped')]),
      rule(4, [sourceIp('10.0.0.0/8', '2001:db8::/32')], [forward('internal')]),
      defaultRule([forward('default')]),
    ];
    const p = (request: Parameters<typeof evaluateRules>[1]) => evaluateRules(rules, request).rule.priority;
    expect(p({ method: 'PUT' })).toBe(1);
    expect(p({ method: 'put' })).toBe('default');
    expect(p({})).toBe('default'); // GET by default
    expect(p({ queryString: { version: 'BETA' } })).toBe(2);
    expect(p({ queryString: { anything: 'DEBUG' } })).toBe(2);
    expect(p({ path: '/x?Version=beta' })).toBe(2);
    expect(p({ queryString: { other: 'beta' } })).toBe('default');
    expect(p({ queryString: { lit: 'a*' } })).toBe(3);
    expect(p({ queryString: { lit: 'abc' } })).toBe('default');
    expect(p({ sourceIp: '10.1.2.3' })).toBe(4);
    expect(p({ sourceIp: '2001:db8::7' })).toBe(4);
    expect(p({ sourceIp: '192.0.2.1' })).toBe('default');
  });

  it('reports forward targets with weights, dropping weight-0 groups from the receiving set', () => {
    const weighted: Action = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: TG('b'), Weight: 80 },
          { TargetGroupArn: TG('a'), Weight: 20 },
          { TargetGroupArn: TG('c'), Weight: 0 },
        ],
      },
    };
    expect(outcomeOf([weighted])).toEqual({
      kind: 'forward',
      targetGroupArns: [TG('a'), TG('b')],
      targetGroups: [
        { targetGroupArn: TG('b'), weight: 80 },
        { targetGroupArn: TG('a'), weight: 20 },
        { targetGroupArn: TG('c'), weight: 0 },
      ],
    });
    // TargetGroupArn together with a one-group ForwardConfig (what DescribeRules returns)
    expect(
      outcomeOf([
        {
          Type: 'forward',
          TargetGroupArn: TG('a'),
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG('a') }] },
        },
      ]),
    ).toEqual({
      kind: 'forward',
      targetGroupArns: [TG('a')],
      targetGroups: [{ targetGroupArn: TG('a'), weight: 1 }],
    });
    expect(() => outcomeOf([{ Type: 'forward' }])).toThrow(OracleEvaluationError);
  });

  it('executes actions in Order: authentication before forward', () => {
    const actions: Action[] = [
      forward('app', 2),
      {
        Type: 'authenticate-oidc',
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: 'https://idp',
          AuthorizationEndpoint: 'https://idp/a',
          TokenEndpoint: 'https://idp/t',
          UserInfoEndpoint: 'https://idp/u',
          ClientId: 'c',
          OnUnauthenticatedRequest: 'deny',
        },
      },
    ];
    expect(outcomeOf(actions)).toEqual({
      kind: 'authenticate-then-forward',
      authenticate: ['authenticate-oidc'],
      onUnauthenticatedRequest: ['deny'],
      targetGroupArns: [TG('app')],
      targetGroups: [{ targetGroupArn: TG('app'), weight: 1 }],
    });
    expect(
      outcomeOf([
        { Type: 'redirect', Order: 2, RedirectConfig: { StatusCode: 'HTTP_301', Protocol: 'HTTPS' } },
        { Type: 'jwt-validation', Order: 1 },
      ]),
    ).toEqual({
      kind: 'redirect',
      statusCode: 'HTTP_301',
      protocol: 'HTTPS',
      authenticate: ['jwt-validation'],
    });
    expect(() => outcomeOf([{ Type: 'authenticate-cognito' }])).toThrow(/no forward/);
    expect(() => outcomeOf([{ Type: 'bogus' as Action['Type'] }])).toThrow(/unsupported action type/);
  });

  it('refuses what it cannot model', () => {
    expect(() => evaluateRules([rule(1, [{ Field: 'geo' }], [forward('x')])], {}, [fixed()])).toThrow(
      /unsupported rule condition field/,
    );
    expect(() => evaluateRules([rule(1, [header('X-A')], [forward('x')])], {}, [fixed()])).toThrow(
      /no values/,
    );
    expect(() =>
      evaluateRules([rule(1, [{ Field: 'http-header', Values: ['v'] }], [forward('x')])], {}, [fixed()]),
    ).toThrow(/HttpHeaderName/);
  });
});

// ---------------------------------------------------------------------------------------------
// Security groups
// ---------------------------------------------------------------------------------------------

describe('evaluateIngress', () => {
  it('admits CloudFront through the origin-facing prefix list only', () => {
    const groups = [sg('sg-1', PL_80)];
    expect(evaluateIngress(groups, { kind: 'cloudfront-v4' }, 80, LISTS)).toEqual({
      admitted: true,
      via: `sg-1 tcp 80-80 from ${PL4}`,
    });
    expect(evaluateIngress(groups, { kind: 'internet-v4' }, 80, LISTS).admitted).toBe(false);
    expect(evaluateIngress(groups, { kind: 'cloudfront-v6' }, 80, LISTS).admitted).toBe(false);
    expect(evaluateIngress(groups, 'cloudfront-v4', 443, LISTS).admitted).toBe(false);
    // some other prefix list does not count
    const other = [sg('sg-1', perm('tcp', 80, 80, { PrefixListIds: [{ PrefixListId: 'pl-other' }] }))];
    expect(evaluateIngress(other, 'cloudfront-v4', 80, LISTS).admitted).toBe(false);
  });

  it('admits IPv6 CloudFront through the IPv6 list when its id is known', () => {
    const groups = [sg('sg-1', perm('tcp', 80, 80, { PrefixListIds: [{ PrefixListId: PL6 }] }))];
    expect(evaluateIngress(groups, 'cloudfront-v6', 80, LISTS).admitted).toBe(true);
    expect(evaluateIngress(groups, 'cloudfront-v4', 80, LISTS).admitted).toBe(false);
    expect(evaluateIngress(groups, 'cloudfront-v6', 80, { ipv4PrefixListId: PL4 }).admitted).toBe(false);
  });

  it('treats /0 CIDRs as open to everyone of that family, narrower ones as nobody', () => {
    const v4open = [sg('sg-1', perm('tcp', 80, 80, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }))];
    expect(evaluateIngress(v4open, 'internet-v4', 80, LISTS)).toEqual({
      admitted: true,
      via: 'sg-1 tcp 80-80 from 0.0.0.0/0',
    });
    expect(evaluateIngress(v4open, 'cloudfront-v4', 80, LISTS).admitted).toBe(true);
    expect(evaluateIngress(v4open, 'internet-v6', 80, LISTS).admitted).toBe(false);
    const v6open = [sg('sg-1', perm('tcp', 80, 80, { Ipv6Ranges: [{ CidrIpv6: '::/0' }] }))];
    expect(evaluateIngress(v6open, 'internet-v6', 80, LISTS).admitted).toBe(true);
    expect(evaluateIngress(v6open, 'cloudfront-v6', 80, LISTS).admitted).toBe(true);
    expect(evaluateIngress(v6open, 'internet-v4', 80, LISTS).admitted).toBe(false);
    const narrow = [
      sg(
        'sg-1',
        perm('tcp', 80, 80, {
          IpRanges: [{ CidrIp: '10.0.0.0/8' }],
          UserIdGroupPairs: [{ GroupId: 'sg-2' }],
        }),
      ),
    ];
    expect(evaluateIngress(narrow, 'internet-v4', 80, LISTS).admitted).toBe(false);
    expect(evaluateIngress(narrow, 'cloudfront-v4', 80, LISTS).admitted).toBe(false);
  });

  it('honours port ranges and protocols', () => {
    const range = [sg('sg-1', perm('tcp', 80, 443, { PrefixListIds: [{ PrefixListId: PL4 }] }))];
    expect(evaluateIngress(range, 'cloudfront-v4', 80, LISTS).admitted).toBe(true);
    expect(evaluateIngress(range, 'cloudfront-v4', 443, LISTS).admitted).toBe(true);
    expect(evaluateIngress(range, 'cloudfront-v4', 200, LISTS).admitted).toBe(true);
    expect(evaluateIngress(range, 'cloudfront-v4', 8080, LISTS).admitted).toBe(false);
    const all = [sg('sg-1', perm('-1', undefined, undefined, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }))];
    expect(evaluateIngress(all, 'internet-v4', 8443, LISTS)).toEqual({
      admitted: true,
      via: 'sg-1 all traffic from 0.0.0.0/0',
    });
    const allWithPorts = [sg('sg-1', perm('-1', -1, -1, { PrefixListIds: [{ PrefixListId: PL4 }] }))];
    expect(evaluateIngress(allWithPorts, 'cloudfront-v4', 8443, LISTS).admitted).toBe(true);
    const udp = [sg('sg-1', perm('udp', 0, 65535, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }))];
    expect(evaluateIngress(udp, 'internet-v4', 80, LISTS).admitted).toBe(false);
    const numeric = [sg('sg-1', perm('6', 80, 80, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }))];
    expect(evaluateIngress(numeric, 'internet-v4', 80, LISTS).admitted).toBe(true);
  });

  it('admits when any of several groups does', () => {
    const groups = [
      sg('sg-a', perm('tcp', 443, 443, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })),
      sg('sg-b', PL_80),
    ];
    expect(evaluateIngress(groups, 'cloudfront-v4', 80, LISTS).via).toBe(`sg-b tcp 80-80 from ${PL4}`);
    expect(evaluateIngress(groups, 'internet-v4', 80, LISTS).admitted).toBe(false);
    expect(evaluateIngress([], 'cloudfront-v4', 80, LISTS).admitted).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------------------------

const SECRET = 'k3x9q2m8v7w1z0p4r6t5y8u2i1o3a9s7';
const OLD_SECRET = 'old0secret1value2for3rotation4xx';
const HEADER = 'X-Origin-Verify';

/** Original listener: admin host, /api path, default to web. */
const ORIGINAL_RULES: Rule[] = [
  rule(20, [path('/api/*')], [forward('api')]),
  rule(5, [host('admin.example.com')], [forward('admin')]),
  rule(30, [path('/health')], [fixed('200')]),
];
const SAMPLES = [
  { host: 'www.example.com', path: '/' },
  { host: 'www.example.com', path: '/api/users' },
  { host: 'admin.example.com', path: '/api/users' },
  { host: 'www.example.com', path: '/health' },
];

function snapshot(overrides: {
  rules?: Rule[];
  defaultActions?: Action[];
  securityGroups?: SecurityGroup[];
  originValue?: string;
  status?: string;
  origins?: TrafficSnapshot['distribution']['origins'];
}): TrafficSnapshot {
  return {
    listenerArn: LISTENER,
    loadBalancerDnsName: 'lb-123.us-east-1.elb.amazonaws.com',
    port: 80,
    defaultActions: overrides.defaultActions ?? [forward('web')],
    rules: overrides.rules ?? ORIGINAL_RULES,
    securityGroups: overrides.securityGroups ?? [sg('sg-1', OPEN_80)],
    prefixLists: LISTS,
    headerName: HEADER,
    distribution: {
      id: 'E2QWRUHAPOMQZL',
      status: overrides.status ?? 'Deployed',
      origins: overrides.origins ?? [
        {
          originId: 'alb',
          domainName: 'lb-123.us-east-1.elb.amazonaws.com',
          targetsLoadBalancer: true,
          ...(overrides.originValue !== undefined ? { headerValue: overrides.originValue } : {}),
        },
        {
          originId: 's3',
          domainName: 'bucket.s3.amazonaws.com',
          targetsLoadBalancer: false,
          headerValue: 'zzz',
        },
      ],
    },
  };
}

/** The fully locked listener for a secret (or several accepted values). */
function lockedRules(...values: string[]): Rule[] {
  return [
    rule(20, [path('/api/*'), header(HEADER, ...values)], [forward('api')]),
    rule(5, [host('admin.example.com'), header(HEADER, ...values)], [forward('admin')]),
    rule(30, [path('/health')], [fixed('200')]),
    rule(50000, [header(HEADER, ...values)], [forward('web')]),
    defaultRule([fixed('403')]),
  ];
}
const LOCKED_SG = [sg('sg-1', PL_80)];

const original = captureRouting(snapshot({}), SAMPLES);

function expectNoSecrets(violations: string[]): void {
  const text = violations.join('\n');
  for (const secret of [SECRET, OLD_SECRET, SECRET.toUpperCase()]) expect(text).not.toContain(secret);
}

describe('captureRouting', () => {
  it('records the pre-lock routing of each sample', () => {
    expect(original.map((e) => e.outcome)).toEqual([
      expect.objectContaining({ kind: 'forward', targetGroupArns: [TG('web')] }),
      expect.objectContaining({ kind: 'forward', targetGroupArns: [TG('api')] }),
      expect.objectContaining({ kind: 'forward', targetGroupArns: [TG('admin')] }),
      expect.objectContaining({ kind: 'fixed-response', statusCode: '200' }),
    ]);
    expect(original[1].request).toEqual(SAMPLES[1]);
  });

  it('evaluates with the header value the origin already sends', () => {
    const relock = captureRouting(
      snapshot({ rules: lockedRules(SECRET), defaultActions: [fixed()], originValue: SECRET }),
      SAMPLES,
    );
    expect(relock.map((e) => e.outcome)).toEqual(original.map((e) => e.outcome));
  });
});

describe('checkNoOutage', () => {
  const locked = (): TrafficSnapshot =>
    snapshot({
      rules: lockedRules(SECRET),
      defaultActions: [fixed('403')],
      securityGroups: LOCKED_SG,
      originValue: SECRET,
    });

  it('passes the original listener and the fully locked one', () => {
    expect(checkNoOutage(snapshot({}), { routing: original })).toEqual([]);
    expect(checkNoOutage(locked(), { routing: original, expectLocked: true, denyStatusCode: '403' })).toEqual(
      [],
    );
    expect(() => expectNoOutage(locked(), { routing: original, expectLocked: true })).not.toThrow();
  });

  it('passes the safe intermediate steps of a create', () => {
    // 1. the origin starts sending the header while the listener still ignores it (InProgress: edges send none or it)
    const step1 = snapshot({ originValue: SECRET, status: 'InProgress' });
    expect(checkNoOutage(step1, { routing: original, inFlightValues: [null, SECRET] })).toEqual([]);
    // 2. rules guarded and catch-all added after Deployed, default still forwards, SG still open
    const step2 = snapshot({ rules: lockedRules(SECRET).slice(0, 4), originValue: SECRET });
    expect(checkNoOutage(step2, { routing: original })).toEqual([]);
    // 3. deny default, 4. prefix list added, then open ingress revoked
    const step3 = snapshot({ rules: lockedRules(SECRET), defaultActions: [fixed()], originValue: SECRET });
    expect(checkNoOutage(step3, { routing: original })).toEqual([]);
    const step4 = { ...step3, securityGroups: [sg('sg-1', OPEN_80, PL_80)] };
    expect(checkNoOutage(step4, { routing: original })).toEqual([]);
    expect(checkNoOutage(locked(), { routing: original })).toEqual([]);
  });

  it('(i) flags a deny default without the header-guarded catch-all', () => {
    const s = snapshot({
      rules: lockedRules(SECRET).filter((r) => r.Priority !== '50000'),
      defaultActions: [fixed('403')],
      securityGroups: LOCKED_SG,
      originValue: SECRET,
    });
    const violations = checkNoOutage(s, { routing: original, context: 'create step 3' });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(
      /^\[create step 3\] outage: CloudFront request GET host=www\.example\.com path=\/ /,
    );
    expect(violations[0]).toContain('the default action');
    expect(violations[0]).toContain('fixed-response 403');
    expect(violations[0]).toContain(`originally forward to [${TG('web')}]`);
    expectNoSecrets(violations);
  });

  it('(ii) flags guarded rules whose header value differs from what the origin sends', () => {
    const s = snapshot({
      rules: lockedRules(OLD_SECRET),
      defaultActions: [fixed('403')],
      securityGroups: LOCKED_SG,
      originValue: SECRET,
    });
    const violations = checkNoOutage(s, { routing: original });
    // every forwarded sample breaks; /health (fixed 200, unguarded) still answers
    expect(violations).toHaveLength(3);
    for (const v of violations) {
      expect(v).toMatch(/^outage: /);
      expect(v).toContain(`${HEADER}: <secret> (the value origin alb sends)`);
    }
    expectNoSecrets(violations);
    expect(() => expectNoOutage(s, { routing: original })).toThrow(NoOutageViolation);
    try {
      expectNoOutage(s, { routing: original });
    } catch (error) {
      expect((error as NoOutageViolation).violations).toEqual(violations);
      expect((error as Error).message).toMatch(/3 violation\(s\)/);
      expect((error as Error).message).not.toContain(SECRET);
    }
  });

  it('(iii) flags a security group without the prefix list once open ingress is revoked', () => {
    const s = snapshot({
      rules: lockedRules(SECRET),
      defaultActions: [fixed('403')],
      securityGroups: [sg('sg-1', perm('tcp', 443, 443, { PrefixListIds: [{ PrefixListId: PL4 }] }))],
      originValue: SECRET,
    });
    const violations = checkNoOutage(s, { routing: original });
    expect(violations).toEqual([
      `CloudFront (IPv4) is not admitted on port 80 by security groups [sg-1]: no tcp rule from prefix list ${PL4} or 0.0.0.0/0`,
    ]);
  });

  it('checks IPv6 CloudFront only when asked', () => {
    const s = locked();
    expect(
      checkNoOutage(s, { routing: original, cloudFrontSources: ['cloudfront-v4', 'cloudfront-v6'] }),
    ).toEqual([
      `CloudFront (IPv6) is not admitted on port 80 by security groups [sg-1]: no tcp rule from prefix list ${PL6} or ::/0`,
    ]);
  });

  it('models propagation: every in-flight value must work while InProgress, none after Deployed', () => {
    // rotation narrowed to the new value too early: edges may still send the old one
    const early = snapshot({
      rules: lockedRules(SECRET),
      defaultActions: [fixed()],
      securityGroups: LOCKED_SG,
      originValue: SECRET,
      status: 'InProgress',
    });
    const violations = checkNoOutage(early, { routing: original, inFlightValues: new Set([OLD_SECRET]) });
    expect(violations).toHaveLength(3);
    for (const v of violations) expect(v).toContain('in-flight value #1 while InProgress');
    expectNoSecrets(violations);
    // accepting both during propagation is fine
    const both = { ...early, rules: lockedRules(SECRET, OLD_SECRET) };
    expect(checkNoOutage(both, { routing: original, inFlightValues: [OLD_SECRET] })).toEqual([]);
    // after Deployed the in-flight values no longer matter
    const deployed = { ...early, distribution: { ...early.distribution, status: 'Deployed' } };
    expect(checkNoOutage(deployed, { routing: original, inFlightValues: [OLD_SECRET] })).toEqual([]);
    // guarding rules before CloudFront has finished sending the header: "no header" edges lose /api and admin
    const guardedTooSoon = snapshot({
      rules: lockedRules(SECRET).slice(0, 4),
      originValue: SECRET,
      status: 'InProgress',
    });
    const tooSoon = checkNoOutage(guardedTooSoon, { routing: original, inFlightValues: [null] });
    expect(tooSoon).toHaveLength(2);
    for (const v of tooSoon) expect(v).toContain(`no ${HEADER} (in flight while InProgress)`);
  });

  it('flags an origin that stopped sending the header (delete in the wrong order)', () => {
    const s = snapshot({ rules: lockedRules(SECRET), defaultActions: [fixed()], securityGroups: LOCKED_SG });
    const violations = checkNoOutage(s, { routing: original });
    expect(violations).toHaveLength(3);
    expect(violations[0]).toContain(`no ${HEADER} (origin alb sends none)`);
  });

  it('flags a missing load balancer origin', () => {
    const s = snapshot({
      origins: [{ originId: 's3', domainName: 'b.s3.amazonaws.com', targetsLoadBalancer: false }],
    });
    expect(checkNoOutage(s, { routing: original })).toEqual([
      'distribution E2QWRUHAPOMQZL has no origin for the load balancer (lb-123.us-east-1.elb.amazonaws.com)',
    ]);
  });

  it('checks every load balancer origin', () => {
    const s = snapshot({
      rules: lockedRules(SECRET),
      defaultActions: [fixed()],
      origins: [
        { originId: 'alb-a', domainName: 'lb', targetsLoadBalancer: true, headerValue: SECRET },
        { originId: 'alb-b', domainName: 'lb', targetsLoadBalancer: true, headerValue: OLD_SECRET },
      ],
    });
    const violations = checkNoOutage(s, { routing: original });
    expect(violations).toHaveLength(3);
    for (const v of violations) expect(v).toContain('origin alb-b');
    expectNoSecrets(violations);
  });

  it('reports rules it cannot evaluate instead of throwing', () => {
    const s = snapshot({ rules: [rule(1, [{ Field: 'geo' }], [forward('x')])] });
    const violations = checkNoOutage(s, { routing: original.slice(0, 1) });
    expect(violations).toEqual([
      expect.stringMatching(/^cannot evaluate GET host=www\.example\.com .*unsupported/),
    ]);
    expect(() => checkNoOutage(s, { routing: [] })).toThrow(/at least one/);
  });

  describe('expectLocked', () => {
    const opts: NoOutageExpectations = { routing: original, expectLocked: true };

    it('flags open ingress and a forwarding default', () => {
      const violations = checkNoOutage(snapshot({ originValue: SECRET }), opts);
      expect(violations).toEqual(
        expect.arrayContaining([
          'not locked: internet (IPv4) is admitted on port 80 by sg-1 tcp 80-80 from 0.0.0.0/0',
          'not locked: internet (IPv6) is admitted on port 80 by sg-1 tcp 80-80 from ::/0',
          `not locked: the listener default action is forward to [${TG('web')}], not a fixed-response deny`,
          `not locked: rule priority 20 (${RULE(20)}) forward to [${TG('api')}] without requiring the ${HEADER} value`,
          expect.stringMatching(
            /^bypass: request GET host=www\.example\.com path=\/api\/users .*without X-Origin-Verify/,
          ),
          expect.stringMatching(
            /^bypass: request .* with a wrong X-Origin-Verify value from cloudfront-v4\/cloudfront-v6\/internet-v4\/internet-v6 /,
          ),
        ]),
      );
    });

    it('flags an unguarded forwarding rule and a wildcard guard as bypasses', () => {
      const unguarded = locked();
      unguarded.rules = [...lockedRules(SECRET), rule(40, [host('static.example.com')], [forward('static')])];
      const v1 = checkNoOutage(unguarded, opts);
      expect(v1).toEqual([
        `not locked: rule priority 40 (${RULE(40)}) forward to [${TG('static')}] without requiring the ${HEADER} value`,
      ]);

      const wildcard = locked();
      wildcard.rules = lockedRules(SECRET).map((r) =>
        r.Priority === '50000' ? rule(50000, [header(HEADER, '*')], [forward('web')]) : r,
      );
      const v2 = checkNoOutage(wildcard, opts);
      expect(v2).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^not locked: rule priority 50000 /),
          expect.stringMatching(
            /^bypass: request GET host=www\.example\.com path=\/ with a wrong X-Origin-Verify/,
          ),
          expect.stringMatching(
            /^bypass: request GET host=oracle-probe\.invalid path=\/oracle-probe\/x with a wrong/,
          ),
        ]),
      );
      expect(v2.some((v) => v.includes('without X-Origin-Verify from'))).toBe(false);
    });

    it('flags a non-deny default and a wrong deny status', () => {
      const redirecting = locked();
      redirecting.defaultActions = [
        { Type: 'redirect', RedirectConfig: { StatusCode: 'HTTP_302', Path: '/login' } },
      ];
      expect(checkNoOutage(redirecting, opts)).toEqual(
        expect.arrayContaining([
          'not locked: the listener default action is redirect HTTP_302, not a fixed-response deny',
          expect.stringMatching(/^not denied: request GET host=www\.example\.com path=\/api\/users without/),
        ]),
      );
      const teapot = locked();
      teapot.defaultActions = [fixed('418')];
      const violations = checkNoOutage(teapot, { ...opts, denyStatusCode: '403' });
      expect(violations).toEqual(
        expect.arrayContaining([
          'not locked: the listener default action is fixed-response 418, expected fixed-response 403',
          expect.stringMatching(/^wrong deny: .* got fixed-response 418, expected fixed-response 403$/),
        ]),
      );
      // /health was a fixed 200 before the lock and stays so: not a deny violation
      expect(violations.some((v) => v.includes('path=/health'))).toBe(false);
    });

    it('never prints header values', () => {
      const s = snapshot({
        rules: lockedRules(OLD_SECRET).slice(0, 4),
        originValue: SECRET,
        status: 'InProgress',
      });
      s.rules.push(rule(60, [header(HEADER, '*')], [forward('leak')]));
      const violations = checkNoOutage(s, { ...opts, inFlightValues: [OLD_SECRET, null] });
      expect(violations.length).toBeGreaterThan(5);
      expectNoSecrets(violations);
      expect(violations.join('\n')).toContain('<secret>');
    });
  });
});

describe('simulateRequest', () => {
  it('stops at the security group, then evaluates the rules', () => {
    const s = snapshot({
      rules: lockedRules(SECRET),
      defaultActions: [fixed()],
      securityGroups: LOCKED_SG,
      originValue: SECRET,
    });
    expect(simulateRequest(s, 'internet-v4', { path: '/' })).toEqual({ ingress: { admitted: false } });
    const cf = simulateRequest(s, { kind: 'cloudfront-v4' }, { path: '/', headers: { [HEADER]: SECRET } });
    expect(cf.evaluation?.outcome).toMatchObject({ kind: 'forward', targetGroupArns: [TG('web')] });
    expect(cf.evaluation?.rule.priority).toBe(50000);
    expect(simulateRequest(s, 'cloudfront-v4', { path: '/' }).evaluation?.outcome.kind).toBe(
      'fixed-response',
    );
  });

  it('builds forward expectations by hand', () => {
    const [e] = [expectForward({ path: '/' }, TG('web'))];
    expect(checkNoOutage(snapshot({}), { routing: [e] })).toEqual([]);
    expect(
      checkNoOutage(snapshot({}), { routing: [expectForward({ path: '/' }, TG('other'))] }),
    ).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// The live snapshot, against stubbed SDK clients
// ---------------------------------------------------------------------------------------------

type Handler = (input: Record<string, unknown>) => unknown;

function stub<T extends object>(client: T, handlers: Record<string, Handler>, calls: string[]): T {
  (client as unknown as { send: (command: object) => Promise<unknown> }).send = async (command: object) => {
    const name = command.constructor.name;
    calls.push(name);
    const handler = handlers[name];
    if (handler === undefined) throw new Error(`unexpected ${name}`);
    return handler((command as { input: Record<string, unknown> }).input);
  };
  return client;
}

describe('takeTrafficSnapshot', () => {
  const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/0123456789abcdef';
  const DNS = 'lb-123.us-east-1.elb.amazonaws.com';

  function clients(options: { withV4List?: boolean } = {}) {
    const calls: string[] = [];
    const page1 = [rule(30, [path('/b')], [forward('b')]), rule(2, [path('/a')], [forward('a')])];
    const page2 = [defaultRule([forward('web')])];
    const elbv2 = stub(
      new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      {
        DescribeListenersCommand: () => ({
          Listeners: [
            {
              ListenerArn: LISTENER,
              LoadBalancerArn: LB,
              Port: 8080,
              Protocol: 'HTTP',
              DefaultActions: [forward('web')],
            },
          ],
        }),
        DescribeRulesCommand: (input) =>
          input.Marker === undefined ? { Rules: page1, NextMarker: 'm1' } : { Rules: page2 },
        DescribeLoadBalancersCommand: () => ({
          LoadBalancers: [
            { LoadBalancerArn: LB, DNSName: DNS, SecurityGroups: ['sg-1', 'sg-2'], IpAddressType: 'ipv4' },
          ],
        }),
      },
      calls,
    );
    const ec2 = stub(
      new EC2Client({ region: 'us-east-1' }),
      {
        DescribeSecurityGroupsCommand: (input) => ({
          SecurityGroups: (input.GroupIds as string[]).map((id) => sg(id, PL_80)),
        }),
        DescribeManagedPrefixListsCommand: () => ({
          PrefixLists:
            options.withV4List === false
              ? []
              : [{ PrefixListId: PL4, PrefixListName: 'com.amazonaws.global.cloudfront.origin-facing' }],
        }),
      },
      calls,
    );
    const cloudfront = stub(
      new CloudFrontClient({ region: 'us-east-1' }),
      {
        GetDistributionCommand: () => ({
          Distribution: {
            Id: 'E1',
            Status: 'InProgress',
            DistributionConfig: {
              Origins: {
                Quantity: 3,
                Items: [
                  {
                    Id: 'alb',
                    DomainName: DNS.toUpperCase() + '.',
                    CustomHeaders: {
                      Quantity: 1,
                      Items: [{ HeaderName: 'x-origin-verify', HeaderValue: SECRET }],
                    },
                  },
                  { Id: 'alb-plain', DomainName: DNS },
                  { Id: 's3', DomainName: 'bucket.s3.amazonaws.com' },
                ],
              },
            },
          },
        }),
      },
      calls,
    );
    return { elbv2, ec2, cloudfront, calls };
  }

  it('reads listener, every rule page, security groups, prefix lists and origin headers', async () => {
    const c = clients();
    const s = await takeTrafficSnapshot(
      { listenerArn: LISTENER, distributionId: 'E1', headerName: HEADER },
      c,
    );
    expect(s).toMatchObject({
      listenerArn: LISTENER,
      loadBalancerArn: LB,
      loadBalancerDnsName: DNS,
      port: 8080,
      protocol: 'HTTP',
      prefixLists: { ipv4PrefixListId: PL4 },
      headerName: HEADER,
      distribution: {
        id: 'E1',
        status: 'InProgress',
        origins: [
          { originId: 'alb', targetsLoadBalancer: true, headerValue: SECRET },
          { originId: 'alb-plain', targetsLoadBalancer: true },
          { originId: 's3', targetsLoadBalancer: false },
        ],
      },
    });
    expect(s.prefixLists.ipv6PrefixListId).toBeUndefined();
    expect(s.rules).toHaveLength(3);
    expect(s.securityGroups.map((g) => g.GroupId)).toEqual(['sg-1', 'sg-2']);
    expect(c.calls.filter((n) => n === 'DescribeRulesCommand')).toHaveLength(2);
    expect(c.calls.filter((n) => n === 'GetDistributionCommand')).toHaveLength(1);
    expect(evaluateRules(s.rules, { path: '/a' }, s.defaultActions).rule.priority).toBe(2);
  });

  it('selects origins by OriginId when given', async () => {
    const s = await takeTrafficSnapshot(
      { listenerArn: LISTENER, distributionId: 'E1', headerName: HEADER, originId: 's3' },
      clients(),
    );
    expect(s.distribution.origins.map((o) => o.targetsLoadBalancer)).toEqual([false, false, true]);
  });

  it('fails without the IPv4 CloudFront prefix list', async () => {
    await expect(
      takeTrafficSnapshot(
        { listenerArn: LISTENER, distributionId: 'E1', headerName: HEADER },
        clients({ withV4List: false }),
      ),
    ).rejects.toThrow(/com\.amazonaws\.global\.cloudfront\.origin-facing/);
  });
});
