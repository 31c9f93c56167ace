/** What the audit reports: one finding per control, always in the same order, then conditional findings. */

export type Status = 'pass' | 'fail' | 'warn';

/** The controls, in report order: network layer first, then the listener, then the distribution. */
export const CONTROLS = [
  'open-ingress',
  'prefix-list-ipv4',
  'prefix-list-ipv6',
  'rule-headroom',
  'rule-bypass',
  'default-deny',
  'origin-header',
  'origin-https',
  'distribution-deployed',
] as const;

/**
 * Findings that appear only when they apply, after the controls and in this order: something else
 * owns what the lock would change, a security group other resources use, a private VPC origin.
 */
export const CONDITIONAL_FINDINGS = ['owner-tags', 'shared-group', 'vpc-origin', 'other-listeners'] as const;

export type Control = (typeof CONTROLS)[number] | (typeof CONDITIONAL_FINDINGS)[number];

export interface Finding {
  control: Control;
  status: Status;
  /** One line in plain words that names the AWS ids involved. Never contains a header value. */
  reason: string;
  /** The AWS ids (security groups, prefix lists, rule ARNs, distribution and origin ids) involved. */
  ids: string[];
}

export const finding = (control: Control, status: Status, reason: string, ids: string[] = []): Finding => ({
  control,
  status,
  reason,
  ids: [...new Set(ids.filter((id) => id.length > 0))],
});

/** Fails the audit: any failed control. Warnings alone never do. */
export const anyFailed = (findings: Finding[]): boolean => findings.some((f) => f.status === 'fail');
