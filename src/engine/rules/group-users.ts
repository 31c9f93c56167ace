import type { NetworkInterface } from '@aws-sdk/client-ec2';

/**
 * What else uses a security group: every network interface in it that is not one of this load
 * balancer's. An Application Load Balancer's own interfaces carry the description
 * `ELB app/<name>/<id>` (the tail of its ARN); anything else in the group (an instance, another load
 * balancer, a Lambda function, a database...) loses the ports the lock closes there. Pure.
 */

export interface GroupUser {
  networkInterfaceId: string;
  /** In plain words: the instance, the interface type, the description AWS gave it. */
  what: string;
}

/** `arn:…:loadbalancer/app/NAME/ID` → `ELB app/NAME/ID`, the description of its network interfaces. */
export const loadBalancerInterfaceDescription = (loadBalancerArn: string): string =>
  `ELB ${loadBalancerArn.split(':loadbalancer/')[1] ?? loadBalancerArn}`;

function describeInterface(n: NetworkInterface): string {
  const parts: string[] = [];
  if (n.Attachment?.InstanceId) parts.push(`instance ${n.Attachment.InstanceId}`);
  if (n.InterfaceType && n.InterfaceType !== 'interface') parts.push(`type ${n.InterfaceType}`);
  if (n.Description) parts.push(`'${n.Description}'`);
  if (parts.length === 0) parts.push(n.Attachment ? 'attached' : 'not attached');
  return parts.join(', ');
}

/** Per group id, the interfaces in it that are not this load balancer's (groups without any are absent). */
export function otherUsers(
  groupIds: readonly string[],
  interfaces: readonly NetworkInterface[],
  loadBalancerArn: string,
): Record<string, GroupUser[]> {
  const own = loadBalancerInterfaceDescription(loadBalancerArn);
  const out: Record<string, GroupUser[]> = {};
  for (const n of interfaces) {
    if (n.Description === own) continue;
    for (const g of n.Groups ?? []) {
      const id = g.GroupId ?? '';
      if (!groupIds.includes(id)) continue;
      const users = (out[id] ??= []);
      if (!users.some((u) => u.networkInterfaceId === n.NetworkInterfaceId))
        users.push({ networkInterfaceId: n.NetworkInterfaceId ?? '', what: describeInterface(n) });
    }
  }
  return out;
}

const MAX_LISTED = 5;

/** `eni-1 (instance i-1), eni-2 ('ELB app/other/…') and 3 more`. */
export function describeUsers(users: readonly GroupUser[]): string {
  const listed = users.slice(0, MAX_LISTED).map((u) => `${u.networkInterfaceId} (${u.what})`);
  const more = users.length - listed.length;
  return more > 0 ? `${listed.join(', ')} and ${more} more` : listed.join(', ');
}

/** The refusal for revoking ingress in groups other resources use. */
export function sharedGroupsMessage(shared: Readonly<Record<string, GroupUser[]>>, port: number): string {
  const groups = Object.entries(shared).map(([id, users]) => `${id} is also used by ${describeUsers(users)}`);
  return `security group ${groups.join('; security group ')}: revoking its open ingress on port ${port} would close that port to them too. Give this load balancer a security group of its own (the others keep theirs), or set Enforce.SharedSecurityGroups: true to revoke it for all of them. Nothing was changed`;
}
