import { invalid } from './errors';
import { isNetworkAddress, parseCidr } from './rules/cidr';
import { isDistributionId, isSecretArn, LISTENER_ARN } from './rules/ids';

/** The lock as the user asked for it, with defaults applied. Property names follow the schema. */
export interface EnforceFlags {
  SecurityGroup: boolean;
  ListenerRules: boolean;
  DenyDefault: boolean;
  OriginHeader: boolean;
  HttpsOrigin: boolean;
  /** The prefix lists go into a security group of the lock's own (absent in records made before it). */
  DedicatedSecurityGroup?: boolean;
  /** Revoking in a group that other resources use is accepted. */
  SharedSecurityGroups?: boolean;
}

/** The controls READ reports one by one (the other Enforce flags say how, not what). */
export type ControlName = 'SecurityGroup' | 'ListenerRules' | 'DenyDefault' | 'OriginHeader' | 'HttpsOrigin';

export interface DenyResponseSpec {
  StatusCode: string;
  ContentType: string;
  MessageBody: string;
}

export interface LockSpec {
  ListenerArn: string;
  DistributionId: string;
  SecretArn: string;
  SecretKey?: string;
  HeaderName: string;
  OriginId?: string;
  DenyResponse: DenyResponseSpec;
  Enforce: EnforceFlags;
  /** Internet sources (CIDRs, prefix-list ids) that may still reach the listener ports. */
  AllowedSources?: string[];
  /** Role in the distribution's (edge) account that every CloudFront call assumes; recorded for release. */
  DistributionRoleArn?: string;
  DistributionRoleExternalId?: string;
}

export const DEFAULT_HEADER_NAME = 'X-Origin-Verify';
export const DEFAULT_DENY: DenyResponseSpec = {
  StatusCode: '403',
  ContentType: 'text/plain',
  MessageBody: 'Forbidden',
};
export const DEFAULT_ENFORCE: EnforceFlags = {
  SecurityGroup: true,
  ListenerRules: true,
  DenyDefault: true,
  OriginHeader: true,
  HttpsOrigin: false,
  DedicatedSecurityGroup: false,
  SharedSecurityGroups: false,
};

// RFC 9110 token characters.
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];

/** Headers CloudFront refuses to add as origin custom headers (exact names, lower case). */
const CLOUDFRONT_FORBIDDEN = new Set(
  [
    'Cache-Control',
    'Connection',
    'Content-Length',
    'Cookie',
    'Host',
    'If-Match',
    'If-Modified-Since',
    'If-None-Match',
    'If-Range',
    'If-Unmodified-Since',
    'Max-Forwards',
    'Pragma',
    'Proxy-Authorization',
    'Proxy-Connection',
    'Range',
    'Request-Range',
    'TE',
    'Trailer',
    'Transfer-Encoding',
    'Upgrade',
    'Via',
    'X-Real-Ip',
  ].map((h) => h.toLowerCase()),
);
const CLOUDFRONT_FORBIDDEN_PREFIXES = ['x-amz-', 'x-edge-'];

export interface ListenerArnParts {
  region: string;
  account: string;
  kind: string;
  loadBalancerName: string;
  loadBalancerId: string;
  listenerId: string;
  loadBalancerArn: string;
}

export function parseListenerArn(arn: string): ListenerArnParts {
  const m = LISTENER_ARN.exec(arn);
  if (!m) {
    throw invalid(
      'ListenerArn',
      `'${arn}' is not an Elastic Load Balancing listener ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID)`,
    );
  }
  const [, region, account, kind, name, lbId, listenerId] = m;
  if (kind !== 'app') {
    throw invalid(
      'ListenerArn',
      `'${arn}' belongs to a '${kind}' load balancer; only application load balancers can be locked`,
    );
  }
  const loadBalancerArn = arn.replace(':listener/', ':loadbalancer/').replace(/\/[0-9a-f]{16}$/, '');
  return { region, account, kind, loadBalancerName: name, loadBalancerId: lbId, listenerId, loadBalancerArn };
}

export function validateHeaderName(name: string): void {
  if (name.length === 0 || name.length > 40) {
    throw invalid(
      'HeaderName',
      `must be 1 to 40 characters long (ALB header condition limit), got ${name.length}`,
    );
  }
  if (!HTTP_TOKEN.test(name)) {
    throw invalid(
      'HeaderName',
      `'${name}' is not a valid HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only)`,
    );
  }
  const lower = name.toLowerCase();
  if (CLOUDFRONT_FORBIDDEN.has(lower) || CLOUDFRONT_FORBIDDEN_PREFIXES.some((p) => lower.startsWith(p))) {
    throw invalid('HeaderName', `'${name}' is a header CloudFront does not allow as an origin custom header`);
  }
}

// IAM role ARN (with an optional path) and STS's ExternalId alphabet.
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** The edge-account role CloudFront calls go through (DistributionRoleArn, DistributionRoleExternalId). */
export function validateDistributionRole(roleArn: string | undefined, externalId: string | undefined): void {
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    throw invalid(
      'DistributionRoleArn',
      `'${roleArn}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)`,
    );
  }
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw invalid(
      'DistributionRoleExternalId',
      'must be 2 to 1224 characters of letters, digits and +=,.@:/-_',
    );
  }
  if (externalId !== undefined && roleArn === undefined) {
    throw invalid(
      'DistributionRoleExternalId',
      'needs DistributionRoleArn: it is sent when assuming that role',
    );
  }
}

type Json = Record<string, unknown>;

// Resource properties arrive untyped (CloudFormation, the custom resource): anything else reads as empty.
const asJson = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};

function optionalString(props: Json, field: string): string | undefined {
  const v = props[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(field, 'must be a string');
  return v;
}

function requiredString(props: Json, field: string): string {
  const v = optionalString(props, field);
  if (v === undefined || v === '') throw invalid(field, 'is required');
  return v;
}

function booleanFlag(obj: Json, field: string, fallback: boolean): boolean {
  const v = obj[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  // CloudFormation passes template booleans as strings.
  if (v === 'true' || v === 'false') return v === 'true';
  throw invalid(`Enforce.${field}`, `must be true or false`);
}

/** Builds the spec from resource properties (schema names), applying defaults and validating formats. */
export function parseSpec(input: unknown): LockSpec {
  const props = asJson(input);
  const ListenerArn = requiredString(props, 'ListenerArn');
  parseListenerArn(ListenerArn);
  const DistributionId = requiredString(props, 'DistributionId');
  if (!isDistributionId(DistributionId)) {
    throw invalid(
      'DistributionId',
      `'${DistributionId}' is not a CloudFront distribution id (upper-case letters and digits)`,
    );
  }
  const SecretArn = requiredString(props, 'SecretArn');
  if (!isSecretArn(SecretArn)) {
    throw invalid(
      'SecretArn',
      `'${SecretArn}' is not a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)`,
    );
  }
  const SecretKey = optionalString(props, 'SecretKey');
  if (SecretKey !== undefined && SecretKey.length === 0) throw invalid('SecretKey', 'must not be empty');
  const HeaderName = optionalString(props, 'HeaderName') ?? DEFAULT_HEADER_NAME;
  validateHeaderName(HeaderName);
  const OriginId = optionalString(props, 'OriginId');
  if (OriginId !== undefined && OriginId.length === 0) throw invalid('OriginId', 'must not be empty');

  const denyIn = asJson(props.DenyResponse);
  const DenyResponse: DenyResponseSpec = {
    StatusCode: optionalString(denyIn, 'StatusCode') ?? DEFAULT_DENY.StatusCode,
    ContentType: optionalString(denyIn, 'ContentType') ?? DEFAULT_DENY.ContentType,
    MessageBody: optionalString(denyIn, 'MessageBody') ?? DEFAULT_DENY.MessageBody,
  };
  if (!/^[245]\d\d$/.test(DenyResponse.StatusCode)) {
    throw invalid(
      'DenyResponse.StatusCode',
      `'${DenyResponse.StatusCode}' must be a 2XX, 4XX or 5XX status code`,
    );
  }
  if (!CONTENT_TYPES.includes(DenyResponse.ContentType)) {
    throw invalid('DenyResponse.ContentType', `must be one of ${CONTENT_TYPES.join(', ')}`);
  }
  if (DenyResponse.MessageBody.length > 1024) {
    throw invalid('DenyResponse.MessageBody', 'must be at most 1024 characters');
  }

  const enforceIn = asJson(props.Enforce);
  const Enforce: EnforceFlags = {
    SecurityGroup: booleanFlag(enforceIn, 'SecurityGroup', DEFAULT_ENFORCE.SecurityGroup),
    ListenerRules: booleanFlag(enforceIn, 'ListenerRules', DEFAULT_ENFORCE.ListenerRules),
    DenyDefault: booleanFlag(enforceIn, 'DenyDefault', DEFAULT_ENFORCE.DenyDefault),
    OriginHeader: booleanFlag(enforceIn, 'OriginHeader', DEFAULT_ENFORCE.OriginHeader),
    HttpsOrigin: booleanFlag(enforceIn, 'HttpsOrigin', DEFAULT_ENFORCE.HttpsOrigin),
    DedicatedSecurityGroup: booleanFlag(enforceIn, 'DedicatedSecurityGroup', false),
    SharedSecurityGroups: booleanFlag(enforceIn, 'SharedSecurityGroups', false),
  };
  if (Enforce.HttpsOrigin && !Enforce.OriginHeader) {
    throw invalid(
      'Enforce.HttpsOrigin',
      'needs Enforce.OriginHeader: the lock only manages the origins it stamps',
    );
  }

  const AllowedSources = parseAllowedSources(props.AllowedSources);
  const DistributionRoleArn = optionalString(props, 'DistributionRoleArn');
  const DistributionRoleExternalId = optionalString(props, 'DistributionRoleExternalId');
  validateDistributionRole(DistributionRoleArn, DistributionRoleExternalId);
  const spec: LockSpec = { ListenerArn, DistributionId, SecretArn, HeaderName, DenyResponse, Enforce };
  if (AllowedSources.length > 0) spec.AllowedSources = AllowedSources;
  if (SecretKey !== undefined) spec.SecretKey = SecretKey;
  if (OriginId !== undefined) spec.OriginId = OriginId;
  if (DistributionRoleArn !== undefined) spec.DistributionRoleArn = DistributionRoleArn;
  if (DistributionRoleExternalId !== undefined) spec.DistributionRoleExternalId = DistributionRoleExternalId;
  return spec;
}

const PREFIX_LIST_ID = /^pl-[0-9a-f]{8,17}$/;

/** AllowedSources: CIDRs (IPv4 or IPv6, in canonical network form) and prefix-list ids, at most 50. */
function parseAllowedSources(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('AllowedSources', 'must be a list of CIDRs and prefix-list ids');
  if (value.length > 50) throw invalid('AllowedSources', `has ${value.length} entries; at most 50`);
  return value.map((v: unknown, i) => {
    const field = `AllowedSources[${i}]`;
    if (typeof v !== 'string') throw invalid(field, 'must be a string');
    if (PREFIX_LIST_ID.test(v)) return v;
    const cidr = parseCidr(v);
    if (!cidr)
      throw invalid(
        field,
        `'${v}' is neither a CIDR (203.0.113.0/24, 2001:db8::/32) nor a prefix-list id (pl-…)`,
      );
    if (!isNetworkAddress(cidr))
      throw invalid(
        field,
        `'${v}' has host bits set; AWS stores the network address of a CIDR (write it as the network)`,
      );
    return v;
  });
}

/** True when the lock needs the header-guarded catch-all rule (it carries the original default action). */
export const needsCatchAll = (e: EnforceFlags): boolean => e.ListenerRules || e.DenyDefault;
