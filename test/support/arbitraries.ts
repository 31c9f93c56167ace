/**
 * fast-check arbitraries for realistic live states of a locked (or not yet locked) ALB listener, the
 * lock specs applied to them, secret values, and drift mutations of a converged lock.
 *
 * States come out in AWS describe shape (see `described` in simulate.ts), as `observe` would read them.
 */
import fc from 'fast-check';
import type { Origin } from '@aws-sdk/client-cloudfront';
import type { IpPermission } from '@aws-sdk/client-ec2';
import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { resolveTargets } from '../../src/engine/plan/context';
import { Observed, ObservedRule } from '../../src/engine/observed';
import { IngressPermission } from '../../src/engine/record';
import {
  DenyResponseSpec,
  ControlName,
  EnforceFlags,
  LockSpec,
  needsCatchAll,
  parseListenerArn,
} from '../../src/engine/spec';
import { addIngress, described, groupUsage } from './simulate';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const LISTENER_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/web/0123456789abcdef/fedcba9876543210`;
export const LB_ARN = parseListenerArn(LISTENER_ARN).loadBalancerArn;
export const LB_DNS = 'web-1234567890.us-east-1.elb.amazonaws.com';
export const DISTRIBUTION_ID = 'E2QWRUHAPOMQZL';
export const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:origin-lock-AbCdEf`;
export const CF_V4 = 'pl-3b927c52';
export const CF_V6 = 'pl-0a9b8c7d6e5f40312';
export const CUSTOMER_LIST = 'pl-0123456789abcdef0';
/** What one rule referencing each list weighs against the rules-per-group quota. */
export const LIST_WEIGHTS: Record<string, number> = { [CF_V4]: 55, [CF_V6]: 55, [CUSTOMER_LIST]: 3 };
export const RULE_PREFIX = `${LB_ARN.replace(':loadbalancer/', ':listener-rule/')}/${parseListenerArn(LISTENER_ARN).listenerId}`;
/** Header names ordinary rules and origins use; lock header names never collide with them. */
export const UNRELATED_HEADERS = ['X-Tenant', 'X-Env'];

export const TG = (name: string): string =>
  `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/0123456789abcdef`;

// ---------------------------------------------------------------------------------------------
// Listener, rules, actions
// ---------------------------------------------------------------------------------------------

const tgName = fc.constantFrom('app', 'api', 'static', 'admin', 'canary');

export const forwardAction: fc.Arbitrary<Action> = fc.oneof(
  tgName.map((n): Action => ({ Type: 'forward', TargetGroupArn: TG(n) })),
  tgName.map(
    (n): Action => ({
      Type: 'forward',
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG(n), Weight: 1 }] },
    }),
  ),
  fc
    .tuple(tgName, tgName, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 5 }))
    .filter(([a, b]) => a !== b)
    .map(
      ([a, b, wa, wb]): Action => ({
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: TG(a), Weight: wa },
            { TargetGroupArn: TG(b), Weight: wb },
          ],
        },
      }),
    ),
);

const redirectAction: Action = {
  Type: 'redirect',
  RedirectConfig: {
    Protocol: 'HTTPS',
    Port: '443',
    Host: '#{host}',
    Path: '/#{path}',
    Query: '#{query}',
    StatusCode: 'HTTP_301',
  },
};
const fixedAction: Action = {
  Type: 'fixed-response',
  FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'not here' },
};

export const ruleActions: fc.Arbitrary<Action[]> = fc.oneof(
  { weight: 3, arbitrary: forwardAction.map((a) => [a]) },
  { weight: 1, arbitrary: fc.constant<Action[]>([redirectAction]) },
  { weight: 1, arbitrary: fc.constant<Action[]>([fixedAction]) },
);

const HOSTS = [
  'api.example.com',
  '*.example.org',
  'www.example.com',
  'static.example.net',
  'shop-?.example.com',
];
const PATHS = ['/api/*', '/static/*', '/admin', '/v?/items', '/health'];
const TENANTS = ['blue', 'green', 'beta*'];

const values = (pool: string[], max: number) =>
  fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: max });

/** Rule conditions: host-header / path-pattern at most once, any unrelated http-header; 1..maxValues values. */
export function conditionsArb(maxValues: number): fc.Arbitrary<RuleCondition[]> {
  return fc
    .record({
      host: fc.option(values(HOSTS, 2), { nil: undefined }),
      path: fc.option(values(PATHS, 2), { nil: undefined }),
      header: fc.option(fc.tuple(fc.constantFrom(...UNRELATED_HEADERS), values(TENANTS, 2)), {
        nil: undefined,
      }),
    })
    .map(({ host, path, header }) => {
      const out: RuleCondition[] = [];
      if (host) out.push({ Field: 'host-header', HostHeaderConfig: { Values: host } });
      if (path) out.push({ Field: 'path-pattern', PathPatternConfig: { Values: path } });
      if (header)
        out.push({
          Field: 'http-header',
          HttpHeaderConfig: { HttpHeaderName: header[0], Values: header[1] },
        });
      return out;
    })
    .filter((cs) => {
      const n = cs.reduce(
        (k, c) =>
          k +
          (c.HostHeaderConfig?.Values ?? c.PathPatternConfig?.Values ?? c.HttpHeaderConfig?.Values ?? [])
            .length,
        0,
      );
      return n >= 1 && n <= maxValues;
    });
}

export function rulesArb(maxRules: number, maxValues: number): fc.Arbitrary<ObservedRule[]> {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: 49999 }), { minLength: 0, maxLength: maxRules })
    .chain((priorities) =>
      fc.tuple(...priorities.map(() => fc.tuple(conditionsArb(maxValues), ruleActions))).map((parts) =>
        parts.map(([conditions, actions], i) => ({
          arn: `${RULE_PREFIX}/${(0xa000 + priorities[i]).toString(16).padStart(16, '0')}`,
          priority: priorities[i],
          conditions,
          actions,
        })),
      ),
    );
}

// ---------------------------------------------------------------------------------------------
// Security groups
// ---------------------------------------------------------------------------------------------

/** One single-source ingress permission, chosen relative to the listener port. */
export function ingressArb(port: number): fc.Arbitrary<IngressPermission> {
  const tcp = (from: number, to: number, src: Partial<IngressPermission>): IngressPermission => ({
    IpProtocol: 'tcp',
    FromPort: from,
    ToPort: to,
    ...src,
  });
  const otherPort = fc.constantFrom(22, 3306, 9000).filter((p) => p !== port);
  const desc = fc.option(fc.constantFrom('web', 'legacy open rule', 'office'), { nil: undefined });
  return fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(tcp(port, port, { CidrIp: '0.0.0.0/0' })) },
        { weight: 2, arbitrary: fc.constant(tcp(port, port, { CidrIpv6: '::/0' })) },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.integer({ min: 0, max: port }), fc.integer({ min: port, max: 65535 }), fc.boolean())
            .filter(([a, b]) => a < b)
            .map(([a, b, v6]) => tcp(a, b, v6 ? { CidrIpv6: '::/0' } : { CidrIp: '0.0.0.0/0' })),
        },
        {
          weight: 2,
          arbitrary: fc.boolean().map(
            (v6): IngressPermission => ({
              IpProtocol: '-1',
              ...(v6 ? { CidrIpv6: '::/0' } : { CidrIp: '0.0.0.0/0' }),
            }),
          ),
        },
        {
          weight: 2,
          arbitrary: fc
            .constantFrom('10.0.0.0/8', '192.168.1.0/24')
            .map((c) => tcp(port, port, { CidrIp: c })),
        },
        { weight: 1, arbitrary: fc.constant(tcp(port, port, { CidrIpv6: '2001:db8::/32' })) },
        // The internet split into ranges, a public /8 on a range of ports, non-internet ranges: judged
        // by address math, not by the literal /0.
        {
          weight: 2,
          arbitrary: fc
            .constantFrom(
              '0.0.0.0/1',
              '128.0.0.0/1',
              '52.0.0.0/8',
              '100.64.0.0/10',
              '172.16.0.0/12',
              '8.8.8.0/24',
            )
            .map((c) => tcp(port, port, { CidrIp: c })),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.integer({ min: 0, max: port }), fc.integer({ min: port, max: 65535 }))
            .filter(([a, b]) => a < b)
            .map(([a, b]) => tcp(a, b, { CidrIp: '52.0.0.0/8' })),
        },
        { weight: 1, arbitrary: fc.constant(tcp(port, port, { CidrIpv6: 'fd00::/8' })) },
        { weight: 2, arbitrary: otherPort.map((p) => tcp(p, p, { CidrIp: '0.0.0.0/0' })) },
        {
          weight: 1,
          arbitrary: fc.constant<IngressPermission>({
            IpProtocol: 'udp',
            FromPort: 53,
            ToPort: 53,
            CidrIp: '0.0.0.0/0',
          }),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(port, 22).map((p) => tcp(p, p, { PrefixListId: CUSTOMER_LIST })),
        },
        { weight: 1, arbitrary: fc.constant(tcp(port, port, { PrefixListId: CF_V4 })) },
      ),
      desc,
    )
    .map(([p, d]) => (d ? { ...p, Description: d } : p));
}

const sameFlat = (a: IngressPermission, b: IngressPermission): boolean =>
  a.IpProtocol === b.IpProtocol &&
  (a.IpProtocol === '-1' || (a.FromPort === b.FromPort && a.ToPort === b.ToPort)) &&
  a.CidrIp === b.CidrIp &&
  a.CidrIpv6 === b.CidrIpv6 &&
  a.PrefixListId === b.PrefixListId;

/** Whether two open rules of one family cover `port` and are wider than it. */
export function overlappingOpen(perms: IpPermission[], port: number): boolean {
  const wide = (p: IpPermission): boolean =>
    p.IpProtocol === '-1' ||
    (p.IpProtocol === 'tcp' &&
      (p.FromPort ?? 0) <= port &&
      port <= (p.ToPort ?? 0) &&
      p.FromPort !== p.ToPort);
  const v4 = perms.filter((p) => wide(p) && (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0')).length;
  const v6 = perms.filter((p) => wide(p) && (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === '::/0')).length;
  return v4 > 1 || v6 > 1;
}

/** Grouped permissions built from up to `max` distinct sources. */
export function permissionsArb(port: number, max: number): fc.Arbitrary<IpPermission[]> {
  return fc
    .uniqueArray(ingressArb(port), { minLength: 0, maxLength: max, comparator: sameFlat })
    .map((list) => list.reduce<IpPermission[]>((perms, p) => addIngress(perms, p), []));
}

// ---------------------------------------------------------------------------------------------
// Distribution
// ---------------------------------------------------------------------------------------------

const customOrigin = (
  id: string,
  domain: string,
  policy: string,
  headers: { name: string; value: string }[],
): Origin => ({
  Id: id,
  DomainName: domain,
  OriginPath: '',
  CustomHeaders: {
    Quantity: headers.length,
    Items: headers.map((h) => ({ HeaderName: h.name, HeaderValue: h.value })),
  },
  CustomOriginConfig: {
    HTTPPort: 80,
    HTTPSPort: 443,
    OriginProtocolPolicy: policy as 'http-only',
    OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
    OriginReadTimeout: 30,
    OriginKeepaliveTimeout: 5,
  },
  ConnectionAttempts: 3,
  ConnectionTimeout: 10,
});

const originHeadersArb = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom(...UNRELATED_HEADERS, 'X-Forwarded-Prefix', 'X-Cdn'),
    value: fc.constantFrom('blue', 'green', 'edge', '1'),
  }),
  { maxLength: 3, selector: (h) => h.name.toLowerCase() },
);

const lbDomain = fc.constantFrom(LB_DNS, `dualstack.${LB_DNS}`, `${LB_DNS}.`, LB_DNS.toUpperCase());

export const originsArb: fc.Arbitrary<Origin[]> = fc
  .tuple(
    fc.array(
      fc.tuple(lbDomain, fc.constantFrom('http-only', 'match-viewer', 'https-only'), originHeadersArb),
      { minLength: 1, maxLength: 2 },
    ),
    fc.subarray(['s3', 'api'] as const),
    fc.boolean(),
  )
  .map(([lbs, others, othersFirst]) => {
    const lbOrigins = lbs.map(([domain, policy, headers], i) =>
      customOrigin(`alb-${i + 1}`, domain, policy, headers),
    );
    const rest: Origin[] = others.map((k) =>
      k === 's3'
        ? {
            Id: 'assets-s3',
            DomainName: 'assets-bucket.s3.us-east-1.amazonaws.com',
            OriginPath: '',
            CustomHeaders: { Quantity: 0, Items: [] },
            S3OriginConfig: { OriginAccessIdentity: '' },
          }
        : customOrigin('legacy-api', 'api.example.net', 'https-only', [{ name: 'X-Cdn', value: 'cf' }]),
    );
    return othersFirst ? [...rest, ...lbOrigins] : [...lbOrigins, ...rest];
  });

// ---------------------------------------------------------------------------------------------
// Observed states
// ---------------------------------------------------------------------------------------------

export interface ObservedOptions {
  /** Max condition values per generated rule (default 3: the lock's header adds one per accepted value). */
  maxRuleValues?: number;
  maxRules?: number;
  /** Max ingress sources per security group. */
  maxIngress?: number;
  /** Whether the CloudFront IPv4 prefix list exists (default always). */
  withV4List?: boolean;
  /**
   * Allow several open (0.0.0.0/0 or ::/0) rules of one family that cover the listener port and are
   * wider than it (their leftover port ranges can coincide). Default false.
   */
  overlappingOpenRules?: boolean;
  /** Max IPv4 / IPv6 quota usage per group before the lock (default 5: room for a weight-55 list). */
  maxQuotaUsage?: number;
  /**
   * Some groups are full: rules on another port leave no room for a weight-55 list, so when every group
   * is, the lock falls back to a group of its own. Default false.
   */
  fullGroups?: boolean;
}

export const VPC_ID = 'vpc-0123456789abcdef0';

/** Rules on port 22 from single addresses: `count` of the group's IPv4 quota, none on a listener port. */
const fillerRules = (count: number): IpPermission[] =>
  count === 0
    ? []
    : [
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: Array.from({ length: count }, (_, i) => ({ CidrIp: `10.9.0.${i + 1}/32` })),
        },
      ];

/** `o` with some groups filled up to `fill[i]` extra IPv4 rules (0: unchanged). */
function withFilledGroups(o: Observed, fill: number[]): Observed {
  const out = JSON.parse(JSON.stringify(o)) as Observed;
  out.groups.forEach((g, i) => {
    g.permissions = [...g.permissions, ...fillerRules(fill[i % fill.length] ?? 0)];
  });
  return out;
}

/**
 * The load balancer's origins send their requests to the locked listener (its port; match-viewer when
 * the policy would miss it): an origin reaching another listener is not the lock's target.
 */
function reachingListener(origins: Origin[], port: number, protocol: string): Origin[] {
  return origins.map((o) => {
    if (!o.Id?.startsWith('alb-') || !o.CustomOriginConfig) return o;
    const custom = { ...o.CustomOriginConfig };
    if (protocol === 'HTTP') custom.HTTPPort = port;
    else custom.HTTPSPort = port;
    const policy = custom.OriginProtocolPolicy;
    if ((protocol === 'HTTP' && policy === 'https-only') || (protocol === 'HTTPS' && policy === 'http-only'))
      custom.OriginProtocolPolicy = 'match-viewer';
    return { ...o, CustomOriginConfig: custom };
  });
}

export function observedArb(opts: ObservedOptions = {}): fc.Arbitrary<Observed> {
  const plain = plainObservedArb(opts);
  if (!opts.fullGroups) return plain;
  // 0 leaves a group as it was; 6 or more leave no room for a list of weight 55 in a quota of 60.
  const fill = fc.array(fc.constantFrom(0, 0, 6, 20), { minLength: 2, maxLength: 2 });
  return fc.tuple(plain, fill).map(([o, f]) => withFilledGroups(o, f));
}

function plainObservedArb(opts: ObservedOptions): fc.Arbitrary<Observed> {
  const listenerArb = fc.constantFrom(
    { port: 80, protocol: 'HTTP' },
    { port: 443, protocol: 'HTTPS' },
    { port: 8080, protocol: 'HTTP' },
    { port: 8443, protocol: 'HTTPS' },
  );
  return listenerArb.chain(({ port, protocol }) =>
    fc
      .record({
        defaultAction: forwardAction,
        rules: rulesArb(opts.maxRules ?? 4, opts.maxRuleValues ?? 3),
        groups: fc.array(permissionsArb(port, opts.maxIngress ?? 4), { minLength: 1, maxLength: 2 }),
        ipAddressType: fc.constantFrom('ipv4', 'dualstack'),
        v6ListAnyway: fc.boolean(),
        origins: originsArb,
        otherLb: fc.boolean(),
      })
      // Leave room for the CloudFront lists (weight 55 of the quota of 60): the planner refuses a fuller group.
      .filter(({ groups }) =>
        groups.every((perms) => {
          const usage = groupUsage({ v6: { id: CF_V6, weight: 55 }, weights: LIST_WEIGHTS }, perms);
          const max = opts.maxQuotaUsage ?? 5;
          return (
            usage.v4 <= max && usage.v6 <= max && (opts.overlappingOpenRules || !overlappingOpen(perms, port))
          );
        }),
      )
      .map(({ defaultAction, rules, groups, ipAddressType, v6ListAnyway, origins, otherLb }): Observed => {
        const withV6 = ipAddressType === 'dualstack' || v6ListAnyway;
        const weights: Record<string, number> = { [CUSTOMER_LIST]: LIST_WEIGHTS[CUSTOMER_LIST] };
        if (opts.withV4List ?? true) weights[CF_V4] = LIST_WEIGHTS[CF_V4];
        if (withV6) weights[CF_V6] = LIST_WEIGHTS[CF_V6];
        return described({
          listener: {
            arn: LISTENER_ARN,
            port,
            protocol,
            defaultActions: [defaultAction],
            tags: { team: 'web' },
          },
          loadBalancer: {
            arn: LB_ARN,
            type: 'application',
            ipAddressType,
            dnsName: LB_DNS,
            securityGroupIds: groups.map((_, i) => `sg-0${i}1234567890abcde`),
            vpcId: VPC_ID,
            // Another listener of the same load balancer may already be locked.
            tags: otherLb ? { 'acme:origin-lock:listeners': '00000000000000aa' } : {},
          },
          rules,
          groups: groups.map((permissions, i) => ({ groupId: `sg-0${i}1234567890abcde`, permissions })),
          prefixLists: {
            ...((opts.withV4List ?? true) ? { v4: { id: CF_V4, weight: 55 } } : {}),
            ...(withV6 ? { v6: { id: CF_V6, weight: 55 } } : {}),
            weights,
          },
          distributions: {
            [DISTRIBUTION_ID]: {
              id: DISTRIBUTION_ID,
              status: 'Deployed',
              origins: reachingListener(origins, port, protocol),
            },
          },
        });
      }),
  );
}

// ---------------------------------------------------------------------------------------------
// Specs and secret values
// ---------------------------------------------------------------------------------------------

export const secretValueArb: fc.Arbitrary<string> = fc.stringMatching(/^[a-z0-9]{32,64}$/);

/** Accepted values: AWSCURRENT, optionally AWSPENDING (distinct). */
export const valuesArb: fc.Arbitrary<string[]> = fc.uniqueArray(secretValueArb, {
  minLength: 1,
  maxLength: 2,
});

export const headerNameArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('X-Origin-Verify', 'x-origin-verify', 'X-Lock-Secret', 'X-CDN-Token', 'Origin-Auth'),
  fc.stringMatching(/^[A-Za-z0-9]{1,12}$/).map((s) => `X-Verify-${s}`),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}$/).map((s) => `Lock${s}`),
);

export const denyArb: fc.Arbitrary<DenyResponseSpec> = fc.record({
  StatusCode: fc.constantFrom('403', '401', '404', '503', '200', '418'),
  ContentType: fc.constantFrom('text/plain', 'text/html', 'application/json'),
  MessageBody: fc.constantFrom('Forbidden', '', 'Access denied', '{"error":"denied"}'),
});

export function enforceArb(protocol: string): fc.Arbitrary<EnforceFlags> {
  return fc
    .record({
      SecurityGroup: fc.boolean(),
      ListenerRules: fc.boolean(),
      DenyDefault: fc.boolean(),
      OriginHeader: fc.boolean(),
      HttpsOrigin: fc.boolean(),
    })
    .map((e) => ({ ...e, HttpsOrigin: e.HttpsOrigin && e.OriginHeader && protocol === 'HTTPS' }));
}

/** A spec for `o` (random flags, header name, deny response; rarely an explicit OriginId). */
export function specArb(o: Observed, enforce?: Partial<EnforceFlags>): fc.Arbitrary<LockSpec> {
  const lbOrigins = (o.distributions[DISTRIBUTION_ID]?.origins ?? []).filter((x) =>
    (x.Id ?? '').startsWith('alb-'),
  );
  return fc
    .record({
      HeaderName: headerNameArb,
      DenyResponse: denyArb,
      Enforce: enforceArb(o.listener.protocol),
      originId: fc.option(fc.constantFrom(...lbOrigins.map((x) => x.Id ?? '')), { nil: undefined, freq: 6 }),
    })
    .map(({ HeaderName, DenyResponse, Enforce, originId }) => {
      const flags = { ...Enforce, ...enforce };
      if (flags.HttpsOrigin && (!flags.OriginHeader || o.listener.protocol !== 'HTTPS'))
        flags.HttpsOrigin = false;
      const spec: LockSpec = {
        ListenerArn: LISTENER_ARN,
        DistributionId: DISTRIBUTION_ID,
        SecretArn: SECRET_ARN,
        HeaderName,
        DenyResponse,
        Enforce: flags,
      };
      if (originId !== undefined) spec.OriginId = originId;
      return spec;
    });
}

/** Whether the user, not the lock, must make the origin send the header (rules enforced, OriginHeader not). */
export const userManagedHeader = (spec: LockSpec): boolean =>
  !spec.Enforce.OriginHeader && needsCatchAll(spec.Enforce);

/** `o` with the spec's target origins already sending `name: value` (a header the user manages). */
export function withOriginHeader(o: Observed, spec: LockSpec, value: string): Observed {
  const out = JSON.parse(JSON.stringify(o)) as Observed;
  for (const t of resolveTargets(spec, out)) {
    const items = (t.origin.CustomHeaders?.Items ?? []).filter(
      (h) => (h.HeaderName ?? '').toLowerCase() !== spec.HeaderName.toLowerCase(),
    );
    items.push({ HeaderName: spec.HeaderName, HeaderValue: value });
    t.origin.CustomHeaders = { Quantity: items.length, Items: items };
  }
  return out;
}

/** A lock scenario: a raw state, an optional earlier lock (converged first), the desired spec and values. */
export interface Scenario {
  raw: Observed;
  earlier?: { spec: LockSpec; values: string[] };
  spec: LockSpec;
  values: string[];
}

export interface ScenarioOptions extends ObservedOptions {
  /** Whether an earlier lock may exist (default: sometimes). */
  earlier?: boolean;
  /** Keep the earlier lock's DenyResponse in the desired spec (default true). */
  sameDeny?: boolean;
  /**
   * When the desired spec drops the catch-all (neither ListenerRules nor DenyDefault) that the earlier
   * lock had, keep the earlier secret values (default true).
   */
  releaseKeepsValues?: boolean;
  /** Some specs (desired and earlier) ask for the lock's own security group. Default false. */
  dedicated?: boolean;
}

const withDedicated = (spec: LockSpec, on: boolean): LockSpec => ({
  ...spec,
  Enforce: { ...spec.Enforce, DedicatedSecurityGroup: on },
});

export function scenarioArb(opts: ScenarioOptions = {}): fc.Arbitrary<Scenario> {
  const plain = plainScenarioArb(opts);
  if (!opts.dedicated) return plain;
  return fc.tuple(plain, fc.boolean(), fc.boolean()).map(([s, now, before]) => ({
    ...s,
    spec: withDedicated(s.spec, now),
    ...(s.earlier ? { earlier: { ...s.earlier, spec: withDedicated(s.earlier.spec, before) } } : {}),
  }));
}

function plainScenarioArb(opts: ScenarioOptions): fc.Arbitrary<Scenario> {
  return observedArb(opts).chain((raw) =>
    fc
      .record({
        spec: specArb(raw),
        values: valuesArb,
        earlier:
          opts.earlier === false
            ? fc.constant(undefined)
            : fc.option(fc.record({ spec: specArb(raw), values: valuesArb }), { nil: undefined }),
      })
      // A lock condition accepts at most 3 values while it widens from the earlier values to the new
      // ones; both sets fully new (two rotations at once) is refused by the planner.
      .filter(({ values, earlier }) => !earlier || new Set([...values, ...earlier.values]).size <= 3)
      .map(({ spec: desired, values, earlier }) => {
        const spec =
          earlier && (opts.sameDeny ?? true)
            ? { ...desired, DenyResponse: earlier.spec.DenyResponse }
            : desired;
        let state = raw;
        let vals = values;
        const specs = [spec, ...(earlier ? [earlier.spec] : [])];
        if (earlier && specs.some(userManagedHeader)) vals = earlier.values; // the user's header stays put
        const dropsCatchAll = earlier && needsCatchAll(earlier.spec.Enforce) && !needsCatchAll(spec.Enforce);
        if (earlier && dropsCatchAll && (opts.releaseKeepsValues ?? true)) vals = earlier.values;
        for (const s of specs)
          if (userManagedHeader(s)) state = withOriginHeader(state, s, (earlier?.values ?? vals)[0]);
        return { raw: state, spec, values: vals, ...(earlier ? { earlier } : {}) };
      }),
  );
}

// ---------------------------------------------------------------------------------------------
// Drift
// ---------------------------------------------------------------------------------------------

export type DriftKind = 'reopen-ingress' | 'unguarded-rule' | 'remove-origin-header' | 'reset-default';

/** The Enforce flag whose control a drift breaks. */
export const DRIFT_CONTROL: Record<DriftKind, ControlName> = {
  'reopen-ingress': 'SecurityGroup',
  'unguarded-rule': 'ListenerRules',
  'remove-origin-header': 'OriginHeader',
  'reset-default': 'DenyDefault',
};

/** Applies a drift mutation to a converged lock; `pick` chooses among groups/origins/priorities. */
export function applyDrift(o: Observed, kind: DriftKind, spec: LockSpec, pick: number): Observed {
  const out = JSON.parse(JSON.stringify(o)) as Observed;
  switch (kind) {
    case 'reopen-ingress': {
      const g = out.groups[pick % out.groups.length];
      const p: IngressPermission = {
        IpProtocol: 'tcp',
        FromPort: out.listener.port,
        ToPort: out.listener.port,
        CidrIp: '0.0.0.0/0',
      };
      g.permissions = addIngress(g.permissions, p);
      return out;
    }
    case 'unguarded-rule': {
      const taken = new Set(out.rules.map((r) => r.priority));
      let priority = 1 + (pick % 49999);
      while (taken.has(priority)) priority = (priority % 49999) + 1;
      out.rules.push({
        arn: `${RULE_PREFIX}/00000000drift${String(pick % 1000).padStart(3, '0')}`,
        priority,
        conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['drift.example.com'] } }],
        actions: [{ Type: 'forward', TargetGroupArn: TG('drift') }],
      });
      return described(out);
    }
    case 'remove-origin-header': {
      const targets = resolveTargets(spec, out);
      const t = targets[pick % targets.length];
      const items = (t.origin.CustomHeaders?.Items ?? []).filter(
        (h) => (h.HeaderName ?? '').toLowerCase() !== spec.HeaderName.toLowerCase(),
      );
      t.origin.CustomHeaders = { Quantity: items.length, Items: items };
      const d = out.distributions[t.distributionId];
      if (d) d.status = pick % 2 === 0 ? 'Deployed' : 'InProgress';
      return out;
    }
    case 'reset-default':
      out.listener.defaultActions = [
        { Type: 'forward', TargetGroupArn: TG(pick % 2 === 0 ? 'app' : 'rollback') },
      ];
      return described(out);
  }
}

export const driftKindArb: fc.Arbitrary<DriftKind> = fc.constantFrom(
  'reopen-ingress',
  'unguarded-rule',
  'remove-origin-header',
  'reset-default',
);
