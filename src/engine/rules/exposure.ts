import { IngressPermission } from '../record';
import { coveredBy, parseCidr, ParsedCidr } from './cidr';

/**
 * What "reachable from the internet" means, decided by address math, once, for the engine, READ, the
 * audit and the test oracle. An ingress source exposes a port when some address it admits is an
 * internet address outside what the user allowed. So 0.0.0.0/0, 0.0.0.0/1 + 128.0.0.0/1, a /8 or an
 * office /24 all expose; 10.0.0.0/8, a security-group reference or CloudFront's own prefix list do not.
 */

/** Ranges no internet client comes from: RFC 1918, shared address space, loopback, link-local, ULA. */
export const NON_INTERNET_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
].map((c) => parseCidr(c) as ParsedCidr);

export interface ExposurePolicy {
  /** Prefix lists that are CloudFront's own origin-facing lists (by id). */
  cloudFrontListIds: readonly string[];
  /** The user's AllowedSources: CIDRs and prefix-list ids. */
  allowedSources?: readonly string[];
}

/** Whether some address of `cidr` is an internet address not covered by the allowed CIDRs. */
export function cidrExposes(cidr: string, allowed: readonly string[] = []): boolean {
  const parsed = parseCidr(cidr);
  if (!parsed) return true; // unreadable: assume the worst
  const allowedCidrs = allowed.map(parseCidr).filter((c): c is ParsedCidr => c !== undefined);
  return !coveredBy(parsed, [...NON_INTERNET_RANGES, ...allowedCidrs]);
}

/** Whether this one-source permission admits internet clients the lock must keep out. */
export function exposes(p: IngressPermission, policy: ExposurePolicy): boolean {
  const allowed = policy.allowedSources ?? [];
  if (p.CidrIp) return cidrExposes(p.CidrIp, allowed);
  if (p.CidrIpv6) return cidrExposes(p.CidrIpv6, allowed);
  if (p.PrefixListId)
    return !policy.cloudFrontListIds.includes(p.PrefixListId) && !allowed.includes(p.PrefixListId);
  return false; // a security-group reference admits only members of that group
}
