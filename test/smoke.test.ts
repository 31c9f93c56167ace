import { buildFixture } from '../src/dev/fixtures';
import { MotoServer } from '../src/dev/moto';
import { AwsClients } from '../src/aws/clients';
import { create, read, remove, startBench, update } from './support/lock-harness';

let moto: MotoServer;
let clients: AwsClients;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());

test('smoke', async () => {
  const f = await buildFixture({ extraRules: true, extraIngress: true });
  const model = { ListenerArn: f.listenerArn, DistributionId: f.distributionId, SecretArn: f.secretArn };
  const c = await create(clients, model);
  console.log(JSON.stringify(c, null, 1));
  const r = await read(clients, model);
  console.log(JSON.stringify(r, null, 1));
  await moto.recorder.start();
  const u = await update(clients, model, model);
  console.log(JSON.stringify(u.final.status), JSON.stringify(await moto.recorder.mutatingCalls()));
  const d = await remove(clients, model);
  console.log(JSON.stringify(d, null, 1));
});
