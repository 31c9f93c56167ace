import { AwsClients, createClients, forgetKeptClients } from '../../src/aws/clients';
import { Emulator, startEmulator } from '../../bench/aws-emulator/proxy';
import { Fixture, TEST_CREDENTIALS, TEST_REGION } from '../../bench/fixtures';
import { isRead } from '../../bench/aws-emulator/wire';
import { create } from './lock-harness';
import { MotoServer, startMoto } from '../../bench/moto';

/**
 * moto behind the AWS emulator (bench/aws-emulator): the lock's clients talk to the emulator, which
 * enforces AWS's limits and injects faults; `direct` talks to moto itself, for arranging fixtures
 * and inspecting state without tripping the emulator.
 */
export interface EmulatedBench {
  moto: MotoServer;
  emulator: Emulator;
  direct: AwsClients;
  /** Clients as the lock uses them, through the emulator (standard retry strategy included). */
  clients: (customize?: (c: AwsClients) => void) => AwsClients;
  stop(): Promise<void>;
}

export async function startEmulatedBench(): Promise<EmulatedBench> {
  const moto = await startMoto();
  const emulator = await startEmulator({
    target: moto.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  const make = (endpoint: string, customize?: (c: AwsClients) => void): AwsClients =>
    createClients({ region: TEST_REGION, credentials: { ...TEST_CREDENTIALS }, endpoint, customize });
  return {
    moto,
    emulator,
    direct: make(moto.endpoint),
    clients: (customize) => make(emulator.endpoint, customize),
    async stop() {
      await emulator.stop();
      await moto.stop();
    },
  };
}

/**
 * The emulated bench for one test file: started before all its tests and stopped after, with moto, the
 * emulator's faults, its emulated stacks and its event log reset before each test. Its members are read when a test runs.
 */
export function useEmulatedBench(): EmulatedBench {
  let current: EmulatedBench | undefined;
  const now = (): EmulatedBench => {
    if (!current) throw new Error('the emulated bench starts in beforeAll');
    return current;
  };
  beforeAll(async () => {
    current = await startEmulatedBench();
  });
  afterAll(async () => current?.stop());
  beforeEach(async () => {
    await now().moto.reset();
    // moto forgot the credentials it handed out (assumed roles): warm clients from before would carry them.
    forgetKeptClients();
    now().emulator.clearFaults();
    now().emulator.events.length = 0;
    now().emulator.cloudformation.stacks = [];
  });
  return {
    get moto() {
      return now().moto;
    },
    get emulator() {
      return now().emulator;
    },
    get direct() {
      return now().direct;
    },
    clients: (customize) => now().clients(customize),
    stop: () => now().stop(),
  };
}

/** The lock's properties for a fixture, with extras. */
export const lockModelOf = (f: Fixture, extra: Record<string, unknown> = {}) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
  ...extra,
});

/** CREATE through the emulator: its outcome and the writes it made (forwarded or refused there). */
export async function createCounted(bench: EmulatedBench, f: Fixture, extra: Record<string, unknown> = {}) {
  bench.emulator.events.length = 0;
  const out = await create(bench.clients(), lockModelOf(f, extra));
  const writes = bench.emulator.events.filter((e) => !isRead(e.operation) && e.operation !== '');
  return {
    out: out.final,
    driven: out,
    writes: writes.map((w) => `${w.operation}:${w.what}`),
    events: [...bench.emulator.events],
  };
}
