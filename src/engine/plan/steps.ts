import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DedicatedGroupRecord, GroupPermission, IngressPermission, LockRecord } from '../record';
import { RuleRole } from '../observed';

/** One origin change inside a single UpdateDistribution call. */
export interface OriginEdit {
  originId: string;
  setHeader?: { name: string; value: string };
  removeHeader?: string;
  protocolPolicy?: string;
}

/**
 * The ordered, idempotent changes the planner asks for. Steps may carry header values (they must reach
 * AWS), so only `describeStep` output ever leaves the process.
 */
export type Step =
  | { kind: 'write-record'; record: LockRecord; marker: 'add' | 'keep' }
  | { kind: 'delete-record' }
  | { kind: 'authorize-ingress'; groupId: string; permission: IngressPermission; tagListener: boolean }
  | { kind: 'revoke-ingress'; groupId: string; permission: IngressPermission }
  | { kind: 'create-rule'; role: RuleRole; priority: number; conditions: RuleCondition[]; actions: Action[] }
  /** Version 1 records marked guarded rules with a tag; version 2 removes it once the record names them. */
  | { kind: 'untag-rule'; ruleArn: string }
  | { kind: 'modify-rule'; ruleArn: string; conditions?: RuleCondition[]; actions?: Action[]; why: string }
  | { kind: 'delete-rule'; ruleArn: string }
  | { kind: 'set-default-actions'; actions: Action[]; why: string }
  | { kind: 'update-origins'; distributionId: string; edits: OriginEdit[]; why: string }
  | { kind: 'await-deployed'; distributionIds: string[] }
  /** The lock's own security group (see security-group.ts): created empty, tagged with the listener id. */
  | { kind: 'create-security-group'; name: string; vpcId: string; listenerId: string }
  /** Adds the group to the load balancer's groups (the others stay attached). */
  | { kind: 'attach-security-group'; groupId: string }
  /** Removes the group from the load balancer's groups (the others stay attached). */
  | { kind: 'detach-security-group'; groupId: string }
  | { kind: 'delete-security-group'; groupId: string }
  /** Another lock of the load balancer takes over ingress changes it needs kept (see security-group.ts). */
  | {
      kind: 'hand-over-ingress';
      toListenerArn: string;
      revoked: GroupPermission[];
      remainders: GroupPermission[];
      admitted: GroupPermission[];
      /** The lock's own group, which keeps admitting CloudFront for the other lock. */
      dedicatedGroup?: DedicatedGroupRecord;
    };

const source = (p: IngressPermission): string => p.PrefixListId ?? p.CidrIp ?? p.CidrIpv6 ?? 'unknown source';
const ports = (p: IngressPermission): string =>
  p.IpProtocol === '-1' ? 'all traffic' : `${p.IpProtocol} ${p.FromPort ?? ''}-${p.ToPort ?? ''}`;

/** A one-line, value-free description for logs and progress messages. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'write-record':
      return 'record the lock configuration and undo log in listener tags';
    case 'delete-record':
      return 'remove the lock record from the listener';
    case 'authorize-ingress':
      return `admit ${source(step.permission)} on ${ports(step.permission)} in ${step.groupId}`;
    case 'revoke-ingress':
      return `revoke ${source(step.permission)} on ${ports(step.permission)} in ${step.groupId}`;
    case 'create-rule':
      return `create the header-guarded ${step.role} rule at priority ${step.priority}`;
    case 'untag-rule':
      return `remove the role tag of an earlier version from rule ${step.ruleArn}`;
    case 'modify-rule':
      return `${step.why}: ${step.ruleArn}`;
    case 'delete-rule':
      return `delete rule ${step.ruleArn}`;
    case 'set-default-actions':
      return step.why;
    case 'update-origins':
      return `${step.why} on distribution ${step.distributionId} (origins ${step.edits.map((e) => e.originId).join(', ')})`;
    case 'await-deployed':
      return `wait for distribution ${step.distributionIds.join(', ')} to be Deployed`;
    case 'create-security-group':
      return `create security group ${step.name} in ${step.vpcId} for the CloudFront prefix lists`;
    case 'attach-security-group':
      return `attach security group ${step.groupId} to the load balancer beside its groups`;
    case 'detach-security-group':
      return `detach security group ${step.groupId} from the load balancer`;
    case 'delete-security-group':
      return `delete security group ${step.groupId}`;
    case 'hand-over-ingress':
      return `hand the security-group changes over to the lock on ${step.toListenerArn}, which keeps every listener port closed`;
  }
}
