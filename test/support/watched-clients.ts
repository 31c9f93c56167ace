import { AwsClients } from '../../src/aws/clients';
import { Fixture } from '../../bench/fixtures';
import { lockClients } from './lock-harness';
import { captureRouting, expectNoOutage, RoutingExpectation, SampleRequest } from './oracle';
import { takeTrafficSnapshot } from './traffic-snapshot';
import { instrument } from './watch';

/**
 * Clients whose every successful write is followed by the no-outage oracle: CloudFront requests with
 * whatever header the distribution sends (or may still send while InProgress) reach their original
 * target; once `locked` is set, requests without it are denied and no listener port admits the internet.
 */
export async function watchClients(
  f: Fixture,
  plainClients: AwsClients,
  options: {
    samples: readonly SampleRequest[];
    headerName?: string;
    /** The lock's AllowedSources: internet sources left open on purpose. */
    allowedSources?: readonly string[];
    /** Clients to watch; default fresh lock clients. */
    clients?: AwsClients;
    listenerArn?: string;
  },
) {
  const headerName = options.headerName ?? 'X-Origin-Verify';
  const snap = () =>
    takeTrafficSnapshot(
      { listenerArn: options.listenerArn ?? f.listenerArn, distributionId: f.distributionId, headerName },
      plainClients,
    );
  const routing: RoutingExpectation[] = captureRouting(await snap(), options.samples);
  const sent = new Set<string | null>([null]);
  const state = { locked: false, checks: 0, writes: [] as string[] };
  const clients = options.clients ?? lockClients();
  instrument(clients, {
    after: async (command) => {
      state.writes.push(command);
      const s = await snap();
      for (const o of s.distribution.origins) if (o.targetsLoadBalancer) sent.add(o.headerValue ?? null);
      expectNoOutage(s, {
        routing,
        inFlightValues: sent,
        expectLocked: state.locked,
        allowedSources: options.allowedSources,
        context: `after write #${state.writes.length} (${command})`,
      });
      state.checks++;
      if (s.distribution.status === 'Deployed') {
        sent.clear();
        for (const o of s.distribution.origins) if (o.targetsLoadBalancer) sent.add(o.headerValue ?? null);
      }
    },
  });
  return { clients, state, routing, snap };
}
