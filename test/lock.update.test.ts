import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { PreconditionFailed } from '@aws-sdk/client-cloudfront';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { AwsClients } from '../src/aws/clients';
import { buildFixture, Fixture, randomHeaderValue } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { listLocks } from '../src/engine/lifecycle';
import { captureRouting, describeOutcome, evaluateRules, SampleRequest, sameRouting } from './support/oracle';
import { takeTrafficSnapshot } from './support/traffic-snapshot';
import {
  crashingClients,
  create,
  lockClients,
  read,
  remove,
  startBench,
  update,
} from './support/lock-harness';
import { captureState } from './support/state';
import { instrument } from './support/watch';

let moto: MotoServer;
let clients: AwsClients;
let f: Fixture;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());
beforeEach(async () => {
  await moto.reset();
  f = await buildFixture({ extraRules: true, extraIngress: true });
});

const SAMPLES: SampleRequest[] = [
  { host: 'api.example.com', path: '/' },
  { path: '/static/a.js' },
  { path: '/' },
];
const base = (extra: Record<string, unknown> = {}) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
  ...extra,
});

/**
 * Clients that check, after every write, that a CloudFront request reaches its original target. The
 * request carries every lock header the ALB origin sends at that moment (CloudFront adds them all).
 */
async function oracleClients(headerNames: string[]) {
  const snaps = () =>
    Promise.all(
      headerNames.map((headerName) =>
        takeTrafficSnapshot(
          { listenerArn: f.listenerArn, distributionId: f.distributionId, headerName },
          clients,
        ),
      ),
    );
  const routing = captureRouting((await snaps())[0], SAMPLES);
  const c = lockClients();
  let writes = 0;
  instrument(c, {
    after: async (command) => {
      writes++;
      const now = await snaps();
      const headers: Record<string, string> = {};
      now.forEach((s, i) => {
        const v = s.distribution.origins.find((o) => o.originId === f.albOriginId)?.headerValue;
        if (v !== undefined) headers[headerNames[i]] = v;
      });
      for (const r of routing) {
        const got = evaluateRules(now[0].rules, { ...r.request, headers }, now[0].defaultActions).outcome;
        if (!sameRouting(got, r.outcome)) {
          throw new Error(
            `write #${writes} ${command}: ${describeOutcome(got)} instead of ${describeOutcome(r.outcome)}`,
          );
        }
      }
    },
  });
  return { clients: c, writes: () => writes };
}

test('changing SecretArn moves the header with no gap; the old value is no longer accepted', async () => {
  expect((await create(clients, base())).final.status).toBe(OperationStatus.Success);
  const next = await clients.secrets.send(
    new CreateSecretCommand({ Name: 'next', SecretString: randomHeaderValue() }),
  );
  const o = await oracleClients(['X-Origin-Verify']);
  const u = await update(o.clients, base({ SecretArn: next.ARN }), base());
  expect(u.final).toMatchObject({ status: OperationStatus.Success, model: { SecretArn: next.ARN } });
  expect(u.final.model?.Enforce).toMatchObject({ ListenerRules: true, OriginHeader: true });
  expect(o.writes()).toBeGreaterThan(2);
  const snap = await takeTrafficSnapshot(
    { listenerArn: f.listenerArn, distributionId: f.distributionId, headerName: 'X-Origin-Verify' },
    clients,
  );
  const values = snap.rules.flatMap((r) =>
    (r.Conditions ?? []).flatMap((c) => c.HttpHeaderConfig?.Values ?? []),
  );
  expect(values).not.toContain(f.secretValue);
});

test('changing HeaderName: the origin sends both names until the rules switch, then only the new one', async () => {
  expect((await create(clients, base())).final.status).toBe(OperationStatus.Success);
  const o = await oracleClients(['X-Origin-Verify', 'X-Acme-Origin']);
  const u = await update(o.clients, base({ HeaderName: 'X-Acme-Origin' }), base());
  expect(u.final).toMatchObject({ status: OperationStatus.Success });
  expect(u.final.model?.Enforce).toMatchObject({
    ListenerRules: true,
    OriginHeader: true,
    DenyDefault: true,
  });
  const snap = await takeTrafficSnapshot(
    { listenerArn: f.listenerArn, distributionId: f.distributionId, headerName: 'X-Origin-Verify' },
    clients,
  );
  const origin = snap.distribution.origins.find((x) => x.originId === f.albOriginId);
  expect(origin?.headerValue).toBeUndefined();
});

test('turning Enforce flags off releases those controls as DELETE would', async () => {
  const before = await captureState(clients, f);
  expect((await create(clients, base())).final.status).toBe(OperationStatus.Success);
  const off = { SecurityGroup: false, ListenerRules: false, DenyDefault: false, OriginHeader: false };
  const u = await update(clients, base({ Enforce: off }), base());
  expect(u.final.status).toBe(OperationStatus.Success);
  expect(u.final.model?.Enforce).toEqual({ ...off, HttpsOrigin: false });
  const after = await captureState(clients, f);
  // Everything but the lock's own record is back as it was.
  expect({ ...after, tags: undefined }).toEqual({ ...before, tags: undefined });
  expect((await remove(clients, base())).final.status).toBe(OperationStatus.Success);
  expect(await captureState(clients, f)).toEqual(before);
});

test('CloudFront ETag race (PreconditionFailed) is retried after a re-read', async () => {
  const c = lockClients();
  let raced = 0;
  instrument(c, {
    before: (command) => {
      if (command === 'UpdateDistribution' && raced++ === 0) {
        throw new PreconditionFailed({
          message: 'The If-Match version is missing or not valid',
          $metadata: {},
        });
      }
    },
  });
  const out = await create(c, base());
  expect(out.final.status).toBe(OperationStatus.Success);
  expect(raced).toBe(2);
});

test('a handler that dies after any write converges to the same end state when invoked again', async () => {
  const clean = await buildFixture({ name: 'clean', extraRules: true, extraIngress: true });
  expect(
    (
      await create(clients, {
        ListenerArn: clean.listenerArn,
        DistributionId: clean.distributionId,
        SecretArn: clean.secretArn,
      })
    ).final.status,
  ).toBe(OperationStatus.Success);
  const reference = (await read(clients, { ListenerArn: clean.listenerArn })).model;

  let covered = false;
  for (let crashAt = 1; !covered; crashAt++) {
    await moto.reset();
    f = await buildFixture({ extraRules: true, extraIngress: true });
    const crashing = crashingClients(crashAt);
    const crashed = await create(crashing.clients, base());
    // Fewer writes than crashAt: the whole create ran, so every crash point has been covered.
    covered = crashing.writes() < crashAt;
    expect(crashed.final.status).toBe(covered ? OperationStatus.Success : OperationStatus.Failed);
    // CloudFormation retries the same request (same token) with fresh clients.
    const retried = await create(clients, base());
    expect(retried.final.status).toBe(OperationStatus.Success);
    expect(retried.final.model?.Enforce).toEqual(reference?.Enforce);
    expect(retried.final.model?.GuardedRuleArns).toHaveLength(
      (reference?.GuardedRuleArns as string[]).length,
    );
  }
});

test('a DELETE that dies after any write, retried, still restores the exact pre-lock state', async () => {
  let covered = false;
  for (let crashAt = 1; !covered; crashAt++) {
    await moto.reset();
    f = await buildFixture({ extraRules: true, extraIngress: true });
    const before = await captureState(clients, f);
    expect((await create(clients, base())).final.status).toBe(OperationStatus.Success);
    const { clients: c } = crashingClients(crashAt);
    const crashed = await remove(c, base());
    const retried = await remove(clients, base());
    if (crashed.final.status === OperationStatus.Success) {
      // The whole delete needed fewer writes than crashAt: every crash point is covered.
      expect(await captureState(clients, f)).toEqual(before);
      covered = true;
      continue;
    }
    // CloudFormation treats NotFound on a retried delete as done.
    expect([OperationStatus.Success, 'NotFound']).toContain(retried.final.errorCode ?? retried.final.status);
    expect(await captureState(clients, f)).toEqual(before);
  }
  expect(covered).toBe(true);
});

test('LIST returns every lock, with tagging-API calls that grow with pages, not load balancers', async () => {
  const others = [
    await buildFixture({ name: 'b' }),
    await buildFixture({ name: 'c' }),
    await buildFixture({ name: 'd' }),
  ];
  await create(clients, base());
  await create(clients, {
    ListenerArn: others[0].listenerArn,
    DistributionId: others[0].distributionId,
    SecretArn: others[0].secretArn,
  });
  await moto.recorder.reset();
  await moto.recorder.start();
  const out = await listLocks(clients, () => undefined);
  await moto.recorder.stop();
  expect(out.models?.map((m) => m.ListenerArn).sort()).toEqual([f.listenerArn, others[0].listenerArn].sort());
  const calls = await moto.recorder.calls();
  expect(calls.length).toBe(1);
});
