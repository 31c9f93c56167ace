/**
 * The stack-owned distribution pattern (examples/stack-owned-distribution.yaml): the distribution's
 * template sends the header through a `{{resolve:secretsmanager:...}}` dynamic reference and the lock
 * runs with Enforce.OriginHeader false. Rotation cannot move the origin to the new value; the lock must
 * keep accepting whatever version the origin sends until the stack is updated, then narrow.
 */
import { randomUUID } from 'node:crypto';
import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { AwsClients } from '../src/aws/clients';
import { buildFixture, Fixture } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { LockModel } from '../src/engine/converge';
import { RotationEnv, RotationStep, runRotationStep } from '../src/rotation/steps';
import { audit } from '../src/cli/audit/audit';
import {
  captureRouting,
  evaluateRules,
  expectNoOutage,
  Outcome,
  RoutingExpectation,
  SampleRequest,
  TrafficSnapshot,
} from './support/oracle';
import { takeTrafficSnapshot } from './support/traffic-snapshot';
import { create, lockClients, read, startBench, update } from './support/lock-harness';
import { instrument, isWrite } from './support/watch';

let moto: MotoServer;
let clients: AwsClients;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());
beforeEach(async () => moto.reset());

const HEADER = 'X-Origin-Verify';
const SAMPLES: SampleRequest[] = [
  { host: 'api.example.com', path: '/' },
  { path: '/static/a.js' },
  { path: '/' },
];
const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

interface StackOwned {
  f: Fixture;
  model: LockModel;
  routing: RoutingExpectation[];
  /** Clients whose every successful write is followed by the no-outage oracle. */
  watched: AwsClients;
  /** Oracle violations seen after writes (checked, and emptied, by expectSafe). */
  violations: string[];
  /** Writes the oracle has checked so far. */
  checkedWrites: () => number;
  /** Header values an edge may send while the distribution is InProgress. */
  inFlight: Set<string>;
}

const snapshot = (f: Fixture): Promise<TrafficSnapshot> =>
  takeTrafficSnapshot(
    { listenerArn: f.listenerArn, distributionId: f.distributionId, headerName: HEADER },
    clients,
  );

/** What the stack does: its template resolves the secret and CloudFront sends that value. */
async function setOriginHeader(c: AwsClients, f: Fixture, value: string): Promise<void> {
  const cfg = await c.cloudfront.send(new GetDistributionConfigCommand({ Id: f.distributionId }));
  const origin = cfg.DistributionConfig!.Origins!.Items!.find((o) => o.Id === f.albOriginId)!;
  const others = (origin.CustomHeaders?.Items ?? []).filter((h) => h.HeaderName !== HEADER);
  const items = [...others, { HeaderName: HEADER, HeaderValue: value }];
  origin.CustomHeaders = { Quantity: items.length, Items: items };
  await c.cloudfront.send(
    new UpdateDistributionCommand({
      Id: f.distributionId,
      IfMatch: cfg.ETag,
      DistributionConfig: cfg.DistributionConfig,
    }),
  );
}

/** A stack-owned distribution already sending the secret, locked with OriginHeader false. */
async function stackOwnedLock(): Promise<StackOwned> {
  const f = await buildFixture({ name: 'stack', extraRules: true });
  await setOriginHeader(clients, f, f.secretValue);
  const routing = captureRouting(await snapshot(f), SAMPLES);
  const model: LockModel = {
    ListenerArn: f.listenerArn,
    DistributionId: f.distributionId,
    SecretArn: f.secretArn,
    Enforce: { OriginHeader: false },
  };
  const violations: string[] = [];
  const inFlight = new Set([f.secretValue]);
  let checked = 0;
  const watched = lockClients();
  instrument(watched, {
    after: async (command) => {
      if (!isWrite(command)) return;
      checked++;
      try {
        expectNoOutage(await snapshot(f), { routing, inFlightValues: inFlight, context: `after ${command}` });
      } catch (e) {
        violations.push((e as Error).message);
      }
    },
  });
  const created = await create(watched, model);
  expect(created.final.status).toBe(OperationStatus.Success);
  expect(violations).toEqual([]);
  return { f, model, routing, watched, violations, checkedWrites: () => checked, inFlight };
}

/**
 * The oracle found nothing after any write so far, the lock holds now, and READ says so. Between the
 * stack update and the next converge the rules still accept the retired value: READ reports that
 * ListenerRules does not hold (`staleAccepted`).
 */
async function expectSafe(l: StackOwned, context: string, staleAccepted = false): Promise<void> {
  expect({ context, violations: l.violations }).toEqual({ context, violations: [] });
  expectNoOutage(await snapshot(l.f), {
    routing: l.routing,
    inFlightValues: l.inFlight,
    expectLocked: true,
    context,
  });
  const r = await read(clients, l.model);
  expect(r.model?.Enforce).toEqual({
    SecurityGroup: true,
    ListenerRules: !staleAccepted,
    DenyDefault: true,
    OriginHeader: false,
    HttpsOrigin: false,
  });
}

const outcomeWith = async (f: Fixture, value: string): Promise<Outcome> => {
  const s = await snapshot(f);
  return evaluateRules(s.rules, { path: '/', headers: { [HEADER]: value } }, s.defaultActions).outcome;
};

const sentValue = async (f: Fixture): Promise<string | undefined> =>
  (await snapshot(f)).distribution.origins.find((o) => o.originId === f.albOriginId)?.headerValue;

const valueAt = async (secretArn: string, stage: string): Promise<string> =>
  (await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage })))
    .SecretString ?? '';

function env(c: AwsClients): RotationEnv & { lines: string[] } {
  const lines: string[] = [];
  return {
    clients: c,
    log: (m) => lines.push(m),
    remainingMs: () => 60_000,
    sleep: async () => undefined,
    pollMs: 1,
    lines,
  };
}

/** Runs the four steps (each twice: Secrets Manager may repeat one), checking after every write. */
async function rotate(l: StackOwned, e: RotationEnv, token = randomUUID()): Promise<string> {
  let newValue = '';
  for (const step of STEPS) {
    for (const run of ['', ' again']) {
      await runRotationStep({ Step: step, SecretId: l.f.secretArn, ClientRequestToken: token }, e);
      if (step === 'createSecret') l.inFlight.add((newValue = await valueAt(l.f.secretArn, 'AWSPENDING')));
      await expectSafe(l, `after ${step}${run}`);
    }
  }
  return newValue;
}

test('rotation with a stack-owned distribution: no write cuts CloudFront off, the old value stays accepted until the stack is updated, then the lock narrows', async () => {
  const l = await stackOwnedLock();
  const oldValue = l.f.secretValue;
  const e = env(l.watched);
  const newValue = await rotate(l, e);
  expect(newValue).toMatch(/^[a-z0-9]{64}$/);
  expect(await valueAt(l.f.secretArn, 'AWSCURRENT')).toBe(newValue);
  expect(await valueAt(l.f.secretArn, 'AWSPREVIOUS')).toBe(oldValue);
  expect(l.checkedWrites()).toBeGreaterThan(0);

  // The lock never touched the distribution: it still sends the value its stack resolved.
  expect(await sentValue(l.f)).toBe(oldValue);
  expect((await outcomeWith(l.f, oldValue)).kind).toBe('forward');
  expect((await outcomeWith(l.f, newValue)).kind).toBe('forward');
  expect(e.lines.join('\n')).toContain('still accepts the previous value');
  for (const v of [oldValue, newValue]) expect(e.lines.join('\n')).not.toContain(v);

  // The audit judges with the lock's own rule: the value the origin still sends is accepted, not flagged.
  const findings = await audit(clients, {
    listenerArn: l.f.listenerArn,
    distributionId: l.f.distributionId,
    secretArn: l.f.secretArn,
  });
  expect(findings.find((x) => x.control === 'origin-header')?.status).toBe('pass');

  // A converge before the stack update (UPDATE, the guardian) keeps the value the origin sends.
  expect((await update(l.watched, l.model, l.model)).final.status).toBe(OperationStatus.Success);
  await expectSafe(l, 'after an UPDATE before the stack update');
  expect((await outcomeWith(l.f, oldValue)).kind).toBe('forward');

  // The stack update re-resolves the dynamic reference: the origin now sends AWSCURRENT.
  const before = l.checkedWrites();
  await setOriginHeader(l.watched, l.f, newValue);
  expect(l.checkedWrites()).toBe(before + 1);
  await expectSafe(l, 'after the stack update', true);

  // The next converge narrows to the current value.
  expect((await update(l.watched, l.model, l.model)).final.status).toBe(OperationStatus.Success);
  await expectSafe(l, 'after the UPDATE that follows the stack update');
  expect((await outcomeWith(l.f, oldValue)).kind).toBe('fixed-response');
  expect((await outcomeWith(l.f, newValue)).kind).toBe('forward');
});

test('a second rotation before the stack picked up the first is refused before any write, and resumes once it has', async () => {
  const l = await stackOwnedLock();
  const first = l.f.secretValue;
  const second = await rotate(l, env(l.watched));

  // Rotating again now would retire the value the origin still sends (it is AWSPREVIOUS).
  const token = randomUUID();
  await runRotationStep(
    { Step: 'createSecret', SecretId: l.f.secretArn, ClientRequestToken: token },
    env(l.watched),
  );
  const third = await valueAt(l.f.secretArn, 'AWSPENDING');
  l.inFlight.add(third);
  const writes: string[] = [];
  const counting = lockClients();
  instrument(counting, { before: (command) => void (isWrite(command) && writes.push(command)) });
  const e = env(counting);
  await expect(
    runRotationStep({ Step: 'setSecret', SecretId: l.f.secretArn, ClientRequestToken: token }, e),
  ).rejects.toThrow(/update the stack that owns the distribution/);
  expect(writes).toEqual([]);
  await expectSafe(l, 'after the refused setSecret');
  expect((await outcomeWith(l.f, first)).kind).toBe('forward');
  expect((await outcomeWith(l.f, third)).kind).toBe('fixed-response');

  // The stack is updated; Secrets Manager retries the rotation, which now completes.
  await setOriginHeader(l.watched, l.f, second);
  await expectSafe(l, 'after the stack update', true);
  for (const step of STEPS.slice(1)) {
    await runRotationStep({ Step: step, SecretId: l.f.secretArn, ClientRequestToken: token }, env(l.watched));
    await expectSafe(l, `after the resumed ${step}`);
  }
  expect(await valueAt(l.f.secretArn, 'AWSCURRENT')).toBe(third);
  // The value no version holds any more was dropped by the first converge that saw the origin caught up.
  expect((await outcomeWith(l.f, first)).kind).toBe('fixed-response');
  expect((await outcomeWith(l.f, second)).kind).toBe('forward');
  expect((await outcomeWith(l.f, third)).kind).toBe('forward');
});
