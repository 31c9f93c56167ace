import { AwsClients } from '../src/aws/clients';
import { describeActions, describeConditions } from '../src/cli/audit/describe';
import { Fixture } from '../bench/fixtures';
import { flatten } from '../src/engine/rules/ingress';
import { observe } from '../src/engine/observe';
import { IngressPermission } from '../src/engine/record';

/**
 * What a person would check by hand to believe "the lock is gone and nothing else changed": the
 * ingress, the listener's routing, the origin's headers (names only) and the lock's own tags.
 */
export type Snapshot = Record<string, string>;

const ports = (p: IngressPermission): string =>
  p.IpProtocol === '-1'
    ? 'all traffic'
    : p.FromPort === p.ToPort
      ? `${p.IpProtocol} ${p.FromPort}`
      : `${p.IpProtocol} ${p.FromPort}-${p.ToPort}`;

export async function snapshot(clients: AwsClients, f: Fixture): Promise<Snapshot> {
  const o = await observe(clients, f.listenerArn, [f.distributionId]);
  const out: Snapshot = {};
  for (const g of o.groups) {
    const rules = flatten(g.permissions).map(
      (p) => `${ports(p)} from ${p.PrefixListId ?? p.CidrIp ?? p.CidrIpv6}`,
    );
    out[`${g.groupId} ingress`] = rules.sort().join(', ') || 'none';
  }
  out['listener default action'] = describeActions(o.listener.defaultActions);
  for (const r of o.rules)
    out[`rule at priority ${r.priority}`] =
      `${describeConditions(r.conditions)} → ${describeActions(r.actions)}`;
  for (const origin of o.distributions[f.distributionId]?.origins ?? []) {
    const names = (origin.CustomHeaders?.Items ?? []).map((h) => h.HeaderName ?? '');
    out[`origin ${origin.Id} custom headers`] = names.join(', ') || 'none';
    out[`origin ${origin.Id} protocol`] =
      origin.CustomOriginConfig?.OriginProtocolPolicy ?? 'not a custom origin';
  }
  out['lock record (listener tags)'] = o.record ? 'present' : 'none';
  return out;
}

export interface Comparison {
  aspect: string;
  before: string;
  after: string;
  /** `added`: absent before (made since by someone else, so not the lock's to remove). */
  state: 'same' | 'changed' | 'added';
}

const ABSENT = '(absent)';

/** Aspects of `before` and how they look `after`; aspects that appeared since are listed too. */
export function compare(before: Snapshot, after: Snapshot): Comparison[] {
  const aspects = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
  return aspects.map((aspect) => ({
    aspect,
    before: before[aspect] ?? ABSENT,
    after: after[aspect] ?? ABSENT,
    state: !(aspect in before) ? 'added' : before[aspect] === after[aspect] ? 'same' : 'changed',
  }));
}
