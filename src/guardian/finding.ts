/**
 * What the guardian publishes: one finding per broken control of a lock (docs/guardian.md documents
 * the schema). A finding never carries the secret header value nor any CloudTrail request parameters
 * (an UpdateDistribution or CreateRule request holds the header value itself).
 */
export const FINDING_SOURCE = 'acme.origin-lock';
export const FINDING_DETAIL_TYPE = 'Origin Lock Drift';

/** The controls READ reports in `Enforce`, which the guardian checks and heals. */
export const CONTROLS = [
  'SecurityGroup',
  'ListenerRules',
  'DenyDefault',
  'OriginHeader',
  'HttpsOrigin',
  'DedicatedSecurityGroup',
] as const;
export type Control = (typeof CONTROLS)[number];

/** What a broken control means, in words (never a value read from AWS). */
export const CONTROL_BROKEN: Record<Control, string> = {
  SecurityGroup:
    "a security group of the load balancer admits more than CloudFront's prefix lists on the listener port",
  ListenerRules: 'a forwarding rule of the listener does not require the secret header',
  DenyDefault: "the listener's default action is not the lock's fixed-response deny",
  OriginHeader: "the distribution's load balancer origin does not send the secret header",
  HttpsOrigin: "the distribution's load balancer origin is not https-only",
  DedicatedSecurityGroup:
    "the lock's own security group is missing, detached or does not admit the prefix lists",
};

/**
 * healed: the guardian converged the lock and the control holds again; alerted: Mode alert, nothing
 * changed; deferred: heal mode, but CloudFormation is working on the lock (or could not be asked), so
 * nothing changed and the next event or sweep checks again.
 */
export type GuardianAction = 'healed' | 'alerted' | 'deferred' | 'failed';

export interface Trigger {
  kind: 'cloudtrail' | 'schedule';
  /** CloudTrail: eventName, eventSource, eventID, the principal and when. */
  eventName?: string;
  eventSource?: string;
  eventId?: string;
  principalArn?: string;
  eventTime?: string;
}

export interface Finding {
  version: 1;
  listenerArn: string;
  distributionId: string;
  loadBalancerArn?: string;
  control: Control;
  /** What is wrong (CONTROL_BROKEN), plus the API call that broke it when known. */
  change: string;
  trigger: Trigger;
  mode: GuardianMode;
  action: GuardianAction;
  /** Why healing failed (mapped, redacted error). */
  error?: string;
  /** Why healing was deferred (e.g. "CloudFormation operation in progress on stack web (UPDATE_IN_PROGRESS)"). */
  reason?: string;
  detectedAt: string;
}

export type GuardianMode = 'heal' | 'alert';

export interface FindingSink {
  publish(findings: Finding[]): Promise<void>;
}

/** Keeps findings in memory (tests, and a dry run). */
export class MemorySink implements FindingSink {
  readonly findings: Finding[] = [];
  publish(findings: Finding[]): Promise<void> {
    this.findings.push(...findings);
    return Promise.resolve();
  }
}
