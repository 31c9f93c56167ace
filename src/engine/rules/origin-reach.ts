import type { Origin } from '@aws-sdk/client-cloudfront';

/**
 * Which listener of the load balancer a CloudFront origin's requests arrive at: its protocol policy
 * picks HTTP, HTTPS or both (match-viewer), each on the origin's own port. An origin only counts as a
 * lock's target when it reaches the locked listener; a VPC origin reaches the load balancer privately and
 * needs no lock at all.
 */

export interface ListenerEndpoint {
  protocol: string;
  port: number;
}

/** The (protocol, port) pairs CloudFront sends this origin's requests to. `policy` overrides its own. */
export function originEndpoints(origin: Origin, policy?: string): ListenerEndpoint[] {
  const custom = origin.CustomOriginConfig;
  if (!custom || origin.VpcOriginConfig) return [];
  const effective = policy ?? custom.OriginProtocolPolicy;
  const http = { protocol: 'HTTP', port: custom.HTTPPort ?? 80 };
  const https = { protocol: 'HTTPS', port: custom.HTTPSPort ?? 443 };
  if (effective === 'http-only') return [http];
  if (effective === 'https-only') return [https];
  return [http, https];
}

export const reaches = (origin: Origin, listener: ListenerEndpoint, policy?: string): boolean =>
  originEndpoints(origin, policy).some((e) => e.protocol === listener.protocol && e.port === listener.port);

export const describeEndpoints = (origin: Origin, policy?: string): string =>
  originEndpoints(origin, policy)
    .map((e) => `${e.protocol}:${e.port}`)
    .join(' and ') || 'no listener (not a custom origin)';
