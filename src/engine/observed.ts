import { Origin } from '@aws-sdk/client-cloudfront';
import { IpPermission } from '@aws-sdk/client-ec2';
import { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LockRecord } from './record';

/** The live state the planner works from. Read by observe.ts; plain data, no clients. */
export interface ObservedListener {
  arn: string;
  port: number;
  protocol: string;
  defaultActions: Action[];
  tags: Record<string, string>;
}

/** A listener of the load balancer (the locked one among them). */
export interface LoadBalancerListener {
  arn: string;
  port: number;
  protocol: string;
  defaultActions: Action[];
}

export interface ObservedLoadBalancer {
  arn: string;
  type: string;
  ipAddressType: string;
  dnsName: string;
  /** Attached security groups, in the load balancer's order (the lock's own group among them once attached). */
  securityGroupIds: string[];
  /** The VPC, where the lock creates its own security group (absent in states built before it was observed). */
  vpcId?: string;
  tags: Record<string, string>;
  /** Every listener of the load balancer; absent in states built before it was observed (tests). */
  listeners?: LoadBalancerListener[];
}

export type RuleRole = 'catch-all' | 'guard';

export interface ObservedRule {
  arn: string;
  priority: number;
  conditions: RuleCondition[];
  actions: Action[];
  role?: RuleRole;
  /** The rule's role tag, when observe read it (see roleTagNeeded in record.ts). */
  roleTag?: RuleRole;
}

export interface ObservedGroup {
  groupId: string;
  permissions: IpPermission[];
  /** The group's tags (src/engine/preflight.ts looks for systems that reconcile it). */
  tags?: Record<string, string>;
}

/** The security group the lock created for CloudFront's prefix lists (attached or not). */
export interface ObservedDedicatedGroup extends ObservedGroup {
  name: string;
}

export interface PrefixListRef {
  id: string;
  /** What one rule referencing it weighs against the rules-per-group quota. */
  weight: number;
}

export interface ObservedDistribution {
  id: string;
  status: string;
  origins: Origin[];
}

export interface Observed {
  listener: ObservedListener;
  loadBalancer: ObservedLoadBalancer;
  /** Non-default rules in priority order. */
  rules: ObservedRule[];
  /** The load balancer's security groups (every attached one, the lock's own included). */
  groups: ObservedGroup[];
  /**
   * The lock's own security group when it exists, attached or not; observed only when the record names
   * one or the spec asks for one (an ordinary lock costs no extra call).
   */
  dedicatedGroup?: ObservedDedicatedGroup;
  prefixLists: { v4?: PrefixListRef; v6?: PrefixListRef; weights: Record<string, number> };
  /** By id: the spec's distribution and every distribution the record has stamped. */
  distributions: Record<string, ObservedDistribution | undefined>;
  record?: LockRecord;
  /** Listeners of the same load balancer that carry a lock record of their own (from its marker). */
  otherLockArns?: string[];
}
