import { Listener, LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients } from '../../aws/clients';
import { mapError } from '../../aws/error-mapping';
import { listLockArns, lockRecord } from '../../engine/converge';
import { LockError } from '../../engine/errors';
import { LockRecord } from '../../engine/record';
import { reaches } from '../../engine/rules/origin-reach';
import { DEFAULT_HEADER_NAME } from '../../engine/spec';
import { audit } from '../audit/audit';
import { anyFailed, Control, Finding } from '../audit/findings';
import { ScanOptions } from './args';
import {
  AlbOrigin,
  canonicalDns,
  enabledRegions,
  listAlbOrigins,
  listenersOf,
  loadBalancersByDns,
} from './discover';

/**
 * `origin-lock scan`: every distribution → its ALB origins → the listeners they reach → the audit's own
 * checks on each pair, in every region the account has enabled (or --regions). Reads grow with
 * distributions, load balancers and pages (one DescribeRegions, one DescribeLoadBalancers walk and one
 * tagging walk per region, one DescribeListeners per load balancer an origin names, one audit per
 * pair), never with their product.
 */

/** Regions scanned at once: enough to hide latency, few enough to stay clear of throttling. */
export const REGION_CONCURRENCY = 3;
/** Pair audits at once within a region (each is a handful of Describe calls). */
export const AUDIT_CONCURRENCY = 4;

export type PairKind = 'pair' | 'vpc-origin' | 'not-scanned' | 'stale-lock' | 'account';
export type PairVerdict = 'pass' | 'fail' | 'warn' | 'not-scanned' | 'error';

export interface ScanPair {
  /** The account the row belongs to (with --org-role-name: the account scanned; else from the ARNs). */
  accountId: string;
  kind: PairKind;
  distributionId: string;
  /** The distribution's origin id; null for a stale lock (no origin points at the load balancer). */
  originId: string | null;
  region: string;
  loadBalancerArn: string | null;
  listenerArn: string | null;
  verdict: PairVerdict;
  /** Whether an Acme::Origin::Lock holds the listener. */
  managed: boolean;
  failing: Control[];
  /** Why a row was not audited or what it means; empty for an audited pair. */
  reason: string;
  findings: Finding[];
}

export interface ScanResult {
  regions: string[];
  distributions: number;
  /** Distribution id → ARN, for the ASFF resources. */
  distributionArns: Map<string, string>;
  pairs: ScanPair[];
}

export interface ScanDeps {
  /** Clients in a region (CloudFront is global: any region's clients reach it). */
  clients(region: string): AwsClients;
  defaultRegion: string;
  /** The account scanned, when known (Organization mode); else each row's comes from its ARNs. */
  accountId?: string;
  progress?(done: number, total: number): void;
}

/** Runs `work` over `items`, at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The account field of an ARN ('' when there is none). */
export const accountOfArn = (arn: string): string => arn.split(':')[4] ?? '';

const row = (o: AlbOrigin, rest: Partial<ScanPair> & Pick<ScanPair, 'kind' | 'verdict'>): ScanPair => ({
  accountId: accountOfArn(o.distributionArn),
  distributionId: o.distributionId,
  originId: o.origin.Id ?? '',
  region: o.region,
  loadBalancerArn: null,
  listenerArn: null,
  managed: false,
  failing: [],
  reason: '',
  findings: [],
  ...rest,
});

interface RegionFacts {
  loadBalancers: Map<string, LoadBalancer>;
  locks: Map<string, LockRecord | undefined>;
}

async function regionFacts(clients: AwsClients): Promise<RegionFacts> {
  const loadBalancers = await loadBalancersByDns(clients);
  const locks = new Map<string, LockRecord | undefined>();
  for (const arn of await listLockArns(clients)) locks.set(arn, await lockRecord(clients, arn));
  return { loadBalancers, locks };
}

/** Without --regions: every region the account has enabled, whether an origin names it or not. */
async function defaultRegions(deps: ScanDeps): Promise<string[]> {
  try {
    return await enabledRegions(deps.clients(deps.defaultRegion));
  } catch (e) {
    // A stale lock can sit in a region no origin names: guessing the regions would hide it, so stop.
    const { code, message } = mapError(e);
    throw new LockError(
      code,
      `--regions: the account's enabled regions cannot be listed (ec2:DescribeRegions), name them instead: ${message}`,
    );
  }
}

export async function scan(options: ScanOptions, deps: ScanDeps): Promise<ScanResult> {
  const { distributions, albOrigins } = await listAlbOrigins(
    deps.clients(deps.defaultRegion),
    options.distributionId,
  );
  const regions = options.regions ?? (await defaultRegions(deps));
  const notScanned = albOrigins
    .filter((o) => !regions.includes(o.region))
    .map((o) =>
      row(o, {
        kind: 'not-scanned',
        verdict: 'not-scanned',
        reason: `load balancer ${o.dnsName} is in ${o.region}, which is not scanned`,
      }),
    );

  let done = 0;
  const total = albOrigins.length - notScanned.length;
  const tick = (): void => deps.progress?.(++done, total);

  const perRegion = await mapLimit(regions, REGION_CONCURRENCY, async (region) => {
    const origins = albOrigins.filter((o) => o.region === region);
    const clients = deps.clients(region);
    let facts: RegionFacts;
    try {
      facts = await regionFacts(clients);
    } catch (e) {
      const reason = `cannot read ${region}: ${mapError(e).message}`;
      origins.forEach(tick);
      return origins.map((o) => row(o, { kind: 'pair', verdict: 'error', reason }));
    }
    const listeners = new Map<string, Promise<Listener[]>>();
    const listenersFor = (lbArn: string): Promise<Listener[]> => {
      if (!listeners.has(lbArn)) listeners.set(lbArn, listenersOf(clients, lbArn));
      return listeners.get(lbArn) ?? Promise.resolve([]);
    };
    const pairs = (
      await mapLimit(origins, AUDIT_CONCURRENCY, async (o) => {
        const rows = await originRows(clients, o, facts, listenersFor);
        tick();
        return rows;
      })
    ).flat();
    return [...pairs, ...staleLocks(region, facts, albOrigins, options.distributionId)];
  });
  const distributionArns = new Map(distributions.map((d) => [d.Id ?? '', d.ARN ?? '']));
  const pairs = [...perRegion.flat(), ...notScanned].map((p) => ({
    ...p,
    accountId: deps.accountId ?? (accountOfArn(p.loadBalancerArn ?? '') || p.accountId),
  }));
  return { regions, distributions: distributions.length, distributionArns, pairs: sortPairs(pairs) };
}

/** The rows one ALB origin gives: one per listener it reaches, each audited. */
async function originRows(
  clients: AwsClients,
  o: AlbOrigin,
  facts: RegionFacts,
  listenersFor: (lbArn: string) => Promise<Listener[]>,
): Promise<ScanPair[]> {
  const lb = facts.loadBalancers.get(o.dnsName);
  if (o.origin.VpcOriginConfig) {
    return [
      row(o, {
        kind: 'vpc-origin',
        verdict: 'pass',
        loadBalancerArn: lb?.LoadBalancerArn ?? null,
        reason: `CloudFront VPC origin ${o.origin.VpcOriginConfig.VpcOriginId ?? '?'}: private by design, needs no lock`,
      }),
    ];
  }
  if (!lb?.LoadBalancerArn) {
    return [
      row(o, {
        kind: 'not-scanned',
        verdict: 'not-scanned',
        reason: `no Application Load Balancer named ${o.dnsName} in ${o.region}`,
      }),
    ];
  }
  const lbArn = lb.LoadBalancerArn;
  let reached: Listener[];
  try {
    reached = (await listenersFor(lbArn)).filter((l) =>
      reaches(o.origin, { protocol: l.Protocol ?? '', port: l.Port ?? 0 }),
    );
  } catch (e) {
    return [row(o, { kind: 'pair', verdict: 'error', loadBalancerArn: lbArn, reason: mapError(e).message })];
  }
  if (reached.length === 0) {
    return [
      row(o, {
        kind: 'not-scanned',
        verdict: 'not-scanned',
        loadBalancerArn: lbArn,
        reason: 'the origin reaches no listener of the load balancer',
      }),
    ];
  }
  return Promise.all(
    reached.map(async (l): Promise<ScanPair> => {
      const listenerArn = l.ListenerArn ?? '';
      const managed = facts.locks.has(listenerArn);
      const base = { kind: 'pair' as const, loadBalancerArn: lbArn, listenerArn, managed };
      try {
        const findings = await audit(clients, {
          listenerArn,
          distributionId: o.distributionId,
          headerName: facts.locks.get(listenerArn)?.spec.HeaderName ?? DEFAULT_HEADER_NAME,
        });
        return row(o, {
          ...base,
          verdict: anyFailed(findings) ? 'fail' : 'pass',
          failing: findings.filter((f) => f.status === 'fail').map((f) => f.control),
          findings,
        });
      } catch (e) {
        return row(o, { ...base, verdict: 'error', reason: mapError(e).message });
      }
    }),
  );
}

/**
 * Locked listeners on internet-facing load balancers whose recorded distribution no longer has an
 * origin on them: the lock guards nothing, and whatever reaches the load balancer now is unknown.
 */
function staleLocks(
  region: string,
  facts: RegionFacts,
  albOrigins: AlbOrigin[],
  onlyDistribution: string | undefined,
): ScanPair[] {
  const byArn = new Map([...facts.loadBalancers.values()].map((lb) => [lb.LoadBalancerArn ?? '', lb]));
  const stale: ScanPair[] = [];
  for (const [listenerArn, record] of facts.locks) {
    const lb = byArn.get(listenerArn.replace(':listener/', ':loadbalancer/').replace(/\/[^/]+$/, ''));
    const distributionId = record?.spec.DistributionId ?? '';
    if (!lb || lb.Scheme !== 'internet-facing') continue;
    if (onlyDistribution && distributionId !== onlyDistribution) continue;
    const dns = canonicalDns(lb.DNSName ?? '');
    const pointed = albOrigins.some(
      (o) => o.distributionId === distributionId && o.dnsName === dns && !o.origin.VpcOriginConfig,
    );
    if (pointed) continue;
    stale.push({
      accountId: accountOfArn(listenerArn),
      kind: 'stale-lock',
      distributionId,
      originId: null,
      region,
      loadBalancerArn: lb.LoadBalancerArn ?? null,
      listenerArn,
      verdict: 'warn',
      managed: true,
      failing: [],
      reason: `the lock names distribution ${distributionId || '?'}, which no longer points at this internet-facing load balancer`,
      findings: [],
    });
  }
  return stale;
}

const sortPairs = (pairs: ScanPair[]): ScanPair[] =>
  [...pairs].sort(
    (a, b) =>
      a.distributionId.localeCompare(b.distributionId) ||
      (a.originId ?? '').localeCompare(b.originId ?? '') ||
      (a.listenerArn ?? '').localeCompare(b.listenerArn ?? ''),
  );

export const scanFailed = (pairs: ScanPair[]): boolean => pairs.some((p) => p.verdict === 'fail');
export const scanErrored = (pairs: ScanPair[]): boolean => pairs.some((p) => p.verdict === 'error');
