import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { CreateDistributionCommand, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { buildFixture, Fixture, FixtureOptions } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { AwsClients } from '../src/aws/clients';
import { expectNoOutage, SampleRequest } from './support/oracle';
import { create, read, remove, startBench } from './support/lock-harness';
import { captureState } from './support/state';
import { watchClients } from './support/watched-clients';
import { audit } from '../src/cli/audit/audit';

/**
 * "Only CloudFront" is judged by address math on every listener port: however the internet is split
 * into ranges, it is revoked (and restored exactly on DELETE); what the user allows stays; two locks on
 * one load balancer keep each other whole. The no-outage oracle runs after every write.
 */

let moto: MotoServer;
let clients: AwsClients;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());
beforeEach(async () => moto.reset());

const SAMPLES: SampleRequest[] = [{ host: 'www.example.com', path: '/' }];

const modelOf = (f: Fixture, extra: Record<string, unknown> = {}) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
  ...extra,
});

const cidrsOn = async (f: Fixture, port: number): Promise<string[]> => {
  const sg = (await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [f.securityGroupId] })))
    .SecurityGroups?.[0];
  return (sg?.IpPermissions ?? [])
    .filter((p) => p.IpProtocol === '-1' || ((p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 0)))
    .flatMap((p) => [
      ...(p.IpRanges ?? []).map((r) => r.CidrIp),
      ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
    ])
    .filter((c): c is string => !!c)
    .sort();
};

async function authorize(f: Fixture, from: number, to: number, cidrs: string[]) {
  await clients.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: f.securityGroupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: from, ToPort: to, IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) },
      ],
    }),
  );
}

async function lockWatched(f: Fixture, extra: Record<string, unknown> = {}, allowedSources?: string[]) {
  const w = await watchClients(f, clients, { samples: SAMPLES, allowedSources });
  const created = await create(w.clients, modelOf(f, extra));
  expect([created.final.status, created.final.message]).toEqual(['SUCCESS', undefined]);
  w.state.locked = true;
  expectNoOutage(await w.snap(), { routing: w.routing, expectLocked: true, allowedSources });
  return { ...w, created };
}

test('the internet split into ranges (two /1s, a public /8 on a wide range) is revoked, and restored exactly', async () => {
  const f = await buildFixture();
  // The internet without 0.0.0.0/0: two halves on the port, a public /8 on every port.
  await clients.ec2.send(
    new RevokeSecurityGroupIngressCommand({
      GroupId: f.securityGroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
  await authorize(f, 80, 80, ['0.0.0.0/1', '128.0.0.0/1']);
  await authorize(f, 0, 65535, ['52.0.0.0/8']);
  const before = await captureState(clients, f);
  const w = await lockWatched(f);
  // Only private ranges remain on the port; the /8 keeps every other port.
  expect(await cidrsOn(f, 80)).toEqual([]);
  expect(await cidrsOn(f, 81)).toContain('52.0.0.0/8');
  expect(await cidrsOn(f, 22)).toEqual(['52.0.0.0/8']);
  expect(
    ((await read(clients, modelOf(f))).model as { Enforce: { SecurityGroup: boolean } }).Enforce
      .SecurityGroup,
  ).toBe(true);
  w.state.locked = false;
  const removed = (await remove(w.clients, modelOf(f))).final;
  expect([removed.status, removed.message]).toEqual(['SUCCESS', undefined]);
  expect(await captureState(clients, f)).toEqual(before);
});

test('an office range in AllowedSources stays; the same range without it is revoked', async () => {
  const f = await buildFixture();
  await authorize(f, 80, 80, ['198.51.100.0/24']);
  const office = ['198.51.100.0/24'];
  await lockWatched(f, { AllowedSources: office }, office);
  expect(await cidrsOn(f, 80)).toEqual(['198.51.100.0/24']);
  const model = (await read(clients, modelOf(f))).model as {
    Enforce: { SecurityGroup: boolean };
    AllowedSources: string[];
  };
  expect(model.AllowedSources).toEqual(office);
  expect(model.Enforce.SecurityGroup).toBe(true);
  await moto.reset();
  const g = await buildFixture();
  await authorize(g, 80, 80, ['198.51.100.0/24']);
  await lockWatched(g);
  expect(await cidrsOn(g, 80)).toEqual([]);
});

test("every listener port: a second listener's open port is closed too, CloudFront admitted on both, restored exactly", async () => {
  const f = await buildFixture({ httpsListener: true });
  const before = await captureState(clients, f);
  const w = await lockWatched(f);
  expect(await cidrsOn(f, 443)).toEqual([]);
  expect(await cidrsOn(f, 80)).toEqual([]);
  // One rule per CloudFront list covers both listener ports (one weight of 55, not two).
  const sg = (await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [f.securityGroupId] })))
    .SecurityGroups?.[0];
  const lists = (sg?.IpPermissions ?? []).filter((p) => (p.PrefixListIds ?? []).length > 0);
  expect(lists.map((p) => [p.FromPort, p.ToPort])).toEqual([[80, 443]]);
  // Someone reopens the other listener's port: READ reports the drift, UPDATE heals it.
  await authorize(f, 443, 443, ['0.0.0.0/0']);
  expect(
    ((await read(clients, modelOf(f))).model as { Enforce: { SecurityGroup: boolean } }).Enforce
      .SecurityGroup,
  ).toBe(false);
  w.state.locked = false;
  const removed = (await remove(w.clients, modelOf(f))).final;
  expect([removed.status, removed.message]).toEqual(['SUCCESS', undefined]);
  // The reopened rule predates nothing the lock did: it stays, the rest is as before.
  const after = await captureState(clients, f);
  expect(after.defaultActions).toEqual(before.defaultActions);
  expect(after.rules).toEqual(before.rules);
});

/** A second distribution whose origin reaches the HTTPS listener (https-only to port 443). */
async function httpsDistribution(f: Fixture): Promise<string> {
  const { DistributionConfig: config } = await clients.cloudfront.send(
    new GetDistributionConfigCommand({ Id: f.distributionId }),
  );
  if (!config?.Origins?.Items) throw new Error('no distribution config');
  config.CallerReference = `https-${Date.now()}`;
  config.Origins.Items = config.Origins.Items.filter((o) => o.Id === f.albOriginId).map((o) => ({
    ...o,
    CustomOriginConfig: { ...o.CustomOriginConfig!, OriginProtocolPolicy: 'https-only', HTTPSPort: 443 },
    CustomHeaders: { Quantity: 0 },
  }));
  config.Origins.Quantity = 1;
  config.CacheBehaviors = { Quantity: 0 };
  const out = await clients.cloudfront.send(new CreateDistributionCommand({ DistributionConfig: config }));
  return out.Distribution?.Id ?? '';
}

test('two locks on one load balancer: deleting one keeps the other whole; deleting both restores exactly', async () => {
  const options: FixtureOptions = { httpsListener: true };
  const f = await buildFixture(options);
  const before = {
    http: await captureState(clients, f),
    https: await captureState(clients, f, f.httpsListenerArn),
  };
  const second = await httpsDistribution(f);
  const httpLock = modelOf(f);
  const httpsLock = { ListenerArn: f.httpsListenerArn, DistributionId: second, SecretArn: f.secretArn };
  expect((await create(clients, httpLock)).final.status).toBe('SUCCESS');
  expect((await create(clients, httpsLock, undefined, 'token-https')).final.status).toBe('SUCCESS');
  // Deleting the first lock hands its security-group changes to the second: nothing reopens.
  const out = await remove(clients, httpLock);
  expect(out.final.status).toBe('SUCCESS');
  expect(out.log.join('\n')).toMatch(/hand the security-group changes over to the lock on/);
  expect(await cidrsOn(f, 80)).toEqual([]);
  expect(await cidrsOn(f, 443)).toEqual([]);
  const model = (await read(clients, httpsLock)).model as { Enforce: Record<string, boolean> };
  expect(model.Enforce.SecurityGroup).toBe(true);
  // The last lock to go restores what the first one had revoked.
  expect((await remove(clients, httpsLock)).final.status).toBe('SUCCESS');
  expect(await captureState(clients, f)).toEqual(before.http);
  expect(await captureState(clients, f, f.httpsListenerArn)).toEqual(before.https);
});

test('the audit judges with the same math: split public ranges on any listener port fail, other forwarding listeners warn', async () => {
  const f = await buildFixture({ httpsListener: true });
  await clients.ec2.send(
    new RevokeSecurityGroupIngressCommand({
      GroupId: f.securityGroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
  await authorize(f, 443, 443, ['0.0.0.0/1', '128.0.0.0/1']);
  const findings = await audit(clients, { listenerArn: f.listenerArn, distributionId: f.distributionId });
  const byId = Object.fromEntries(findings.map((x) => [x.control, x]));
  expect(byId['open-ingress'].status).toBe('fail');
  expect(byId['open-ingress'].reason).toMatch(/admits 0\.0\.0\.0\/1 on port 443/);
  expect(byId['other-listeners'].status).toBe('warn');
  expect(byId['other-listeners'].reason).toMatch(/HTTPS:443 .* forwards without requiring the header/);
  // Locked (the split ranges revoked on every listener port): open-ingress passes.
  await authorize(f, 80, 80, ['10.1.0.0/16']);
  expect((await create(clients, modelOf(f))).final.status).toBe('SUCCESS');
  const after = await audit(clients, { listenerArn: f.listenerArn, distributionId: f.distributionId });
  expect(after.find((x) => x.control === 'open-ingress')?.status).toBe('pass');
});
