import { GetDistributionCommand, NoSuchDistribution } from '@aws-sdk/client-cloudfront';
import { DescribeSecurityGroupsCommand, paginateDescribeManagedPrefixLists } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  paginateDescribeListeners,
  paginateDescribeRules,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients, withDistributionRole } from '../aws/clients';
import { DistributionRole, distributionRoleOf } from '../aws/distribution-role';
import { invalid, notFound } from './errors';
import {
  ObservedDedicatedGroup,
  ObservedDistribution,
  ObservedGroup,
  ObservedRule,
  Observed,
  PrefixListRef,
} from './observed';
import { dedicatedGroupName } from './plan/controls/security-group';
import { decodeRecord, LockRecord, recordTagKeys, roleTagNeeded, RULE_ROLE_TAG, ruleRole } from './record';
import { LAST_PRIORITY } from './rules/alb';
import { CLOUDFRONT_LIST_WEIGHT, CLOUDFRONT_V4_LIST, CLOUDFRONT_V6_LIST } from './rules/prefix-lists';
import { parseListenerArn } from './spec';

async function describeTags(
  clients: AwsClients,
  arns: string[],
): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  if (arns.length === 0) return out;
  // DescribeTags takes at most 20 ARNs per call.
  for (let i = 0; i < arns.length; i += 20) {
    const res = await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of res.TagDescriptions ?? []) {
      out[d.ResourceArn ?? ''] = Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    }
  }
  return out;
}

/**
 * The listener's non-default rules, one page (ELB allows at most 400 per page, more than a listener's
 * rule quota), with the lock's roles from its record; role tags are read only where the record cannot
 * tell (see roleTagNeeded).
 */
async function observeRules(
  clients: AwsClients,
  listenerArn: string,
  record: LockRecord | undefined,
): Promise<ObservedRule[]> {
  const raw = [];
  for await (const page of paginateDescribeRules(
    { client: clients.elbv2 },
    { ListenerArn: listenerArn, PageSize: 400 },
  )) {
    raw.push(...(page.Rules ?? []));
  }
  const rules = raw
    .filter((r) => !r.IsDefault && r.Priority !== 'default')
    .map((r) => ({
      arn: r.RuleArn ?? '',
      priority: Number(r.Priority),
      conditions: r.Conditions ?? [],
      actions: r.Actions ?? [],
    }));
  const tags = await describeTags(
    clients,
    rules.filter((r) => roleTagNeeded(record, r, LAST_PRIORITY)).map((r) => r.arn),
  );
  return rules
    .map((r) => {
      const roleTag = tags[r.arn]?.[RULE_ROLE_TAG];
      const role = ruleRole(record, r.arn, roleTag);
      const rule: ObservedRule = { ...r };
      if (role) rule.role = role;
      if (roleTag === 'catch-all' || roleTag === 'guard') rule.roleTag = roleTag;
      return rule;
    })
    .sort((a, b) => a.priority - b.priority);
}

async function observePrefixLists(
  clients: AwsClients,
  referenced: string[],
  recorded: LockRecord['cloudFrontLists'],
): Promise<Observed['prefixLists']> {
  // READ only asks which lists are CloudFront's: AWS-managed ids that never change, kept in the record.
  if (recorded?.v4) {
    const ref = (id: string | undefined) => (id ? { id, weight: CLOUDFRONT_LIST_WEIGHT } : undefined);
    const [v4, v6] = [ref(recorded.v4), ref(recorded.v6)];
    const weights = Object.fromEntries([v4, v6].flatMap((r) => (r ? [[r.id, r.weight]] : [])));
    return { ...(v4 ? { v4 } : {}), ...(v6 ? { v6 } : {}), weights };
  }
  const weights: Record<string, number> = {};
  let v4: PrefixListRef | undefined;
  let v6: PrefixListRef | undefined;
  for await (const page of paginateDescribeManagedPrefixLists(
    { client: clients.ec2 },
    { Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_V4_LIST, CLOUDFRONT_V6_LIST] }] },
  )) {
    for (const pl of page.PrefixLists ?? []) {
      // AWS documents the weight of the CloudFront lists; MaxEntries is not that weight.
      const ref = { id: pl.PrefixListId ?? '', weight: CLOUDFRONT_LIST_WEIGHT };
      weights[ref.id] = ref.weight;
      if (pl.PrefixListName === CLOUDFRONT_V4_LIST) v4 = ref;
      if (pl.PrefixListName === CLOUDFRONT_V6_LIST) v6 = ref;
    }
  }
  const unknown = referenced.filter((id) => weights[id] === undefined);
  if (unknown.length > 0) {
    for await (const page of paginateDescribeManagedPrefixLists(
      { client: clients.ec2 },
      { PrefixListIds: unknown },
    )) {
      for (const pl of page.PrefixLists ?? []) weights[pl.PrefixListId ?? ''] = pl.MaxEntries ?? 1;
    }
  }
  return { v4, v6, weights };
}

export async function observeDistribution(
  clients: AwsClients,
  id: string,
): Promise<ObservedDistribution | undefined> {
  try {
    const out = await clients.cloudfront.send(new GetDistributionCommand({ Id: id }));
    return {
      id,
      status: out.Distribution?.Status ?? 'Unknown',
      origins: out.Distribution?.DistributionConfig?.Origins?.Items ?? [],
    };
  } catch (e) {
    if (e instanceof NoSuchDistribution) return undefined;
    throw e;
  }
}

/** Those of `listenerArns` that carry a lock record (their tags, 20 listeners a call). */
export async function listenersWithRecord(clients: AwsClients, listenerArns: string[]): Promise<string[]> {
  const tags = await describeTags(clients, listenerArns);
  return listenerArns.filter((arn) => recordTagKeys(tags[arn] ?? {}).length > 0);
}

/** Just the lock record of a listener (two calls): existence checks and finding locks by secret. */
export async function observeRecord(
  clients: AwsClients,
  listenerArn: string,
): Promise<LockRecord | undefined> {
  parseListenerArn(listenerArn);
  try {
    await clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  } catch (e) {
    if (e instanceof ListenerNotFoundException)
      throw notFound('ListenerArn', `listener '${listenerArn}' does not exist`);
    throw e;
  }
  return decodeRecord((await describeTags(clients, [listenerArn]))[listenerArn] ?? {});
}

/**
 * Reads everything the planner and the read handler need. `distributionIds` are the distributions of
 * interest beyond those the record names (the spec's). Missing listener → NotFound.
 */
export async function observe(
  clients: AwsClients,
  listenerArn: string,
  distributionIds: string[],
  /**
   * `dedicatedGroup`: the spec asks for the lock's own security group, so look for it. `readOnly`: for
   * READ and audits, which plan nothing: the prefix lists' quota weights are not needed.
   * `distributionRole`: the role to reach the distributions with when given (a lock being made or
   * changed, an audit; undefined: this account); when the key is absent, the recorded lock's.
   */
  options: { dedicatedGroup?: boolean; readOnly?: boolean; distributionRole?: DistributionRole } = {},
): Promise<Observed> {
  const arnParts = parseListenerArn(listenerArn);
  // Every listener of the load balancer in one call: the lock closes all their ports to the internet.
  let listeners;
  try {
    listeners =
      (
        await clients.elbv2.send(
          new DescribeListenersCommand({ LoadBalancerArn: arnParts.loadBalancerArn, PageSize: 400 }),
        )
      ).Listeners ?? [];
  } catch (e) {
    if (e instanceof ListenerNotFoundException || e instanceof LoadBalancerNotFoundException)
      throw notFound('ListenerArn', `listener '${listenerArn}' does not exist`);
    throw e;
  }
  const listener = listeners.find((l) => l.ListenerArn === listenerArn);
  if (!listener) throw notFound('ListenerArn', `listener '${listenerArn}' does not exist`);
  const lbArn = listener.LoadBalancerArn ?? arnParts.loadBalancerArn;
  let lb;
  try {
    lb = (await clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })))
      .LoadBalancers?.[0];
  } catch (e) {
    if (e instanceof LoadBalancerNotFoundException)
      throw notFound('ListenerArn', `load balancer '${lbArn}' does not exist`);
    throw e;
  }
  if (!lb) throw notFound('ListenerArn', `load balancer '${lbArn}' does not exist`);
  if (lb.Type !== 'application') {
    throw invalid(
      'ListenerArn',
      `the listener belongs to a '${lb.Type}' load balancer; only application load balancers can be locked`,
    );
  }
  const protocol = listener.Protocol ?? '';
  if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
    throw invalid(
      'ListenerArn',
      `the listener protocol is '${protocol}'; only HTTP and HTTPS listeners can be locked`,
    );
  }

  // The other listeners ride along in the same call(s): which of them carry a lock of their own.
  const others = listeners.map((l) => l.ListenerArn ?? '').filter((arn) => arn && arn !== listenerArn);
  const tags = await describeTags(clients, [listenerArn, lbArn, ...others]);
  const record = decodeRecord(tags[listenerArn] ?? {});
  const otherLockArns = others.filter((arn) => recordTagKeys(tags[arn] ?? {}).length > 0);
  const rules = await observeRules(clients, listenerArn, record);

  const groupIds = lb.SecurityGroups ?? [];
  const groups =
    groupIds.length === 0
      ? []
      : (
          (await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds })))
            .SecurityGroups ?? []
        ).map((g) => ({
          groupId: g.GroupId ?? '',
          permissions: g.IpPermissions ?? [],
          tags: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        }));
  const dedicatedGroup =
    record?.dedicatedGroup || options.dedicatedGroup
      ? await observeDedicatedGroup(clients, {
          name: record?.dedicatedGroup?.name ?? dedicatedGroupName(listenerArn),
          groupId: record?.dedicatedGroup?.groupId,
          vpcId: lb.VpcId,
          attached: groups,
        })
      : undefined;
  const referenced = groups.flatMap((g) =>
    g.permissions.flatMap((p) => (p.PrefixListIds ?? []).map((pl) => pl.PrefixListId ?? '')),
  );
  const prefixLists = await observePrefixLists(
    clients,
    [...new Set(referenced)],
    options.readOnly ? record?.cloudFrontLists : undefined,
  );

  const wanted = new Set([
    ...distributionIds,
    ...(record ? [record.spec.DistributionId] : []),
    ...(record?.stamps ?? []).map((s) => s.DistributionId),
  ]);
  // The distributions live in the account of the lock's DistributionRoleArn (none: this account).
  const role = 'distributionRole' in options ? options.distributionRole : distributionRoleOf(record?.spec);
  const edge = withDistributionRole(clients, role);
  const distributions: Record<string, ObservedDistribution | undefined> = {};
  for (const id of wanted) distributions[id] = await observeDistribution(edge, id);

  return {
    listener: {
      arn: listenerArn,
      port: listener.Port ?? 0,
      protocol,
      defaultActions: listener.DefaultActions ?? [],
      tags: tags[listenerArn] ?? {},
    },
    loadBalancer: {
      arn: lbArn,
      type: lb.Type ?? '',
      ipAddressType: lb.IpAddressType ?? 'ipv4',
      dnsName: lb.DNSName ?? '',
      securityGroupIds: groupIds,
      ...(lb.VpcId ? { vpcId: lb.VpcId } : {}),
      tags: tags[lbArn] ?? {},
      listeners: listeners.map((l) => ({
        arn: l.ListenerArn ?? '',
        port: l.Port ?? 0,
        protocol: l.Protocol ?? '',
        defaultActions: l.DefaultActions ?? [],
      })),
    },
    rules,
    groups,
    ...(dedicatedGroup ? { dedicatedGroup } : {}),
    prefixLists,
    distributions,
    record,
    otherLockArns,
  };
}

/**
 * The lock's own security group, by its deterministic name in the load balancer's VPC (one call; none
 * when it is attached, since the load balancer's groups were just read).
 */
async function observeDedicatedGroup(
  clients: AwsClients,
  where: { name: string; groupId?: string; vpcId?: string; attached: ObservedGroup[] },
): Promise<ObservedDedicatedGroup | undefined> {
  const known = where.attached.find((g) => g.groupId === where.groupId);
  if (known) return { name: where.name, ...known };
  const filters = [{ Name: 'group-name', Values: [where.name] }];
  if (where.vpcId) filters.push({ Name: 'vpc-id', Values: [where.vpcId] });
  const found = (await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters })))
    .SecurityGroups?.[0];
  if (!found?.GroupId) return undefined;
  const attached = where.attached.find((g) => g.groupId === found.GroupId);
  return {
    name: where.name,
    groupId: found.GroupId,
    permissions: attached?.permissions ?? found.IpPermissions ?? [],
  };
}

/** Rules on every listener of the load balancer, default rules excluded (the ALB rule quota counts these). */
export async function countLoadBalancerRules(clients: AwsClients, loadBalancerArn: string): Promise<number> {
  let count = 0;
  for await (const page of paginateDescribeListeners(
    { client: clients.elbv2 },
    { LoadBalancerArn: loadBalancerArn },
  )) {
    for (const l of page.Listeners ?? []) {
      for await (const rules of paginateDescribeRules(
        { client: clients.elbv2 },
        { ListenerArn: l.ListenerArn },
      )) {
        count += (rules.Rules ?? []).filter((r) => !r.IsDefault).length;
      }
    }
  }
  return count;
}
