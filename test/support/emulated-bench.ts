import { AwsClients, createClients } from '../../src/aws/clients';
import { Emulator, startEmulator } from '../../bench/aws-emulator/proxy';
import { TEST_CREDENTIALS, TEST_REGION } from '../../bench/fixtures';
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
