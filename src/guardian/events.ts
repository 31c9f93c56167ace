/**
 * Which locks an EventBridge event concerns. CloudTrail events ("AWS API Call via CloudTrail") name
 * the changed resource in `detail.requestParameters` (and `responseElements`), with field names that
 * differ per service and API (ELBv2: listenerArn, ruleArn, rulePriorities[].ruleArn, resourceArns[],
 * loadBalancerArn; EC2: groupId, ModifySecurityGroupRulesRequest.GroupId, groupSet.items[].groupId;
 * CloudFront: id). Resource identifiers have unambiguous shapes, so every string of both objects is
 * classified by shape rather than by field name: a renamed or nested field still counts.
 */
import { Trigger } from './finding';

export const WATCHED_CALLS: Record<string, readonly string[]> = {
  'elasticloadbalancing.amazonaws.com': [
    'CreateRule',
    'ModifyRule',
    'SetRulePriorities',
    'ModifyListener',
    'DeleteRule',
    'CreateListener',
    'AddTags',
    'RemoveTags',
  ],
  'ec2.amazonaws.com': [
    'AuthorizeSecurityGroupIngress',
    'RevokeSecurityGroupIngress',
    'ModifySecurityGroupRules',
    'ModifyNetworkInterfaceAttribute',
  ],
  'cloudfront.amazonaws.com': ['UpdateDistribution'],
};

/** The resources an event touches, by kind. */
export interface Targets {
  listenerArns: string[];
  loadBalancerArns: string[];
  securityGroupIds: string[];
  distributionIds: string[];
}

export type GuardianRequest =
  | { kind: 'sweep'; trigger: Trigger }
  | { kind: 'change'; trigger: Trigger; targets: Targets; roleArn?: string }
  | { kind: 'ignored'; reason: string };

const ARN_LISTENER = /^arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:listener\/app\/[^/]+\/[^/]+\/[^/]+$/;
const ARN_RULE =
  /^(arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:)listener-rule\/(app\/[^/]+\/[^/]+\/[^/]+)\/[^/]+$/;
const ARN_LB = /^arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:loadbalancer\/app\/[^/]+\/[^/]+$/;
const SG_ID = /^sg-[0-9a-f]{8,17}$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

const uniq = (xs: string[]): string[] => [...new Set(xs)].sort();

/** The resources named anywhere in these values (request parameters, response elements). */
export function targetsOf(...values: unknown[]): Targets {
  const listenerArns: string[] = [];
  const loadBalancerArns: string[] = [];
  const securityGroupIds: string[] = [];
  for (const s of values.flatMap((v) => strings(v))) {
    const rule = ARN_RULE.exec(s);
    if (rule) listenerArns.push(`${rule[1]}listener/${rule[2]}`);
    else if (ARN_LISTENER.test(s)) listenerArns.push(s);
    else if (ARN_LB.test(s)) loadBalancerArns.push(s);
    else if (SG_ID.test(s)) securityGroupIds.push(s);
  }
  return {
    listenerArns: uniq(listenerArns),
    loadBalancerArns: uniq(loadBalancerArns),
    securityGroupIds: uniq(securityGroupIds),
    distributionIds: [],
  };
}

const isObject = (v: unknown): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Classifies an EventBridge event; anything unexpected is `ignored` with the reason (never thrown). */
export function parseEvent(event: unknown): GuardianRequest {
  if (!isObject(event)) return { kind: 'ignored', reason: 'the event is not an object' };
  const detailType = str(event['detail-type']);
  if (detailType === 'Scheduled Event') {
    return { kind: 'sweep', trigger: { kind: 'schedule', eventTime: str(event.time) } };
  }
  if (detailType !== 'AWS API Call via CloudTrail' || !isObject(event.detail)) {
    return { kind: 'ignored', reason: `unknown event (detail-type ${detailType ?? 'missing'})` };
  }
  const d = event.detail;
  const eventName = str(d.eventName) ?? '';
  const eventSource = str(d.eventSource) ?? '';
  if (!(WATCHED_CALLS[eventSource] ?? []).includes(eventName)) {
    return { kind: 'ignored', reason: `${eventSource} ${eventName} is not a call the guardian watches` };
  }
  // A call AWS refused changed nothing.
  if (str(d.errorCode)) return { kind: 'ignored', reason: `${eventName} failed (${String(d.errorCode)})` };
  const identity = isObject(d.userIdentity) ? d.userIdentity : {};
  const issuer =
    isObject(identity.sessionContext) && isObject(identity.sessionContext.sessionIssuer)
      ? str(identity.sessionContext.sessionIssuer.arn)
      : undefined;
  const trigger: Trigger = {
    kind: 'cloudtrail',
    eventName,
    eventSource,
    eventId: str(d.eventID),
    principalArn: str(identity.arn),
    eventTime: str(d.eventTime),
  };
  const params = isObject(d.requestParameters) ? d.requestParameters : {};
  const targets = targetsOf(params, d.responseElements);
  if (eventSource === 'cloudfront.amazonaws.com') {
    const id = str(params.id);
    targets.distributionIds = id ? [id] : [];
  }
  const any =
    targets.listenerArns.length +
    targets.loadBalancerArns.length +
    targets.securityGroupIds.length +
    targets.distributionIds.length;
  if (any === 0) return { kind: 'ignored', reason: `${eventName} names no resource the guardian knows` };
  return { kind: 'change', trigger, targets, roleArn: issuer };
}

/**
 * Whether the call was made by one of these roles: the guardian's own (no loop) or a role the guardian
 * must not race (the resource type's or custom resource's execution role). Assumed-role principals name
 * their role in sessionIssuer.arn; the principal ARN itself is compared too (an IAM user, a role ARN).
 */
export function madeBy(
  request: { trigger: Trigger; roleArn?: string },
  roleArns: readonly string[],
): boolean {
  const names = new Set(roleArns.filter((a) => a).map(roleName));
  const candidates = [request.roleArn, request.trigger.principalArn].filter((a): a is string => !!a);
  return candidates.some((a) => roleArns.includes(a) || names.has(assumedRoleName(a) ?? ''));
}

/** arn:aws:iam::123:role/path/Name → Name */
const roleName = (arn: string): string => arn.split('/').pop() ?? arn;
/** arn:aws:sts::123:assumed-role/Name/session → Name */
const assumedRoleName = (arn: string): string | undefined => /:assumed-role\/([^/]+)\//.exec(arn)?.[1];
