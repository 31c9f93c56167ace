import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { AwsClients } from '../src/aws/clients';
import { buildFixture, Fixture } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { create, read, remove, startBench, update } from './support/lock-harness';
import { captureState } from './support/state';

let moto: MotoServer;
let clients: AwsClients;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());
beforeEach(async () => moto.reset());

const origins = async (f: Fixture) =>
  (await clients.cloudfront.send(new GetDistributionConfigCommand({ Id: f.distributionId })))
    .DistributionConfig!.Origins!.Items!;

test('HttpsOrigin on an HTTPS listener makes the origin https-only; DELETE restores the policy', async () => {
  const f = await buildFixture({ httpsListener: true, originProtocolPolicy: 'http-only' });
  const before = await captureState(clients, f, f.httpsListenerArn);
  const model = {
    ListenerArn: f.httpsListenerArn,
    DistributionId: f.distributionId,
    SecretArn: f.secretArn,
    Enforce: { HttpsOrigin: true },
  };
  const c = await create(clients, model);
  expect(c.final).toMatchObject({
    status: OperationStatus.Success,
    model: { Enforce: { HttpsOrigin: true, OriginHeader: true } },
  });
  expect(
    (await origins(f)).find((o) => o.Id === f.albOriginId)?.CustomOriginConfig?.OriginProtocolPolicy,
  ).toBe('https-only');
  expect((await remove(clients, model)).final.status).toBe(OperationStatus.Success);
  expect(await captureState(clients, f, f.httpsListenerArn)).toEqual(before);
});

test('a JSON secret with SecretKey: the value under the key is used and never shown', async () => {
  const f = await buildFixture({ secretFormat: 'json', secretKey: 'header' });
  const model = {
    ListenerArn: f.listenerArn,
    DistributionId: f.distributionId,
    SecretArn: f.secretArn,
    SecretKey: 'header',
  };
  const c = await create(clients, model);
  expect(c.final).toMatchObject({ status: OperationStatus.Success, model: { SecretKey: 'header' } });
  const header = (await origins(f))
    .find((o) => o.Id === f.albOriginId)
    ?.CustomHeaders?.Items?.find((h) => h.HeaderName === 'X-Origin-Verify');
  expect(header?.HeaderValue).toBe(f.secretValue);
  expect(JSON.stringify(c)).not.toContain(f.secretValue);
});

test('OriginId stamps only that origin', async () => {
  const f = await buildFixture({ extraOrigins: ['second-alb-origin'] });
  const model = {
    ListenerArn: f.listenerArn,
    DistributionId: f.distributionId,
    SecretArn: f.secretArn,
    OriginId: f.albOriginId,
  };
  const c = await create(clients, model);
  expect(c.final).toMatchObject({ status: OperationStatus.Success, model: { OriginIds: [f.albOriginId] } });
  const stamped = (await origins(f)).filter((o) =>
    (o.CustomHeaders?.Items ?? []).some((h) => h.HeaderName === 'X-Origin-Verify'),
  );
  expect(stamped.map((o) => o.Id)).toEqual([f.albOriginId]);
});

test('changing DistributionId stamps the new distribution, then removes the header from the old one', async () => {
  const f = await buildFixture();
  const model = { ListenerArn: f.listenerArn, DistributionId: f.distributionId, SecretArn: f.secretArn };
  expect((await create(clients, model)).final.status).toBe(OperationStatus.Success);
  // A second distribution in front of the same ALB.
  const g = await buildFixture({ name: 'g' });
  const moved = { ...model, DistributionId: g.distributionId, OriginId: g.albOriginId };
  const u = await update(clients, moved, model);
  // g's origin points at g's ALB, not f's: naming it explicitly is allowed and it gets stamped.
  expect(u.final).toMatchObject({
    status: OperationStatus.Success,
    model: { DistributionId: g.distributionId },
  });
  const gHeader = (await origins(g)).find((o) => o.Id === g.albOriginId)?.CustomHeaders?.Items ?? [];
  expect(gHeader.map((h) => h.HeaderName)).toContain('X-Origin-Verify');
  const fHeader = (await origins(f)).find((o) => o.Id === f.albOriginId)?.CustomHeaders?.Items ?? [];
  expect(fHeader.map((h) => h.HeaderName)).not.toContain('X-Origin-Verify');
  expect((await read(clients, moved)).model?.Enforce).toMatchObject({
    OriginHeader: true,
    ListenerRules: true,
  });
});
