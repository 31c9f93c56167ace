import { LockError } from './errors';

/**
 * Every AWS limit the lock checks before its first write, in one place. Adjustable quotas start at the
 * documented default; when a plan would exceed one, the engine reads the account's applied value
 * (src/aws/quotas.ts) and plans again with it, so the common case costs no extra call. Each refusal
 * names the resource, the limit, its number and where that number came from.
 */

/** Fixed limits (not adjustable). */
export const LIMITS = {
  /** ALB: condition values per rule, every value of every condition (host, path, header, regex, source-ip…). */
  conditionValuesPerRule: 5,
  /** ALB: values of one condition. */
  valuesPerCondition: 3,
  /**
   * Header values a guarded rule must have room for: the old and the new secret side by side while a
   * secret or header changes (rotation). A rule without that room could be locked but never rotated.
   */
  headerValuesDuringChange: 2,
  /** ELB: security groups per Application Load Balancer (SetSecurityGroups). */
  securityGroupsPerLoadBalancer: 5,
  /** ELB: tags per load balancer, listener or rule. */
  tagsPerElbResource: 50,
  /** ELB tag key and value lengths: the ELB guide says 255 for values, the API model 256; both hold at 255. */
  tagKeyLength: 128,
  tagValueLength: 255,
} as const;

export type QuotaName = 'rulesPerSecurityGroup' | 'rulesPerLoadBalancer' | 'customHeadersPerOrigin';

export interface Quota {
  value: number;
  /** Where the value came from, for the refusal message. */
  source: string;
}

export type Quotas = Record<QuotaName, Quota>;

export const QUOTA_INFO: Record<QuotaName, { label: string; code: string; default: number }> = {
  rulesPerSecurityGroup: {
    label: 'inbound rules per security group',
    code: 'Service Quotas vpc/L-0EA8095F',
    default: 60,
  },
  rulesPerLoadBalancer: {
    label: 'rules per Application Load Balancer',
    code: 'ELB account limit rules-per-application-load-balancer',
    default: 100,
  },
  customHeadersPerOrigin: {
    label: 'custom headers per CloudFront origin',
    code: 'CloudFront quota "custom headers per origin"',
    default: 10,
  },
};

export const DEFAULT_QUOTAS: Quotas = {
  rulesPerSecurityGroup: { value: 60, source: 'the documented default' },
  rulesPerLoadBalancer: { value: 100, source: 'the documented default' },
  customHeadersPerOrigin: { value: 10, source: 'the documented default' },
};

/** A plan that needs more of an adjustable quota than `quotas` allows. */
export class QuotaExceeded extends LockError {
  constructor(
    readonly quota: QuotaName,
    readonly quotaUsed: Quota,
    message: string,
  ) {
    super('ServiceLimitExceeded', message);
  }
}

/**
 * `field: what needs N, over the <label> quota of V (<code>; <source>). <advice>`: the refusal when a plan
 * needs more than the quota.
 */
export function quotaExceeded(
  quotas: Quotas,
  name: QuotaName,
  field: string,
  what: string,
  advice: string,
): QuotaExceeded {
  const q = quotas[name];
  const info = QUOTA_INFO[name];
  return new QuotaExceeded(
    name,
    q,
    `${field}: ${what}, over the ${info.label} quota of ${q.value} (${info.code}; ${q.source}). ${advice}`,
  );
}

/** Splits `text` into tag values no longer than the ELB limit. */
export function tagValueChunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += LIMITS.tagValueLength)
    out.push(text.slice(i, i + LIMITS.tagValueLength));
  return out;
}
