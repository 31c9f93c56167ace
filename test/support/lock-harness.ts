import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients, createClients } from '../../src/aws/clients';
import { TEST_CREDENTIALS, TEST_REGION } from '../../bench/fixtures';
import { MotoServer, startMoto } from '../../bench/moto';
import {
  CallbackContext,
  createLock,
  deleteLock,
  Outcome,
  readLock,
  updateLock,
} from '../../src/engine/lifecycle';
import { LockModel } from '../../src/engine/converge';
import { instrument, isWrite } from './watch';

/** Starts one moto per test file and points the SDK at it. */
export async function startBench(): Promise<{ moto: MotoServer; clients: AwsClients }> {
  const moto = await startMoto();
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  return { moto, clients: lockClients() };
}

export const lockClients = (customize?: (c: AwsClients) => void): AwsClients =>
  createClients({ region: TEST_REGION, credentials: { ...TEST_CREDENTIALS }, customize });

export interface Driven {
  final: Outcome;
  events: Outcome[];
  log: string[];
}

type Step = (ctx: CallbackContext, log: (m: string) => void) => Promise<Outcome>;

/** Re-invokes a handler with its callback context, as CloudFormation does, until it settles. */
async function drive(step: Step, after?: (o: Outcome) => Promise<void>, max = 20): Promise<Driven> {
  const events: Outcome[] = [];
  const log: string[] = [];
  let ctx: CallbackContext = {};
  for (let i = 0; i < max; i++) {
    const out = await step(ctx, (m) => log.push(m));
    events.push(out);
    if (after) await after(out);
    if (out.status !== OperationStatus.InProgress) return { final: out, events, log };
    ctx = out.callbackContext ?? {};
  }
  throw new Error(`handler still IN_PROGRESS after ${max} invocations`);
}

export const create = (
  clients: AwsClients,
  model: LockModel,
  after?: (o: Outcome) => Promise<void>,
  token = 'token-1',
) => drive((ctx, log) => createLock(clients, model, ctx, log, token), after);
export const update = (
  clients: AwsClients,
  model: LockModel,
  previous?: LockModel,
  after?: (o: Outcome) => Promise<void>,
) => drive((ctx, log) => updateLock(clients, model, previous, ctx, log), after);
export const remove = (clients: AwsClients, model: LockModel, after?: (o: Outcome) => Promise<void>) =>
  drive((ctx, log) => deleteLock(clients, model, ctx, log), after);
export const read = (clients: AwsClients, model: LockModel) => readLock(clients, model, () => undefined);

/** Clients that throw just before their `crashAt`-th write, as a handler dying mid-run would. */
export function crashingClients(crashAt: number): { clients: AwsClients; writes: () => number } {
  const c = lockClients();
  let writes = 0;
  instrument(c, {
    before: (command) => {
      if (isWrite(command) && ++writes === crashAt) throw new Error(`crash before write ${crashAt}`);
    },
  });
  return { clients: c, writes: () => writes };
}
