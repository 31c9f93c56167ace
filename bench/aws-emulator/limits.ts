import {
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { XMLParser } from 'fast-xml-parser';
import { FormObject, FormValue, list, nestForm, obj, str } from './form';
import { WireError, wireError, WireRequest } from './wire';

/**
 * AWS's documented quotas and validations that moto does not enforce, checked against moto's own state
 * before a write is forwarded. Numbers are AWS's defaults (Elastic Load Balancing, VPC and CloudFront
 * quotas pages; botocore's elbv2 model for tag lengths).
 */
export const AWS_LIMITS = {
  rulesPerLoadBalancer: 100,
  conditionValuesPerRule: 5,
  valuesPerCondition: 3,
  headerNameLength: 40,
  headerValueLength: 128,
  tagsPerElbResource: 50,
  tagKeyLength: 128,
  tagValueLength: 256,
  rulesPerSecurityGroup: 60,
  cloudFrontListWeight: 55,
  customHeadersPerOrigin: 10,
  securityGroupsPerLoadBalancer: 5,
} as const;

const CLOUDFRONT_LISTS = [
  'com.amazonaws.global.cloudfront.origin-facing',
  'com.amazonaws.global.ipv6.cloudfront.origin-facing',
];

export interface StateClients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
}

const validation = (message: string): WireError =>
  wireError('elasticloadbalancing', 400, 'ValidationError', message);

function conditionValues(c: FormObject): string[] {
  const configs = [
    'HostHeaderConfig',
    'PathPatternConfig',
    'HttpHeaderConfig',
    'HttpRequestMethodConfig',
    'SourceIpConfig',
  ];
  for (const k of configs) if (c[k]) return list(obj(c[k]).Values).map((v) => str(v) ?? '');
  if (c.QueryStringConfig)
    return list(obj(c.QueryStringConfig).Values).map(
      (v) => `${str(obj(v).Key) ?? ''}=${str(obj(v).Value) ?? ''}`,
    );
  return list(c.Values).map((v) => str(v) ?? '');
}

/** Condition limits of CreateRule/ModifyRule: values per rule and per condition, header name and value lengths. */
function checkConditions(conditions: FormValue[]): WireError | undefined {
  let total = 0;
  for (const raw of conditions) {
    const c = obj(raw);
    const values = conditionValues(c);
    total += values.length;
    if (values.length > AWS_LIMITS.valuesPerCondition)
      return validation(`A condition can only have '${AWS_LIMITS.valuesPerCondition}' values`);
    if (str(c.Field) === 'http-header') {
      const name = str(obj(c.HttpHeaderConfig).HttpHeaderName) ?? '';
      if (name.length > AWS_LIMITS.headerNameLength)
        return validation(
          `The 'HttpHeaderName' field cannot be longer than '${AWS_LIMITS.headerNameLength}' characters`,
        );
      if (values.some((v) => v.length > AWS_LIMITS.headerValueLength))
        return validation(
          `The header condition values cannot be longer than '${AWS_LIMITS.headerValueLength}' characters`,
        );
    }
  }
  if (total > AWS_LIMITS.conditionValuesPerRule)
    return validation(`A rule can only have '${AWS_LIMITS.conditionValuesPerRule}' condition values`);
  return undefined;
}

/** authenticate-oidc actions: AWS never returns ClientSecret, so a copy must say UseExistingClientSecret. */
function checkOidc(actions: FormValue[], mayReuseSecret: boolean): WireError | undefined {
  for (const raw of actions) {
    const a = obj(raw);
    if (str(a.Type) !== 'authenticate-oidc') continue;
    const cfg = obj(a.AuthenticateOidcConfig);
    if (str(cfg.ClientSecret)) continue;
    if (mayReuseSecret && str(cfg.UseExistingClientSecret) === 'true') continue;
    return validation('A client secret must be specified for authenticate-oidc actions');
  }
  return undefined;
}

async function loadBalancerOfListener(c: StateClients, listenerArn: string): Promise<string | undefined> {
  const out = await c.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  return out.Listeners?.[0]?.LoadBalancerArn;
}

async function ruleCount(c: StateClients, loadBalancerArn: string): Promise<number> {
  const listeners =
    (await c.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }))).Listeners ?? [];
  let n = 0;
  for (const l of listeners) {
    const rules = (await c.elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? [];
    n += rules.filter((r) => !r.IsDefault).length;
  }
  return n;
}

function checkTagShapes(tags: FormValue[]): WireError | undefined {
  for (const raw of tags) {
    const t = obj(raw);
    const key = str(t.Key) ?? '';
    const value = str(t.Value) ?? '';
    if (key.length > AWS_LIMITS.tagKeyLength)
      return validation(`Tag key '${key.slice(0, 20)}…' is longer than ${AWS_LIMITS.tagKeyLength}`);
    if (value.length > AWS_LIMITS.tagValueLength)
      return validation(
        `Tag value of '${key}' is ${value.length} characters; at most ${AWS_LIMITS.tagValueLength}`,
      );
  }
  return undefined;
}

async function checkAddTags(c: StateClients, p: FormObject): Promise<WireError | undefined> {
  const tags = list(p.Tags);
  const shape = checkTagShapes(tags);
  if (shape) return shape;
  const keys = tags.map((t) => str(obj(t).Key) ?? '');
  const arns = list(p.ResourceArns).map((a) => str(a) ?? '');
  const described =
    (await c.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns }))).TagDescriptions ?? [];
  for (const d of described) {
    const existing = new Set((d.Tags ?? []).map((t) => t.Key ?? ''));
    const after = new Set([...existing, ...keys]);
    if (after.size > AWS_LIMITS.tagsPerElbResource)
      return wireError(
        'elasticloadbalancing',
        400,
        'TooManyTags',
        `The quota for the number of tags that can be assigned to a load balancer has been reached (${AWS_LIMITS.tagsPerElbResource})`,
      );
  }
  return undefined;
}

/** Rule weight per address family; a security-group reference counts in both (VPC quotas page). */
async function groupWeights(
  c: StateClients,
  groupId: string,
  extra: FormValue[],
): Promise<{ v4: number; v6: number }> {
  const group = (await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })))
    .SecurityGroups?.[0];
  const lists = (await c.ec2.send(new DescribeManagedPrefixListsCommand({}))).PrefixLists ?? [];
  const weightOf = (id: string): number => {
    const pl = lists.find((l) => l.PrefixListId === id);
    if (pl && CLOUDFRONT_LISTS.includes(pl.PrefixListName ?? '')) return AWS_LIMITS.cloudFrontListWeight;
    return pl?.MaxEntries ?? 1;
  };
  const isV6List = (id: string): boolean =>
    lists.find((l) => l.PrefixListId === id)?.AddressFamily === 'IPv6' ||
    (lists.find((l) => l.PrefixListId === id)?.PrefixListName ?? '').includes('ipv6');
  const w = { v4: 0, v6: 0 };
  const count = (p: { IpRanges: unknown[]; Ipv6Ranges: unknown[]; Groups: unknown[]; Lists: string[] }) => {
    w.v4 += p.IpRanges.length + p.Groups.length;
    w.v6 += p.Ipv6Ranges.length + p.Groups.length;
    for (const id of p.Lists) w[isV6List(id) ? 'v6' : 'v4'] += weightOf(id);
  };
  for (const p of group?.IpPermissions ?? [])
    count({
      IpRanges: p.IpRanges ?? [],
      Ipv6Ranges: p.Ipv6Ranges ?? [],
      Groups: p.UserIdGroupPairs ?? [],
      Lists: (p.PrefixListIds ?? []).map((x) => x.PrefixListId ?? ''),
    });
  // A source the group already has on the same ports adds nothing: AWS answers Duplicate for it.
  const has = (
    p: FormObject,
    field: 'CidrIp' | 'CidrIpv6' | 'PrefixListId' | 'GroupId',
    value: string,
  ): boolean =>
    (group?.IpPermissions ?? []).some(
      (g) =>
        g.IpProtocol === str(p.IpProtocol) &&
        String(g.FromPort ?? '') === (str(p.FromPort) ?? '') &&
        String(g.ToPort ?? '') === (str(p.ToPort) ?? '') &&
        [
          ...(g.IpRanges ?? []),
          ...(g.Ipv6Ranges ?? []),
          ...(g.PrefixListIds ?? []),
          ...(g.UserIdGroupPairs ?? []),
        ].some((x) => (x as Record<string, unknown>)[field] === value),
    );
  for (const raw of extra) {
    const p = obj(raw);
    const fresh = (items: FormValue | undefined, field: 'CidrIp' | 'CidrIpv6' | 'PrefixListId' | 'GroupId') =>
      list(items)
        .map((x) => str(obj(x)[field]) ?? '')
        .filter((v) => !has(p, field, v));
    count({
      IpRanges: fresh(p.IpRanges, 'CidrIp'),
      Ipv6Ranges: fresh(p.Ipv6Ranges, 'CidrIpv6'),
      Groups: fresh(p.Groups, 'GroupId'),
      Lists: fresh(p.PrefixListIds, 'PrefixListId'),
    });
  }
  return w;
}

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['Origin', 'OriginCustomHeader'].includes(name),
});

function checkCustomHeaders(body: Buffer): WireError | undefined {
  const doc = xml.parse(body.toString('utf8')) as {
    DistributionConfig?: {
      Origins?: {
        Items?: {
          Origin?: { Id?: string; CustomHeaders?: { Items?: { OriginCustomHeader?: unknown[] } } }[];
        };
      };
    };
  };
  for (const o of doc.DistributionConfig?.Origins?.Items?.Origin ?? []) {
    const n = o.CustomHeaders?.Items?.OriginCustomHeader?.length ?? 0;
    if (n > AWS_LIMITS.customHeadersPerOrigin)
      return wireError(
        'cloudfront',
        400,
        'TooManyOriginCustomHeaders',
        `Your request contains too many origin custom headers (origin ${o.Id}: ${n}, at most ${AWS_LIMITS.customHeadersPerOrigin}).`,
      );
  }
  return undefined;
}

/** moto deletes a missing rule silently; AWS answers RuleNotFound. */
async function checkRuleExists(c: StateClients, ruleArn: string): Promise<WireError | undefined> {
  try {
    const out = await c.elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
    if ((out.Rules ?? []).length > 0) return undefined;
  } catch {
    // moto answers RuleNotFound itself for an unknown ARN
  }
  return wireError('elasticloadbalancing', 400, 'RuleNotFound', 'One or more rules not found');
}

/** The AWS answer a write would get where moto would accept it, or undefined to forward it. */
export async function enforceLimits(c: StateClients, r: WireRequest): Promise<WireError | undefined> {
  if (r.service === 'cloudfront' && r.operation === 'UpdateDistribution') return checkCustomHeaders(r.body);
  const p = nestForm(r.form);
  if (r.service === 'elasticloadbalancing') {
    switch (r.operation) {
      case 'CreateRule': {
        const lb = await loadBalancerOfListener(c, str(p.ListenerArn) ?? '');
        if (lb && (await ruleCount(c, lb)) >= AWS_LIMITS.rulesPerLoadBalancer)
          return wireError(
            'elasticloadbalancing',
            400,
            'TooManyRules',
            `The maximum number of rules (${AWS_LIMITS.rulesPerLoadBalancer}) on the load balancer has been reached`,
          );
        return (
          checkConditions(list(p.Conditions)) ??
          checkOidc(list(p.Actions), false) ??
          checkTagShapes(list(p.Tags))
        );
      }
      case 'ModifyRule':
        return checkConditions(list(p.Conditions)) ?? checkOidc(list(p.Actions), true);
      case 'ModifyListener':
        return checkOidc(list(p.DefaultActions), true);
      case 'AddTags':
        return checkAddTags(c, p);
      case 'DeleteRule':
        return checkRuleExists(c, str(p.RuleArn) ?? '');
      // botocore's elbv2 model names no error for this; AWS answers a ValidationError.
      case 'SetSecurityGroups': {
        const n = list(p.SecurityGroups).length;
        return n > AWS_LIMITS.securityGroupsPerLoadBalancer
          ? validation(
              `${n} security groups: a load balancer can have at most ${AWS_LIMITS.securityGroupsPerLoadBalancer}`,
            )
          : undefined;
      }
    }
  }
  if (r.service === 'ec2' && r.operation === 'AuthorizeSecurityGroupIngress') {
    const w = await groupWeights(c, str(p.GroupId) ?? '', list(p.IpPermissions));
    if (w.v4 > AWS_LIMITS.rulesPerSecurityGroup || w.v6 > AWS_LIMITS.rulesPerSecurityGroup)
      return wireError(
        'ec2',
        400,
        'RulesPerSecurityGroupLimitExceeded',
        'The maximum number of rules per security group has been reached.',
      );
  }
  return undefined;
}

/** AWS never returns an OIDC ClientSecret from Describe calls; moto does. */
export const withoutClientSecrets = (body: string): string =>
  body.replace(/<ClientSecret>[^<]*<\/ClientSecret>/g, '');
