import { buildFixture, Fixture } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { AwsClients } from '../src/aws/clients';
import { create, lockClients, startBench } from './support/lock-harness';
import { captureState } from './support/state';
import { awsError, instrument, isWrite } from './support/watch';

/**
 * A CREATE that fails for good gets no DELETE from CloudFormation: it must release what it wrote before
 * it answers FAILED, so the account is exactly as before and a new attempt (a new request token) can
 * create the lock. A failure CloudFormation retries keeps the partial lock for the retry to finish.
 */

let moto: MotoServer;
let clients: AwsClients;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());

const modelOf = (f: Fixture) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
});

/** Clients whose `failAt`-th write is refused for good by AWS (then every write goes through). */
function refusingClients(failAt: number, error: () => Error): { clients: AwsClients; writes: string[] } {
  const c = lockClients();
  const writes: string[] = [];
  instrument(c, {
    before: (command) => {
      if (!isWrite(command)) return;
      writes.push(command);
      if (writes.length === failAt) throw error();
    },
  });
  return { clients: c, writes };
}

test('a CREATE refused for good at any write releases everything before FAILED; a new CREATE then succeeds', async () => {
  let covered = false;
  for (let failAt = 1; !covered; failAt++) {
    await moto.reset();
    const f = await buildFixture({ extraRules: true, extraIngress: true });
    const before = await captureState(clients, f);
    const refusing = refusingClients(failAt, () => awsError('AccessDenied', 'not allowed'));
    const out = await create(refusing.clients, modelOf(f), undefined, `token-${failAt}`);
    if (out.final.status === 'SUCCESS') {
      // The whole CREATE needed fewer writes than failAt: every write has been refused once.
      covered = true;
      continue;
    }
    expect(out.final.errorCode).toBe('AccessDenied');
    if (failAt > 1)
      expect(out.final.message).toContain(`the partial lock on listener '${f.listenerArn}' was released`);
    expect(await captureState(clients, f)).toEqual(before);
    // A new attempt of the stack is a new request token: nothing stands in its way.
    expect((await create(clients, modelOf(f), undefined, `retry-${failAt}`)).final.status).toBe('SUCCESS');
  }
  expect(covered).toBe(true);
});

test('a failure CloudFormation retries keeps the partial lock, and the retried request finishes it', async () => {
  await moto.reset();
  const f = await buildFixture({ extraRules: true });
  const refusing = refusingClients(3, () => {
    const e = awsError('InternalError', 'We encountered an internal error');
    Object.assign(e, { $metadata: { httpStatusCode: 500 }, $fault: 'server' });
    return e;
  });
  const out = await create(refusing.clients, modelOf(f), undefined, 'token-5xx');
  expect(out.final).toMatchObject({ status: 'FAILED', errorCode: 'ServiceInternalError' });
  expect(out.final.message).not.toMatch(/released/);
  const retried = await create(clients, modelOf(f), undefined, 'token-5xx');
  expect(retried.final.status).toBe('SUCCESS');
});
