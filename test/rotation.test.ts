import { randomUUID } from 'node:crypto';
import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { AwsClients } from '../src/aws/clients';
import { buildFixture, Fixture } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { RotationEnv, RotationStep, runRotationStep } from '../src/rotation/steps';
import { handler } from '../src/rotation/index';
import {
  captureRouting,
  evaluateRules,
  expectNoOutage,
  RoutingExpectation,
  SampleRequest,
} from './support/oracle';
import { TrafficSnapshot } from './support/oracle';
import { takeTrafficSnapshot } from './support/traffic-snapshot';
import { create, lockClients, read, startBench, update } from './support/lock-harness';
import { instrument } from './support/watch';

let moto: MotoServer;
let clients: AwsClients;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());
beforeEach(async () => moto.reset());

const SAMPLES: SampleRequest[] = [
  { host: 'api.example.com', path: '/' },
  { path: '/static/a.js' },
  { path: '/' },
];
const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

interface Lock {
  f: Fixture;
  routing: RoutingExpectation[];
  model: Record<string, unknown>;
}

/** Two ALBs, two distributions, one secret. */
async function twoLocks(): Promise<{ a: Lock; b: Lock; secretArn: string; oldValue: string }> {
  const fa = await buildFixture({ name: 'a', extraRules: true });
  const fb = await buildFixture({ name: 'b', extraRules: ['path'] });
  const locks: Lock[] = [];
  for (const f of [fa, fb]) {
    const snap = await snapshot(f);
    const model = { ListenerArn: f.listenerArn, DistributionId: f.distributionId, SecretArn: fa.secretArn };
    expect((await create(clients, model)).final.status).toBe(OperationStatus.Success);
    locks.push({ f, routing: captureRouting(snap, SAMPLES), model });
  }
  return { a: locks[0], b: locks[1], secretArn: fa.secretArn, oldValue: fa.secretValue };
}

const snapshot = (f: Fixture): Promise<TrafficSnapshot> =>
  takeTrafficSnapshot(
    { listenerArn: f.listenerArn, distributionId: f.distributionId, headerName: 'X-Origin-Verify' },
    clients,
  );

/** After every step: CloudFront traffic flows with whatever value edges may send; the lock holds. */
async function expectSafe(locks: Lock[], inFlight: string[], context: string) {
  for (const l of locks) {
    expectNoOutage(await snapshot(l.f), {
      routing: l.routing,
      inFlightValues: inFlight,
      expectLocked: true,
      context,
    });
    const r = await read(clients, l.model);
    expect(r.model?.Enforce).toMatchObject({
      SecurityGroup: true,
      ListenerRules: true,
      DenyDefault: true,
      OriginHeader: true,
    });
  }
}

function env(
  c: AwsClients = clients,
  overrides: Partial<RotationEnv> = {},
): RotationEnv & { lines: string[] } {
  const lines: string[] = [];
  return {
    clients: c,
    log: (m) => lines.push(m),
    remainingMs: () => 60_000,
    sleep: async () => undefined,
    pollMs: 1,
    lines,
    ...overrides,
  };
}

const valueAt = async (secretArn: string, stage: string) =>
  (await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage })))
    .SecretString ?? '';

test('rotating a secret shared by two locks: no outage at any step, re-runs are harmless, old value denied at the end', async () => {
  const { a, b, secretArn, oldValue } = await twoLocks();
  const token = randomUUID();
  const e = env();
  let newValue = '';
  for (const step of STEPS) {
    await runRotationStep({ Step: step, SecretId: secretArn, ClientRequestToken: token }, e);
    if (step === 'createSecret') newValue = await valueAt(secretArn, 'AWSPENDING');
    await expectSafe([a, b], [oldValue, newValue], `after ${step}`);
    // Secrets Manager may run a step again: idempotent.
    await runRotationStep({ Step: step, SecretId: secretArn, ClientRequestToken: token }, e);
    await expectSafe([a, b], [oldValue, newValue], `after ${step} again`);
  }
  expect(newValue).toMatch(/^[a-z0-9]{64}$/);
  expect(await valueAt(secretArn, 'AWSCURRENT')).toBe(newValue);
  for (const l of [a, b]) {
    const s = await snapshot(l.f);
    const origin = s.distribution.origins.find((o) => o.originId === l.f.albOriginId);
    expect(origin?.headerValue).toBe(newValue);
    const withOld = evaluateRules(
      s.rules,
      { path: '/', headers: { 'X-Origin-Verify': oldValue } },
      s.defaultActions,
    ).outcome;
    const withNew = evaluateRules(
      s.rules,
      { path: '/', headers: { 'X-Origin-Verify': newValue } },
      s.defaultActions,
    ).outcome;
    expect(withOld.kind).toBe('fixed-response');
    expect(withNew.kind).toBe('forward');
  }
  const logged = e.lines.join('\n');
  expect(logged).not.toContain(oldValue);
  expect(logged).not.toContain(newValue);

  // After finishSecret, a no-op UPDATE makes zero writes.
  await moto.recorder.reset();
  await moto.recorder.start();
  expect((await update(clients, a.model, a.model)).final.status).toBe(OperationStatus.Success);
  await moto.recorder.stop();
  expect(await moto.recorder.mutatingCalls()).toEqual([]);
});

test('a crash inside any step is repaired by running the step again', async () => {
  const { a, b, secretArn, oldValue } = await twoLocks();
  const token = randomUUID();
  let newValue = '';
  for (const step of STEPS) {
    const c = lockClients();
    let writes = 0;
    instrument(c, {
      before: (command) => {
        if (!/^(Describe|Get|List)/.test(command) && ++writes === 2) throw new Error('crash');
      },
    });
    await runRotationStep({ Step: step, SecretId: secretArn, ClientRequestToken: token }, env(c)).catch(
      () => undefined,
    );
    if (step === 'createSecret') newValue = await valueAt(secretArn, 'AWSPENDING').catch(() => '');
    await runRotationStep({ Step: step, SecretId: secretArn, ClientRequestToken: token }, env());
    if (step === 'createSecret') newValue = await valueAt(secretArn, 'AWSPENDING');
    await expectSafe([a, b], [oldValue, newValue], `after crashed and re-run ${step}`);
  }
  expect(await valueAt(secretArn, 'AWSCURRENT')).toBe(newValue);
});

test('a distribution that stays InProgress past the time budget fails testSecret without narrowing', async () => {
  const { a, b, secretArn, oldValue } = await twoLocks();
  const token = randomUUID();
  await runRotationStep({ Step: 'createSecret', SecretId: secretArn, ClientRequestToken: token }, env());
  const newValue = await valueAt(secretArn, 'AWSPENDING');
  // moto reports Deployed right after an update: model CloudFront still propagating in the SDK layer.
  const propagating = lockClients();
  instrument(propagating, {
    output: (command, output) => {
      const d = (output as { Distribution?: { Status?: string } }).Distribution;
      if (command === 'GetDistribution' && d) d.Status = 'InProgress';
      return output;
    },
  });
  await runRotationStep(
    { Step: 'setSecret', SecretId: secretArn, ClientRequestToken: token },
    env(propagating),
  );
  await expect(
    runRotationStep(
      { Step: 'testSecret', SecretId: secretArn, ClientRequestToken: token },
      env(propagating, { remainingMs: () => 3_000 }),
    ),
  ).rejects.toThrow(/still InProgress/);
  expect(await valueAt(secretArn, 'AWSCURRENT')).toBe(oldValue);
  for (const l of [a, b]) {
    const s = await snapshot(l.f);
    for (const v of [oldValue, newValue]) {
      const out = evaluateRules(
        s.rules,
        { path: '/', headers: { 'X-Origin-Verify': v } },
        s.defaultActions,
      ).outcome;
      expect(out.kind).toBe('forward');
    }
  }
});

test('a secret used by no lock rotates as a plain secret; the Lambda handler never logs values', async () => {
  const f = await buildFixture({ name: 'solo' });
  const token = randomUUID();
  const logs: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((m: string) => void logs.push(m));
  try {
    for (const step of STEPS) await handler({ Step: step, SecretId: f.secretArn, ClientRequestToken: token });
  } finally {
    spy.mockRestore();
  }
  const current = await valueAt(f.secretArn, 'AWSCURRENT');
  expect(current).not.toBe(f.secretValue);
  expect(current).toMatch(/^[a-z0-9]{64}$/);
  expect(logs.join('\n')).toContain('used by 0 lock(s)');
  expect(logs.join('\n')).not.toContain(current);
});
