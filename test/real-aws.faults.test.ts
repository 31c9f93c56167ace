import { buildFixture, Fixture } from '../bench/fixtures';
import { Fault } from '../bench/aws-emulator/proxy';
import { create, read, remove, update } from './support/lock-harness';
import { useEmulatedBench } from './support/emulated-bench';
import { captureState } from './support/state';

/**
 * Real AWS loses responses, throttles, fails with 5xx and resets connections. A write whose answer was
 * lost is retried (by the SDK) and must find its own work done; a transient fault must be ridden out.
 */

const bench = useEmulatedBench();

const modelOf = (f: Fixture) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
});

const ALL_CONTROLS = {
  SecurityGroup: true,
  ListenerRules: true,
  DenyDefault: true,
  OriginHeader: true,
  HttpsOrigin: false,
};

const saw = (operation: string, what: string) =>
  bench.emulator.events.some((e) => e.operation === operation && e.what === what);

describe.each([
  'AddTags',
  'AuthorizeSecurityGroupIngress',
  'CreateRule',
  'ModifyRule',
  'UpdateDistribution',
  'ModifyListener',
  'RevokeSecurityGroupIngress',
])('CREATE whose %s response is lost', (operation) => {
  test('converges: the retry finds its work done', async () => {
    const f = await buildFixture({ extraRules: true });
    bench.emulator.inject({ kind: 'lose-response', operation });
    const out = await create(bench.clients(), modelOf(f));
    expect(out.final).toMatchObject({ status: 'SUCCESS' });
    expect(saw(operation, 'response-lost')).toBe(true);
    const model = (await read(bench.clients(), modelOf(f))).model as { Enforce: unknown };
    expect(model.Enforce).toEqual(ALL_CONTROLS);
  });
});

describe.each([
  'ModifyListener',
  'DeleteRule',
  'AuthorizeSecurityGroupIngress',
  'RevokeSecurityGroupIngress',
  'RemoveTags',
])('DELETE whose %s response is lost', (operation) => {
  test('still restores the exact pre-lock state', async () => {
    const f = await buildFixture({ extraRules: true });
    const before = await captureState(bench.direct, f);
    expect((await create(bench.clients(), modelOf(f))).final.status).toBe('SUCCESS');
    bench.emulator.inject({ kind: 'lose-response', operation });
    expect((await remove(bench.clients(), modelOf(f))).final.status).toBe('SUCCESS');
    expect(saw(operation, 'response-lost')).toBe(true);
    expect(await captureState(bench.direct, f)).toEqual(before);
  });
});

const transient: [string, Fault['kind'], string][] = [
  ['throttling', 'throttle', 'CreateRule'],
  ['throttling', 'throttle', 'GetSecretValue'],
  ['a 5xx answer', 'server-error', 'AuthorizeSecurityGroupIngress'],
  ['a 5xx answer', 'server-error', 'GetDistributionConfig'],
  ['a reset connection', 'reset', 'DescribeRules'],
  ['a reset connection', 'reset', 'UpdateDistribution'],
];

test.each(transient)(
  'CREATE rides out %s (%s on %s) within its retry budget',
  async (_what, kind, operation) => {
    const f = await buildFixture({ extraRules: true });
    bench.emulator.inject({ kind, operation, times: 2 } as Fault);
    const out = await create(bench.clients(), modelOf(f));
    expect(out.final).toMatchObject({ status: 'SUCCESS' });
    expect(
      bench.emulator.events.filter((e) => e.operation === operation && e.what !== 'forwarded'),
    ).toHaveLength(2);
  },
);

// (A throttling burst maps to Throttling the same way; its 500 ms backoff base makes it slow to run.)
test.each([
  ['server-error', 'CreateRule', 'ServiceInternalError'],
  ['reset', 'ModifyListener', 'NetworkFailure'],
] as const)(
  'a %s burst on %s longer than the retry budget answers %s (CloudFormation retries it), and the retry converges',
  async (kind, operation, code) => {
    const f = await buildFixture({ extraRules: true });
    bench.emulator.inject({ kind, operation, times: 20 });
    const failed = await create(bench.clients(), modelOf(f), undefined, 'token-burst');
    expect(failed.final).toMatchObject({ status: 'FAILED', errorCode: code });
    bench.emulator.clearFaults();
    const retried = await create(bench.clients(), modelOf(f), undefined, 'token-burst');
    expect(retried.final.status).toBe('SUCCESS');
  },
);

describe('reads that lag behind writes', () => {
  test('READ, UPDATE and DELETE of a lock whose tag reads lag never answer NotFound', async () => {
    const f = await buildFixture({ extraRules: true });
    const before = await captureState(bench.direct, f);
    expect((await create(bench.clients(), modelOf(f))).final.status).toBe('SUCCESS');
    // The first answer to the lock's tag reads predates the lock: a lagging read shows no record.
    bench.emulator.inject({ kind: 'stale-read', operation: 'DescribeTags', times: 2 });
    const r = await read(bench.clients(), modelOf(f));
    expect(r.status).toBe('SUCCESS');
    expect((r.model as { Enforce: unknown }).Enforce).toEqual(ALL_CONTROLS);
    expect(saw('DescribeTags', 'stale')).toBe(true);
    bench.emulator.inject({ kind: 'stale-read', operation: 'DescribeTags', times: 2 });
    expect((await update(bench.clients(), modelOf(f))).final.status).toBe('SUCCESS');
    bench.emulator.inject({ kind: 'stale-read', operation: 'DescribeTags', times: 2 });
    expect((await remove(bench.clients(), modelOf(f))).final.status).toBe('SUCCESS');
    expect(await captureState(bench.direct, f)).toEqual(before);
  });

  test('CREATE whose rule, ingress and tag reads lag still converges to every control', async () => {
    const f = await buildFixture({ extraRules: true });
    for (const operation of ['DescribeRules', 'DescribeSecurityGroups', 'DescribeTags'])
      bench.emulator.inject({ kind: 'stale-read', operation, times: 3 });
    expect((await create(bench.clients(), modelOf(f))).final.status).toBe('SUCCESS');
    expect(saw('DescribeRules', 'stale')).toBe(true);
    const model = (await read(bench.clients(), modelOf(f))).model as { Enforce: unknown };
    expect(model.Enforce).toEqual(ALL_CONTROLS);
  });
});
