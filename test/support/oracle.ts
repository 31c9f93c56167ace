/**
 * The no-outage oracle: pure evaluators of ALB listener rules and security-group ingress, and the
 * assertion the integration tests run after every write of a create/update/delete.
 *
 * Everything in this file is pure (no AWS calls); `traffic-snapshot.ts` reads the live state.
 *
 * Secret header values are never written into a message: wherever a violation refers to one it
 * prints `<secret>`, and as a second line of defence every known value is scrubbed from the final
 * violation strings.
 */
import type { Action, Rule, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { coveredBy, parseCidr, ParsedCidr, parseIp } from '../../src/engine/rules/cidr';
import { cidrExposes, exposes } from '../../src/engine/rules/exposure';
import { isOpenCidr } from '../../src/engine/rules/ingress';

// ---------------------------------------------------------------------------------------------
// Requests and outcomes
// ---------------------------------------------------------------------------------------------

/** An HTTP request as the load balancer sees it. */
export interface SampleRequest {
  /** Host header (compared case-insensitively, as given - a `:port` suffix is not stripped). */
  host?: string;
  /** URL path, default `/`. A `?query` suffix is split off and used as the query string when `queryString` is absent. */
  path?: string;
  /** Request headers; names are case-insensitive. */
  headers?: Record<string, string>;
  /** HTTP method, default `GET` (compared case-sensitively, as ALB does). */
  method?: string;
  /** Source address of the connection (IPv4 or IPv6), for `source-ip` conditions. */
  sourceIp?: string;
  /** Query string parameters (already decoded). */
  queryString?: Record<string, string>;
}

export interface WeightedTargetGroup {
  targetGroupArn: string;
  weight: number;
}

export type AuthenticateActionType = 'authenticate-oidc' | 'authenticate-cognito' | 'jwt-validation';

export interface ForwardOutcome {
  kind: 'forward';
  /** Sorted, de-duplicated ARNs of the target groups that receive traffic (weight > 0). */
  targetGroupArns: string[];
  /** Every target group of the action with its weight (a bare TargetGroupArn counts as weight 1). */
  targetGroups: WeightedTargetGroup[];
}

export interface AuthenticateThenForwardOutcome {
  kind: 'authenticate-then-forward';
  /** Authentication actions, in execution order. */
  authenticate: AuthenticateActionType[];
  /** OnUnauthenticatedRequest of each authenticate-oidc / authenticate-cognito action (default `authenticate`). */
  onUnauthenticatedRequest: string[];
  targetGroupArns: string[];
  targetGroups: WeightedTargetGroup[];
}

export interface FixedResponseOutcome {
  kind: 'fixed-response';
  statusCode: string;
  contentType?: string;
  /** Authentication actions that run before the fixed response, if any. */
  authenticate?: AuthenticateActionType[];
}

export interface RedirectOutcome {
  kind: 'redirect';
  statusCode?: string;
  protocol?: string;
  host?: string;
  port?: string;
  path?: string;
  query?: string;
  authenticate?: AuthenticateActionType[];
}

export type Outcome =
  | ForwardOutcome
  | AuthenticateThenForwardOutcome
  | FixedResponseOutcome
  | RedirectOutcome;

/** The rule that decided a request. */
export interface RuleRef {
  ruleArn?: string;
  priority: number | 'default';
  isDefault: boolean;
}

export interface RuleEvaluation {
  rule: RuleRef;
  outcome: Outcome;
}

/** Rules or actions the evaluator cannot model (unknown field or action type, a condition without values, ...). */
export class OracleEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OracleEvaluationError';
  }
}

// ---------------------------------------------------------------------------------------------
// Wildcards and addresses
// ---------------------------------------------------------------------------------------------

export interface WildcardOptions {
  caseInsensitive: boolean;
  /** Treat `\*`, `\?` and `\\` as literal characters (ALB query-string conditions). */
  escapes?: boolean;
}

type PatternToken = { t: 'star' } | { t: 'one' } | { t: 'lit'; c: string };

function tokenize(pattern: string, opts: WildcardOptions): PatternToken[] {
  const chars = Array.from(pattern);
  const tokens: PatternToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (opts.escapes && c === '\\' && i + 1 < chars.length) {
      i++;
      tokens.push({ t: 'lit', c: fold(chars[i], opts) });
    } else if (c === '*') {
      if (tokens.length === 0 || tokens[tokens.length - 1].t !== 'star') tokens.push({ t: 'star' });
    } else if (c === '?') {
      tokens.push({ t: 'one' });
    } else {
      tokens.push({ t: 'lit', c: fold(c, opts) });
    }
  }
  return tokens;
}

function fold(c: string, opts: WildcardOptions): string {
  return opts.caseInsensitive ? c.toLowerCase() : c;
}

/**
 * Whole-string match of an ALB pattern: `*` matches any run of characters (also none), `?` exactly
 * one character; everything else is literal.
 */
export function wildcardMatch(pattern: string, value: string, opts: WildcardOptions): boolean {
  const tokens = tokenize(pattern, opts);
  const text = Array.from(value).map((c) => fold(c, opts));
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const tok = tokens[p];
    if (tok !== undefined && (tok.t === 'one' || (tok.t === 'lit' && tok.c === text[t]))) {
      p++;
      t++;
    } else if (tok !== undefined && tok.t === 'star') {
      starP = p;
      starT = t;
      p++;
    } else if (starP !== -1) {
      p = starP + 1;
      starT++;
      t = starT;
    } else {
      return false;
    }
  }
  while (p < tokens.length && tokens[p].t === 'star') p++;
  return p === tokens.length;
}

/** True when `ip` lies inside `cidr` (same address family only). */
export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const address = parseIp(ip);
  if (range === undefined || address === undefined || range.family !== address.family) return false;
  const bits = BigInt(range.family === 4 ? 32 : 128);
  const hostBits = bits - BigInt(range.prefixLength);
  return range.value >> hostBits === address.value >> hostBits;
}

// ---------------------------------------------------------------------------------------------
// Listener rules
// ---------------------------------------------------------------------------------------------

interface NormalizedRequest {
  host?: string;
  path: string;
  method: string;
  sourceIp?: string;
  headers: Map<string, string>;
  query: [string, string][];
}

function parseQuery(text: string): [string, string][] {
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return text
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
    });
}

function normalizeRequest(request: SampleRequest): NormalizedRequest {
  const rawPath = request.path ?? '/';
  const q = rawPath.indexOf('?');
  const path = q === -1 ? rawPath : rawPath.slice(0, q);
  const query =
    request.queryString !== undefined
      ? Object.entries(request.queryString)
      : q === -1
        ? []
        : parseQuery(rawPath.slice(q + 1));
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name.toLowerCase(), value);
  return {
    host: request.host,
    path,
    method: request.method ?? 'GET',
    sourceIp: request.sourceIp,
    headers,
    query,
  };
}

function valuesOf(condition: RuleCondition, config: { Values?: string[] } | undefined): string[] {
  if (config?.Values !== undefined && config.Values.length > 0) return config.Values;
  return condition.Values ?? [];
}

function requireValues(condition: RuleCondition, values: readonly unknown[]): void {
  if (values.length === 0) {
    throw new OracleEvaluationError(`a ${condition.Field} condition has no values`);
  }
}

function regexMatches(patterns: readonly string[] | undefined, value: string, flags: string): boolean {
  return (patterns ?? []).some((source) => new RegExp(source, flags).test(value));
}

function conditionMatchesNormalized(condition: RuleCondition, req: NormalizedRequest): boolean {
  switch (condition.Field) {
    case 'host-header': {
      const values = valuesOf(condition, condition.HostHeaderConfig);
      const regexes = condition.HostHeaderConfig?.RegexValues ?? condition.RegexValues;
      requireValues(condition, [...values, ...(regexes ?? [])]);
      const host = req.host;
      if (host === undefined) return false;
      return (
        values.some((v) => wildcardMatch(v, host, { caseInsensitive: true })) ||
        regexMatches(regexes, host, 'i')
      );
    }
    case 'path-pattern': {
      const values = valuesOf(condition, condition.PathPatternConfig);
      const regexes = condition.PathPatternConfig?.RegexValues ?? condition.RegexValues;
      requireValues(condition, [...values, ...(regexes ?? [])]);
      return (
        values.some((v) => wildcardMatch(v, req.path, { caseInsensitive: false })) ||
        regexMatches(regexes, req.path, '')
      );
    }
    case 'http-header': {
      const config = condition.HttpHeaderConfig;
      const name = config?.HttpHeaderName;
      if (name === undefined || name === '') {
        throw new OracleEvaluationError('an http-header condition has no HttpHeaderConfig.HttpHeaderName');
      }
      const values = config?.Values ?? [];
      const regexes = config?.RegexValues ?? condition.RegexValues;
      requireValues(condition, [...values, ...(regexes ?? [])]);
      const actual = req.headers.get(name.toLowerCase());
      if (actual === undefined) return false;
      return (
        values.some((v) => wildcardMatch(v, actual, { caseInsensitive: true })) ||
        regexMatches(regexes, actual, 'i')
      );
    }
    case 'http-request-method': {
      const values = condition.HttpRequestMethodConfig?.Values ?? condition.Values ?? [];
      requireValues(condition, values);
      return values.includes(req.method);
    }
    case 'query-string': {
      const pairs = condition.QueryStringConfig?.Values ?? [];
      requireValues(condition, pairs);
      const opts = { caseInsensitive: true, escapes: true };
      return pairs.some((pair) =>
        req.query.some(
          ([key, value]) =>
            (pair.Key === undefined || wildcardMatch(pair.Key, key, opts)) &&
            wildcardMatch(pair.Value ?? '*', value, opts),
        ),
      );
    }
    case 'source-ip': {
      const values = condition.SourceIpConfig?.Values ?? condition.Values ?? [];
      requireValues(condition, values);
      const ip = req.sourceIp;
      if (ip === undefined) return false;
      return values.some((cidr) => cidrContains(cidr, ip));
    }
    default:
      throw new OracleEvaluationError(`unsupported rule condition field ${JSON.stringify(condition.Field)}`);
  }
}

/** Whether one condition matches (any of its values). */
export function conditionMatches(condition: RuleCondition, request: SampleRequest): boolean {
  return conditionMatchesNormalized(condition, normalizeRequest(request));
}

/** Whether all of a rule's conditions match (a rule without conditions matches everything). */
export function ruleMatches(rule: Rule, request: SampleRequest): boolean {
  const req = normalizeRequest(request);
  return (rule.Conditions ?? []).every((c) => conditionMatchesNormalized(c, req));
}

export function isDefaultRule(rule: Rule): boolean {
  return rule.IsDefault === true || rule.Priority === 'default';
}

interface OrderedRules {
  ordered: { rule: Rule; priority: number }[];
  defaultRule?: Rule;
}

/** Splits off the default rule and sorts the others by numeric priority (ties: by ARN). */
export function orderRules(rules: readonly Rule[]): OrderedRules {
  const ordered: { rule: Rule; priority: number }[] = [];
  let defaultRule: Rule | undefined;
  for (const rule of rules) {
    if (isDefaultRule(rule)) {
      defaultRule = rule;
      continue;
    }
    const priority = Number(rule.Priority);
    if (rule.Priority === undefined || rule.Priority.trim() === '' || !Number.isInteger(priority)) {
      throw new OracleEvaluationError(
        `rule ${rule.RuleArn ?? '(no ARN)'} has a non-numeric priority ${JSON.stringify(rule.Priority)}`,
      );
    }
    ordered.push({ rule, priority });
  }
  ordered.sort(
    (a, b) => a.priority - b.priority || (a.rule.RuleArn ?? '').localeCompare(b.rule.RuleArn ?? ''),
  );
  return { ordered, defaultRule };
}

function forwardTargets(action: Action): { targetGroups: WeightedTargetGroup[]; targetGroupArns: string[] } {
  const targetGroups: WeightedTargetGroup[] = [];
  for (const tg of action.ForwardConfig?.TargetGroups ?? []) {
    if (tg.TargetGroupArn !== undefined) {
      targetGroups.push({ targetGroupArn: tg.TargetGroupArn, weight: tg.Weight ?? 1 });
    }
  }
  if (
    action.TargetGroupArn !== undefined &&
    !targetGroups.some((tg) => tg.targetGroupArn === action.TargetGroupArn)
  ) {
    targetGroups.push({ targetGroupArn: action.TargetGroupArn, weight: 1 });
  }
  if (targetGroups.length === 0) throw new OracleEvaluationError('a forward action has no target group');
  const targetGroupArns = [
    ...new Set(targetGroups.filter((tg) => tg.weight > 0).map((tg) => tg.targetGroupArn)),
  ].sort();
  return { targetGroups, targetGroupArns };
}

const AUTH_TYPES: readonly string[] = ['authenticate-oidc', 'authenticate-cognito', 'jwt-validation'];

/**
 * The outcome of a rule's actions: they run in ascending `Order` (actions without an Order keep
 * their position after the ordered ones); authentication actions run first and the first
 * forward / fixed-response / redirect action ends the chain.
 */
export function outcomeOf(actions: readonly Action[]): Outcome {
  const sorted = actions
    .map((action, index) => ({ action, index }))
    .sort(
      (a, b) =>
        (a.action.Order ?? Number.MAX_SAFE_INTEGER) - (b.action.Order ?? Number.MAX_SAFE_INTEGER) ||
        a.index - b.index,
    )
    .map((entry) => entry.action);
  const authenticate: AuthenticateActionType[] = [];
  const onUnauthenticatedRequest: string[] = [];
  for (const action of sorted) {
    const type = action.Type as string | undefined;
    if (type !== undefined && AUTH_TYPES.includes(type)) {
      authenticate.push(type as AuthenticateActionType);
      if (type === 'authenticate-oidc') {
        onUnauthenticatedRequest.push(
          action.AuthenticateOidcConfig?.OnUnauthenticatedRequest ?? 'authenticate',
        );
      } else if (type === 'authenticate-cognito') {
        onUnauthenticatedRequest.push(
          action.AuthenticateCognitoConfig?.OnUnauthenticatedRequest ?? 'authenticate',
        );
      }
      continue;
    }
    const auth = authenticate.length > 0 ? { authenticate } : {};
    switch (type) {
      case 'forward': {
        const targets = forwardTargets(action);
        return authenticate.length > 0
          ? { kind: 'authenticate-then-forward', authenticate, onUnauthenticatedRequest, ...targets }
          : { kind: 'forward', ...targets };
      }
      case 'fixed-response':
        return {
          kind: 'fixed-response',
          statusCode: action.FixedResponseConfig?.StatusCode ?? '(none)',
          ...(action.FixedResponseConfig?.ContentType !== undefined
            ? { contentType: action.FixedResponseConfig.ContentType }
            : {}),
          ...auth,
        };
      case 'redirect': {
        const r = action.RedirectConfig;
        const outcome: RedirectOutcome = { kind: 'redirect', ...auth };
        if (r?.StatusCode !== undefined) outcome.statusCode = r.StatusCode;
        if (r?.Protocol !== undefined) outcome.protocol = r.Protocol;
        if (r?.Host !== undefined) outcome.host = r.Host;
        if (r?.Port !== undefined) outcome.port = r.Port;
        if (r?.Path !== undefined) outcome.path = r.Path;
        if (r?.Query !== undefined) outcome.query = r.Query;
        return outcome;
      }
      default:
        throw new OracleEvaluationError(`unsupported action type ${JSON.stringify(type)}`);
    }
  }
  throw new OracleEvaluationError('the actions have no forward, fixed-response or redirect action');
}

/**
 * Evaluates a listener's rules for one request: non-default rules in ascending numeric priority
 * (the input order does not matter), then the default. `defaultActions` (the listener's
 * DefaultActions) wins over the actions of an `IsDefault` rule in `rules`; one of the two is required.
 */
export function evaluateRules(
  rules: readonly Rule[],
  request: SampleRequest,
  defaultActions?: readonly Action[],
): RuleEvaluation {
  const { ordered, defaultRule } = orderRules(rules);
  const req = normalizeRequest(request);
  for (const { rule, priority } of ordered) {
    if ((rule.Conditions ?? []).every((c) => conditionMatchesNormalized(c, req))) {
      return {
        rule: {
          ...(rule.RuleArn !== undefined ? { ruleArn: rule.RuleArn } : {}),
          priority,
          isDefault: false,
        },
        outcome: outcomeOf(rule.Actions ?? []),
      };
    }
  }
  const actions = defaultActions ?? defaultRule?.Actions;
  if (actions === undefined) {
    throw new OracleEvaluationError(
      'no default action: pass the listener DefaultActions or include the default rule',
    );
  }
  return {
    rule: {
      ...(defaultRule?.RuleArn !== undefined ? { ruleArn: defaultRule.RuleArn } : {}),
      priority: 'default',
      isDefault: true,
    },
    outcome: outcomeOf(actions),
  };
}

/** True when the outcome hands the request to a target (possibly after authentication). */
export function reachesTarget(outcome: Outcome): boolean {
  return (
    (outcome.kind === 'forward' || outcome.kind === 'authenticate-then-forward') &&
    outcome.targetGroupArns.length > 0
  );
}

/** A comparable key: forwards compare by their set of receiving target groups, others by kind and status. */
export function routingKey(outcome: Outcome): string {
  const auth = 'authenticate' in outcome && outcome.authenticate ? `[${outcome.authenticate.join(',')}]` : '';
  switch (outcome.kind) {
    case 'forward':
    case 'authenticate-then-forward':
      return `${outcome.kind}${auth}:${outcome.targetGroupArns.join(',')}`;
    case 'fixed-response':
      return `fixed-response${auth}:${outcome.statusCode}`;
    case 'redirect':
      return `redirect${auth}:${[outcome.statusCode, outcome.protocol, outcome.host, outcome.port, outcome.path, outcome.query].map((p) => p ?? '').join('|')}`;
  }
}

export function sameRouting(a: Outcome, b: Outcome): boolean {
  return routingKey(a) === routingKey(b);
}

export function describeOutcome(outcome: Outcome): string {
  const auth =
    'authenticate' in outcome && outcome.authenticate && outcome.authenticate.length > 0
      ? `${outcome.authenticate.join(' + ')} then `
      : '';
  switch (outcome.kind) {
    case 'forward':
    case 'authenticate-then-forward':
      return `${auth}forward to [${outcome.targetGroupArns.join(', ')}]`;
    case 'fixed-response':
      return `${auth}fixed-response ${outcome.statusCode}`;
    case 'redirect':
      return `${auth}redirect ${outcome.statusCode ?? ''}`.trimEnd();
  }
}

export function describeRule(rule: RuleRef): string {
  const where = rule.isDefault ? 'the default action' : `rule priority ${rule.priority}`;
  return rule.ruleArn !== undefined ? `${where} (${rule.ruleArn})` : where;
}

// ---------------------------------------------------------------------------------------------
// Security groups
// ---------------------------------------------------------------------------------------------

export type CloudFrontSourceKind = 'cloudfront-v4' | 'cloudfront-v6';
export type SourceKind = CloudFrontSourceKind | 'internet-v4' | 'internet-v6';
export const ALL_SOURCE_KINDS: readonly SourceKind[] = [
  'cloudfront-v4',
  'cloudfront-v6',
  'internet-v4',
  'internet-v6',
];

export interface TrafficSource {
  kind: SourceKind;
}

/** Ids of the CloudFront origin-facing managed prefix lists in the load balancer's region. */
export interface CloudFrontPrefixLists {
  ipv4PrefixListId: string;
  ipv6PrefixListId?: string;
}

export interface IngressDecision {
  admitted: boolean;
  /** What admitted the source, e.g. `sg-1 tcp 80-80 from pl-abc`. */
  via?: string;
}

function sourceFamily(kind: SourceKind): 4 | 6 {
  return kind.endsWith('v6') ? 6 : 4;
}

function describeSource(kind: SourceKind): string {
  const family = sourceFamily(kind) === 4 ? 'IPv4' : 'IPv6';
  return kind.startsWith('cloudfront') ? `CloudFront (${family})` : `internet (${family})`;
}

/** Whether an ingress permission covers TCP traffic to `port`. */
export function permissionCoversPort(permission: IpPermission, port: number): boolean {
  const protocol = (permission.IpProtocol ?? '').toLowerCase();
  if (protocol === '-1' || protocol === 'all') return true;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  const from = permission.FromPort === undefined || permission.FromPort === -1 ? 0 : permission.FromPort;
  const to = permission.ToPort === undefined || permission.ToPort === -1 ? 65535 : permission.ToPort;
  return from <= port && port <= to;
}

function describePermission(groupId: string, permission: IpPermission): string {
  const protocol = permission.IpProtocol ?? '?';
  if (protocol === '-1') return `${groupId} all traffic`;
  return `${groupId} ${protocol} ${permission.FromPort ?? 0}-${permission.ToPort ?? 65535}`;
}

/**
 * Whether the load balancer's security groups admit a source on the listener port. Any group
 * admitting is enough (security groups are a union). CloudFront sources are admitted by the matching
 * origin-facing prefix list or by a /0 CIDR of their family. Internet sources are admitted by any source
 * that exposes the port by the engine's own address math (rules/exposure.ts): a CIDR with internet
 * addresses outside `allowedSources`, or a prefix list that is neither CloudFront's nor allowed.
 * Security-group references (UserIdGroupPairs) never admit either kind.
 */
export function evaluateIngress(
  securityGroups: readonly SecurityGroup[],
  source: TrafficSource | SourceKind,
  port: number,
  prefixLists: CloudFrontPrefixLists,
  allowedSources: readonly string[] = [],
): IngressDecision {
  const kind = typeof source === 'string' ? source : source.kind;
  const family = sourceFamily(kind);
  const prefixListId =
    kind === 'cloudfront-v4'
      ? prefixLists.ipv4PrefixListId
      : kind === 'cloudfront-v6'
        ? prefixLists.ipv6PrefixListId
        : undefined;
  for (const group of securityGroups) {
    const groupId = group.GroupId ?? '(unknown group)';
    for (const permission of group.IpPermissions ?? []) {
      if (!permissionCoversPort(permission, port)) continue;
      const where = describePermission(groupId, permission);
      if (
        prefixListId !== undefined &&
        (permission.PrefixListIds ?? []).some((p) => p.PrefixListId === prefixListId)
      ) {
        return { admitted: true, via: `${where} from ${prefixListId}` };
      }
      const cidrs =
        family === 4
          ? (permission.IpRanges ?? []).map((r) => r.CidrIp)
          : (permission.Ipv6Ranges ?? []).map((r) => r.CidrIpv6);
      const internet = kind === 'internet-v4' || kind === 'internet-v6';
      const open = cidrs.find((cidr) =>
        internet ? cidr !== undefined && cidrExposes(cidr, allowedSources) : isOpenCidr(cidr, family),
      );
      if (open !== undefined) return { admitted: true, via: `${where} from ${open}` };
      if (internet && family === 4) {
        const policy = {
          cloudFrontListIds: [prefixLists.ipv4PrefixListId, prefixLists.ipv6PrefixListId].filter(
            (x): x is string => !!x,
          ),
          allowedSources,
        };
        const list = (permission.PrefixListIds ?? []).find((p) =>
          exposes({ IpProtocol: 'tcp', PrefixListId: p.PrefixListId }, policy),
        );
        if (list) return { admitted: true, via: `${where} from prefix list ${list.PrefixListId}` };
      }
    }
  }
  // CloudFront's addresses are unknown here: any set of CIDRs whose union is the whole family admits it
  // (0.0.0.0/1 + 128.0.0.0/1 does, as a single /0 would).
  if (kind === 'cloudfront-v4' || kind === 'cloudfront-v6') {
    const onPort = securityGroups.flatMap((g) =>
      (g.IpPermissions ?? [])
        .filter((p) => permissionCoversPort(p, port))
        .flatMap((p) =>
          family === 4
            ? (p.IpRanges ?? []).map((r) => r.CidrIp)
            : (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
        ),
    );
    const parsed = onPort.map((c) => (c ? parseCidr(c) : undefined)).filter((c): c is ParsedCidr => !!c);
    const everything = parseCidr(family === 4 ? '0.0.0.0/0' : '::/0') as ParsedCidr;
    if (parsed.length > 1 && coveredBy(everything, parsed))
      return { admitted: true, via: `CIDRs that together cover every address (${onPort.join(', ')})` };
  }
  return { admitted: false };
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

/** One origin of the distribution and the secret header it sends, if any. */
export interface OriginHeaderState {
  originId: string;
  domainName: string;
  /** Whether the origin is the load balancer (the requested OriginId, or its domain is the LB's DNS name). */
  targetsLoadBalancer: boolean;
  /** Value of the origin custom header named like the snapshot's headerName; undefined when none is sent. */
  headerValue?: string;
}

/** Everything the oracle needs about the live system at one moment. */
export interface TrafficSnapshot {
  listenerArn: string;
  loadBalancerArn?: string;
  loadBalancerDnsName?: string;
  /** ipv4 | dualstack | dualstack-without-public-ipv4 */
  loadBalancerIpAddressType?: string;
  /** Listener port (the one the security groups must admit CloudFront on). */
  port: number;
  /** Every listener port of the load balancer (the lock keeps each closed to the internet). */
  listenerPorts?: number[];
  protocol?: string;
  /** The listener's DefaultActions (DescribeListeners). */
  defaultActions: Action[];
  /** DescribeRules output, in whatever order it came, with or without the default rule. */
  rules: Rule[];
  /** The load balancer's security groups. */
  securityGroups: SecurityGroup[];
  prefixLists: CloudFrontPrefixLists;
  /** Name of the secret header. */
  headerName: string;
  distribution: {
    id: string;
    /** InProgress | Deployed */
    status: string;
    origins: OriginHeaderState[];
  };
}

/** The listener's default actions, falling back to the default rule's actions. */
export function effectiveDefaultActions(snapshot: TrafficSnapshot): Action[] | undefined {
  if (snapshot.defaultActions.length > 0) return snapshot.defaultActions;
  return snapshot.rules.find(isDefaultRule)?.Actions;
}

/** `request` with the header set to `value`, or removed when `value` is undefined (names compare case-insensitively). */
export function withHeader(
  request: SampleRequest,
  name: string,
  value: string | undefined | null,
): SampleRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers ?? {})) {
    if (k.toLowerCase() !== name.toLowerCase()) headers[k] = v;
  }
  if (value !== undefined && value !== null) headers[name] = value;
  return { ...request, headers };
}

export interface SimulationResult {
  ingress: IngressDecision;
  /** Present when the security groups admit the source. */
  evaluation?: RuleEvaluation;
}

/** A request from `source` to the listener: the security groups first, then the listener rules. */
export function simulateRequest(
  snapshot: TrafficSnapshot,
  source: TrafficSource | SourceKind,
  request: SampleRequest,
): SimulationResult {
  const ingress = evaluateIngress(snapshot.securityGroups, source, snapshot.port, snapshot.prefixLists);
  if (!ingress.admitted) return { ingress };
  return { ingress, evaluation: evaluateRules(snapshot.rules, request, effectiveDefaultActions(snapshot)) };
}

// ---------------------------------------------------------------------------------------------
// The no-outage oracle
// ---------------------------------------------------------------------------------------------

/** Where a sample request went before the lock. */
export interface RoutingExpectation {
  /** The request as a viewer sends it; the oracle adds or removes the secret header itself. */
  request: SampleRequest;
  /** The original outcome (for a forward: `targetGroupArns` is the original routing). */
  outcome: Outcome;
}

/** Builds an expectation by hand: `request` originally went to these target groups. */
export function expectForward(request: SampleRequest, ...targetGroupArns: string[]): RoutingExpectation {
  const arns = [...new Set(targetGroupArns)].sort();
  return {
    request,
    outcome: {
      kind: 'forward',
      targetGroupArns: arns,
      targetGroups: arns.map((targetGroupArn) => ({ targetGroupArn, weight: 1 })),
    },
  };
}

function loadBalancerOrigins(snapshot: TrafficSnapshot): OriginHeaderState[] {
  return snapshot.distribution.origins.filter((o) => o.targetsLoadBalancer);
}

/**
 * Records the original routing from the pre-lock snapshot: each request is evaluated as CloudFront
 * would send it, i.e. with the header value the load balancer origin sends at that moment (usually
 * none). Throws when two load balancer origins send values that route a request differently.
 */
export function captureRouting(
  snapshot: TrafficSnapshot,
  requests: readonly SampleRequest[],
): RoutingExpectation[] {
  const origins = loadBalancerOrigins(snapshot);
  const values = origins.length > 0 ? [...new Set(origins.map((o) => o.headerValue))] : [undefined];
  const defaults = effectiveDefaultActions(snapshot);
  return requests.map((request) => {
    const outcomes = values.map(
      (value) =>
        evaluateRules(snapshot.rules, withHeader(request, snapshot.headerName, value), defaults).outcome,
    );
    if (outcomes.some((o) => !sameRouting(o, outcomes[0]))) {
      throw new Error(
        `captureRouting: the load balancer origins send different ${snapshot.headerName} values that route ` +
          `${describeRequest(request, snapshot.headerName)} differently (${outcomes.map(describeOutcome).join(' / ')})`,
      );
    }
    return { request, outcome: outcomes[0] };
  });
}

export interface NoOutageExpectations {
  /** Original routing of the sample requests (from `captureRouting` on the pre-lock snapshot). */
  routing: readonly RoutingExpectation[];
  /**
   * Header values an edge may still send while the distribution is InProgress (checked only then);
   * `null` / `undefined` stands for "no header".
   */
  inFlightValues?: Iterable<string | null | undefined>;
  /** Also require the lock to hold (deny without the right header, internet blocked). Default false. */
  expectLocked?: boolean;
  /** The lock's AllowedSources: internet sources it leaves open on purpose. */
  allowedSources?: readonly string[];
  /** When locked, the status code the deny must use for requests that originally reached a target. */
  denyStatusCode?: string;
  /** CloudFront sources that must pass the security groups. Default: `['cloudfront-v4']`. */
  cloudFrontSources?: readonly CloudFrontSourceKind[];
  /** Prefix for every violation, e.g. `create step 3`. */
  context?: string;
}

interface HeaderCandidate {
  value: string | undefined;
  label: string;
}

const REDACTED = '<secret>';

function describeRequest(request: SampleRequest, headerName: string, showSecretHeader = true): string {
  const parts = [request.method ?? 'GET'];
  parts.push(`host=${request.host ?? '(none)'}`);
  parts.push(`path=${request.path ?? '/'}`);
  if (request.queryString !== undefined && Object.keys(request.queryString).length > 0) {
    parts.push(
      `query=${Object.entries(request.queryString)
        .map(([k, v]) => `${k}=${v}`)
        .join('&')}`,
    );
  }
  if (request.sourceIp !== undefined) parts.push(`from ${request.sourceIp}`);
  let secretHeader = `without ${headerName}`;
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (name.toLowerCase() === headerName.toLowerCase()) secretHeader = `${headerName}: ${REDACTED}`;
    else parts.push(`${name}: ${value}`);
  }
  if (showSecretHeader) parts.push(secretHeader);
  return parts.join(' ');
}

function headerConditionValues(rules: readonly Rule[], headerName: string): string[] {
  const values: string[] = [];
  for (const rule of rules) {
    for (const condition of rule.Conditions ?? []) {
      const config = condition.HttpHeaderConfig;
      if (
        condition.Field === 'http-header' &&
        config?.HttpHeaderName?.toLowerCase() === headerName.toLowerCase()
      ) {
        values.push(...(config.Values ?? []), ...(config.RegexValues ?? []));
      }
    }
  }
  return values;
}

function redact(messages: string[], secrets: Iterable<string | null | undefined>): string[] {
  const list = [
    ...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length > 0)),
  ].sort((a, b) => b.length - a.length);
  return messages.map((m) => list.reduce((acc, secret) => acc.split(secret).join(REDACTED), m));
}

function pickWrongValue(legit: readonly (string | undefined)[]): string {
  for (let i = 0; ; i++) {
    const candidate = `oracle-wrong-value-${i}`;
    if (!legit.some((v) => v !== undefined && v.toLowerCase() === candidate)) return candidate;
  }
}

/** A generic request no ordinary rule targets, to probe the default action and catch-all rules. */
export const PROBE_REQUEST: SampleRequest = { host: 'oracle-probe.invalid', path: '/oracle-probe/x' };

/**
 * The no-outage assertion. Returns violations (empty when fine):
 *
 * (a) For every load balancer origin of the distribution, a CloudFront request carrying the value that
 *     origin sends (or no header when it sends none) - and, while the distribution is InProgress, every
 *     `inFlightValues` entry - passes the security groups (for each of `cloudFrontSources`) and reaches
 *     the same target groups as originally (same outcome for requests that were not forwarded).
 * (b) With `expectLocked`: internet sources are blocked by the security groups; the listener default
 *     is a fixed response; every forwarding rule requires the secret header; and each sample request
 *     (plus a generic probe) without the header or with a wrong value, from any source the security
 *     groups admit, reaches no target - a request that was originally forwarded gets a fixed response
 *     (with `denyStatusCode` when given).
 */
export function checkNoOutage(snapshot: TrafficSnapshot, expectations: NoOutageExpectations): string[] {
  if (expectations.routing.length === 0) {
    throw new Error('checkNoOutage needs at least one routing expectation');
  }
  const violations: string[] = [];
  const add = (message: string): void => {
    violations.push(expectations.context !== undefined ? `[${expectations.context}] ${message}` : message);
  };
  const headerName = snapshot.headerName;
  const inFlight = [...(expectations.inFlightValues ?? [])];
  const defaults = effectiveDefaultActions(snapshot);
  const evaluate = (request: SampleRequest): RuleEvaluation | string => {
    try {
      return evaluateRules(snapshot.rules, request, defaults);
    } catch (error) {
      return `cannot evaluate ${describeRequest(request, headerName)}: ${(error as Error).message}`;
    }
  };

  // Header values CloudFront may send right now.
  const candidates: HeaderCandidate[] = [];
  const origins = loadBalancerOrigins(snapshot);
  if (origins.length === 0) {
    add(
      `distribution ${snapshot.distribution.id} has no origin for the load balancer ` +
        `(${snapshot.loadBalancerDnsName ?? 'DNS name unknown'})`,
    );
  }
  for (const origin of origins) {
    candidates.push({
      value: origin.headerValue,
      label:
        origin.headerValue === undefined
          ? `no ${headerName} (origin ${origin.originId} sends none)`
          : `${headerName}: ${REDACTED} (the value origin ${origin.originId} sends)`,
    });
  }
  if (snapshot.distribution.status === 'InProgress') {
    inFlight.forEach((value, i) => {
      candidates.push({
        value: value ?? undefined,
        label:
          value === null || value === undefined
            ? `no ${headerName} (in flight while InProgress)`
            : `${headerName}: ${REDACTED} (in-flight value #${i + 1} while InProgress)`,
      });
    });
  }
  const seen = new Set<string>();
  const uniqueCandidates = candidates.filter((c) => {
    const key = c.value === undefined ? '\u0000none' : `=${c.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  // (a) CloudFront reaches the original targets.
  for (const kind of expectations.cloudFrontSources ?? ['cloudfront-v4']) {
    const ingress = evaluateIngress(snapshot.securityGroups, kind, snapshot.port, snapshot.prefixLists);
    if (!ingress.admitted) {
      const list =
        kind === 'cloudfront-v4'
          ? snapshot.prefixLists.ipv4PrefixListId
          : snapshot.prefixLists.ipv6PrefixListId;
      const groups = snapshot.securityGroups.map((g) => g.GroupId ?? '?').join(', ') || 'none';
      add(
        `${describeSource(kind)} is not admitted on port ${snapshot.port} by security groups [${groups}]: ` +
          `no tcp rule from prefix list ${list ?? '(unknown)'} or ${kind === 'cloudfront-v4' ? '0.0.0.0/0' : '::/0'}`,
      );
    }
  }
  for (const candidate of uniqueCandidates) {
    for (const expectation of expectations.routing) {
      const request = withHeader(expectation.request, headerName, candidate.value);
      const result = evaluate(request);
      if (typeof result === 'string') {
        add(result);
        continue;
      }
      if (!sameRouting(result.outcome, expectation.outcome)) {
        add(
          `outage: CloudFront request ${describeRequest(expectation.request, headerName, false)} ` +
            `with ${candidate.label} matched ${describeRule(result.rule)} -> ${describeOutcome(result.outcome)}; ` +
            `originally ${describeOutcome(expectation.outcome)}`,
        );
      }
    }
  }

  // (b) The lock holds.
  if (expectations.expectLocked === true) {
    for (const port of snapshot.listenerPorts ?? [snapshot.port]) {
      for (const kind of ['internet-v4', 'internet-v6'] as const) {
        const ingress = evaluateIngress(
          snapshot.securityGroups,
          kind,
          port,
          snapshot.prefixLists,
          expectations.allowedSources,
        );
        if (ingress.admitted) {
          add(`not locked: ${describeSource(kind)} is admitted on port ${port} by ${ingress.via}`);
        }
      }
    }

    if (defaults === undefined) {
      add('not locked: the listener has no default action');
    } else {
      try {
        const outcome = outcomeOf(defaults);
        if (outcome.kind !== 'fixed-response') {
          add(
            `not locked: the listener default action is ${describeOutcome(outcome)}, not a fixed-response deny`,
          );
        } else if (
          expectations.denyStatusCode !== undefined &&
          outcome.statusCode !== expectations.denyStatusCode
        ) {
          add(
            `not locked: the listener default action is ${describeOutcome(outcome)}, ` +
              `expected fixed-response ${expectations.denyStatusCode}`,
          );
        }
      } catch (error) {
        add(`cannot evaluate the listener default action: ${(error as Error).message}`);
      }
    }

    const legit = uniqueCandidates.map((c) => c.value);
    const wrongValue = pickWrongValue(legit);
    try {
      for (const { rule, priority } of orderRules(snapshot.rules).ordered) {
        let outcome: Outcome;
        try {
          outcome = outcomeOf(rule.Actions ?? []);
        } catch (error) {
          add(`cannot evaluate rule priority ${priority}: ${(error as Error).message}`);
          continue;
        }
        if (!reachesTarget(outcome)) continue;
        const guarded = (rule.Conditions ?? []).some(
          (c) =>
            c.Field === 'http-header' &&
            c.HttpHeaderConfig?.HttpHeaderName?.toLowerCase() === headerName.toLowerCase() &&
            !conditionMatches(c, { headers: { [headerName]: wrongValue } }),
        );
        if (!guarded) {
          add(
            `not locked: ${describeRule({ ruleArn: rule.RuleArn, priority, isDefault: false })} ` +
              `${describeOutcome(outcome)} without requiring the ${headerName} value`,
          );
        }
      }
    } catch (error) {
      add(`cannot order the listener rules: ${(error as Error).message}`);
    }

    const admittedSources = ALL_SOURCE_KINDS.filter(
      (kind) => evaluateIngress(snapshot.securityGroups, kind, snapshot.port, snapshot.prefixLists).admitted,
    );
    if (admittedSources.length > 0) {
      const probes: { request: SampleRequest; original?: Outcome }[] = [
        ...expectations.routing.map((e) => ({ request: e.request, original: e.outcome })),
        { request: PROBE_REQUEST },
      ];
      const variants: { value: string | undefined; label: string }[] = [
        { value: undefined, label: `without ${headerName}` },
        { value: wrongValue, label: `with a wrong ${headerName} value` },
      ];
      for (const probe of probes) {
        for (const variant of variants) {
          const request = withHeader(probe.request, headerName, variant.value);
          const result = evaluate(request);
          if (typeof result === 'string') {
            add(result);
            continue;
          }
          const shown = describeRequest(probe.request, headerName, false);
          const from = `from ${admittedSources.join('/')}`;
          if (reachesTarget(result.outcome)) {
            add(
              `bypass: request ${shown} ${variant.label} ${from} matched ${describeRule(result.rule)} -> ` +
                `${describeOutcome(result.outcome)}`,
            );
          } else if (probe.original !== undefined && reachesTarget(probe.original)) {
            if (result.outcome.kind !== 'fixed-response') {
              add(
                `not denied: request ${shown} ${variant.label} ${from} matched ${describeRule(result.rule)} -> ` +
                  `${describeOutcome(result.outcome)}, expected a fixed-response deny`,
              );
            } else if (
              expectations.denyStatusCode !== undefined &&
              result.outcome.statusCode !== expectations.denyStatusCode
            ) {
              add(
                `wrong deny: request ${shown} ${variant.label} ${from} got ${describeOutcome(result.outcome)}, ` +
                  `expected fixed-response ${expectations.denyStatusCode}`,
              );
            }
          }
        }
      }
    }
  }

  return redact(violations, [
    ...snapshot.distribution.origins.map((o) => o.headerValue),
    ...inFlight,
    ...headerConditionValues(snapshot.rules, headerName),
  ]);
}

/** Thrown by `expectNoOutage`; the message lists every violation (secrets printed as `<secret>`). */
export class NoOutageViolation extends Error {
  constructor(public readonly violations: readonly string[]) {
    super(
      `no-outage oracle: ${violations.length} violation(s):\n${violations.map((v) => `  - ${v}`).join('\n')}`,
    );
    this.name = 'NoOutageViolation';
  }
}

/** jest-friendly form of `checkNoOutage`: throws a `NoOutageViolation` listing the violations. */
export function expectNoOutage(snapshot: TrafficSnapshot, expectations: NoOutageExpectations): void {
  const violations = checkNoOutage(snapshot, expectations);
  if (violations.length > 0) throw new NoOutageViolation(violations);
}
