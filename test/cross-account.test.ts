/**
 * A distribution in another account (issue 15): CloudFront lives in a central edge account, the load
 * balancer and the secret in the default one. moto keeps CloudFront per account and its STS answers
 * AssumeRole with credentials of the role ARN's account, so the lock reaches the edge distribution only
 * through DistributionRoleArn; the AWS emulator judges AssumeRole as IAM does (bench/aws-emulator/trust.ts).
 */
import { randomUUID } from 'node:crypto';
import {
  GetDistributionCommand,
  GetDistributionConfigCommand,
  NoSuchDistribution,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  buildDistribution,
  buildFixture,
  Fixture,
  fixtureClients,
  FixtureClients,
  TEST_CREDENTIALS,
  TEST_REGION,
} from '../bench/fixtures';
import { handlerRequest, HandlerAction } from '../bench/handler-request';
import { isRead } from '../bench/aws-emulator/wire';
import { entrypoint } from '../src/registry/handlers';
import { runRotationStep, RotationStep } from '../src/rotation/steps';
import { runGuardian } from '../src/guardian/guardian';
import { MemorySink } from '../src/guardian/finding';
import { scheduledEvent } from '../bench/cloudtrail';
import { useEmulatedBench } from './support/emulated-bench';
import { runCli } from './support/cli-run';
import { PlanReport } from '../src/cli/plan/report';

const bench = useEmulatedBench();

const EDGE_ACCOUNT = '222222222222';
const EDGE_ROLE = `arn:aws:iam::${EDGE_ACCOUNT}:role/edge/origin-lock`;
const EXTERNAL_ID = 'acme-edge:7f3a-origin_lock';

interface Edge {
  f: Fixture;
  /** Clients acting as the edge account (moto's credentials for a role there). */
  edge: FixtureClients;
  distributionId: string;
  model: Record<string, unknown>;
}

/** The load balancer and the secret in the default account, the distribution in the edge account. */
async function edgeSetup(): Promise<Edge> {
  const f = await buildFixture({ extraRules: ['path'] });
  const sts = new STSClient({
    region: TEST_REGION,
    endpoint: bench.moto.endpoint,
    credentials: TEST_CREDENTIALS,
  });
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: EDGE_ROLE, RoleSessionName: 'fixture' }));
  const c = out.Credentials;
  const edge = fixtureClients({
    endpoint: bench.moto.endpoint,
    credentials: {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken,
    },
  });
  const d = await buildDistribution(edge.cloudfront, 'edge', f.loadBalancerDnsName, {});
  // Only the edge role (with its external id) is trusted, as its trust policy would say.
  bench.emulator.sts.trustingRoles = [{ roleArn: EDGE_ROLE, externalId: EXTERNAL_ID }];
  const model = {
    ListenerArn: f.listenerArn,
    DistributionId: d.id,
    SecretArn: f.secretArn,
    DistributionRoleArn: EDGE_ROLE,
    DistributionRoleExternalId: EXTERNAL_ID,
  };
  return { f, edge, distributionId: d.id, model };
}

/** The header the distribution's ALB origin sends, read in the account given. */
async function sentHeader(cloudfront: FixtureClients['cloudfront'], id: string): Promise<string | undefined> {
  const out = await cloudfront.send(new GetDistributionConfigCommand({ Id: id }));
  const origin = out.DistributionConfig?.Origins?.Items?.find((o) => o.Id === 'alb');
  return origin?.CustomHeaders?.Items?.find((h) => h.HeaderName === 'X-Origin-Verify')?.HeaderValue;
}

interface Progress {
  status: string;
  errorCode?: string;
  message?: string;
  resourceModel?: Record<string, unknown>;
  callbackContext?: Record<string, unknown>;
}

/** Every credential STS handed out in this test (to prove none reaches a log). */
const issued: string[] = [];
let logged: string[] = [];
beforeEach(() => {
  issued.length = 0;
  logged = [];
  const send = STSClient.prototype.send;
  jest.spyOn(STSClient.prototype, 'send').mockImplementation(async function (
    this: STSClient,
    ...args: unknown[]
  ) {
    const out = (await (send as (...a: unknown[]) => Promise<unknown>).apply(this, args)) as {
      Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
    };
    const c = out?.Credentials;
    if (c) issued.push(c.AccessKeyId ?? '', c.SecretAccessKey ?? '', c.SessionToken ?? '');
    return out;
  } as never);
  // The cfn lib's loggers write to the console: that is the handler's log.
  jest
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void logged.push(a.map(String).join(' ')));
});
afterEach(() => {
  jest.restoreAllMocks();
  const text = logged.join('\n');
  for (const secret of issued.filter((s) => s.length > 0)) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/SecretAccessKey|SessionToken/);
});

/** The registered type's handler, in process, through the emulator, re-invoked until it settles. */
async function handle(
  action: HandlerAction,
  properties: Record<string, unknown>,
  previousProperties?: Record<string, unknown>,
): Promise<Progress> {
  const previousEndpoint = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = bench.emulator.endpoint;
  const bearerToken = randomUUID();
  try {
    let callbackContext: Record<string, unknown> | null = null;
    for (let i = 0; i < 10; i++) {
      const request = handlerRequest({
        action,
        properties,
        previousProperties,
        callbackContext,
        bearerToken,
      });
      const out = (await entrypoint(request, { awsRequestId: `xacct-${i}` } as never)) as Progress;
      if (out.status !== 'IN_PROGRESS') return out;
      callbackContext = out.callbackContext ?? {};
    }
    throw new Error(`${action} still IN_PROGRESS`);
  } finally {
    process.env.AWS_ENDPOINT_URL = previousEndpoint;
  }
}

const assumed = () =>
  bench.emulator.events.filter((e) => e.service === 'sts' && e.operation === 'AssumeRole');
/** Writes to the accounts (AssumeRole changes nothing). */
const writes = () =>
  bench.emulator.events.filter((e) => e.operation !== '' && e.service !== 'sts' && !isRead(e.operation));

test('CREATE stamps the edge distribution through the role, READ reports the role, DELETE unstamps it', async () => {
  const { f, edge, distributionId, model } = await edgeSetup();
  const here = fixtureClients({ endpoint: bench.moto.endpoint });
  // The edge distribution does not exist in the default account: only the role reaches it.
  await expect(
    here.cloudfront.send(new GetDistributionCommand({ Id: distributionId })),
  ).rejects.toBeInstanceOf(NoSuchDistribution);

  const created = await handle('CREATE', model);
  expect(created).toMatchObject({ status: 'SUCCESS' });
  expect(await sentHeader(edge.cloudfront, distributionId)).toBe(f.secretValue);
  expect(await sentHeader(here.cloudfront, f.distributionId)).toBeUndefined();
  expect(assumed().length).toBeGreaterThan(0);
  expect(assumed().every((e) => e.what === 'forwarded')).toBe(true);

  const read = await handle('READ', { ListenerArn: f.listenerArn });
  expect(read.status).toBe('SUCCESS');
  expect(read.resourceModel).toMatchObject({
    DistributionId: distributionId,
    DistributionRoleArn: EDGE_ROLE,
    DistributionRoleExternalId: EXTERNAL_ID,
    Enforce: { SecurityGroup: true, ListenerRules: true, DenyDefault: true, OriginHeader: true },
    OriginIds: ['alb'],
  });

  // DELETE with only the identifier: the role comes from the lock's record.
  const deleted = await handle('DELETE', { ListenerArn: f.listenerArn });
  expect(deleted).toMatchObject({ status: 'SUCCESS' });
  expect(await sentHeader(edge.cloudfront, distributionId)).toBeUndefined();
  // The handler logged, and STS handed out credentials; afterEach checks none of them was logged.
  expect(logged.length).toBeGreaterThan(0);
  expect(issued.length).toBeGreaterThan(0);
});

test('a role that does not trust the caller fails CREATE naming DistributionRoleArn, before any write', async () => {
  const { edge, distributionId, model } = await edgeSetup();
  for (const wrong of [
    { DistributionRoleArn: `arn:aws:iam::${EDGE_ACCOUNT}:role/someone-else` },
    { DistributionRoleExternalId: 'not-the-external-id' },
  ]) {
    bench.emulator.events.length = 0;
    const out = await handle('CREATE', { ...model, ...wrong });
    expect(out).toMatchObject({ status: 'FAILED', errorCode: 'InvalidRequest' });
    expect(out.message).toMatch(/^DistributionRoleArn: cannot assume role 'arn:aws:iam::222222222222:role\//);
    expect(out.message).toMatch(/AccessDenied/);
    expect(assumed().map((e) => e.what)).toContain('denied');
    expect(writes()).toEqual([]);
  }
  expect(await sentHeader(edge.cloudfront, distributionId)).toBeUndefined();
});

test('without the role the edge distribution is not found, and nothing is written', async () => {
  const { model } = await edgeSetup();
  const { DistributionRoleArn: _r, DistributionRoleExternalId: _x, ...sameAccount } = model;
  bench.emulator.events.length = 0;
  const out = await handle('CREATE', sameAccount);
  expect(out.status).toBe('FAILED');
  expect(out.message).toMatch(/DistributionId/);
  expect(writes()).toEqual([]);
  expect(assumed()).toEqual([]);
});

test('the role cannot change on an existing lock', async () => {
  const { model } = await edgeSetup();
  const other = { ...model, DistributionRoleArn: `arn:aws:iam::${EDGE_ACCOUNT}:role/other` };
  bench.emulator.events.length = 0;
  const out = await handle('UPDATE', other, model);
  expect(out).toMatchObject({ status: 'FAILED', errorCode: 'NotUpdatable' });
  expect(out.message).toMatch(/^DistributionRoleArn: cannot change/);
  expect(bench.emulator.events).toEqual([]);
});

test('the rotation stamps the new value on the edge distribution, through the role the record names', async () => {
  const { f, edge, distributionId, model } = await edgeSetup();
  expect((await handle('CREATE', model)).status).toBe('SUCCESS');
  const token = randomUUID();
  const lines: string[] = [];
  const env = {
    clients: bench.clients(),
    log: (m: string) => lines.push(m),
    remainingMs: () => 60_000,
    sleep: async () => undefined,
    pollMs: 1,
  };
  const steps: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
  for (const step of steps)
    await runRotationStep({ Step: step, SecretId: f.secretArn, ClientRequestToken: token }, env);
  const current = await bench.direct.secrets.send(
    new GetSecretValueCommand({ SecretId: f.secretArn, VersionStage: 'AWSCURRENT' }),
  );
  expect(current.SecretString).not.toBe(f.secretValue);
  expect(await sentHeader(edge.cloudfront, distributionId)).toBe(current.SecretString);
  expect(lines.join('\n')).not.toContain(current.SecretString ?? '');
});

test('the audit passes with --distribution-role-arn and cannot find the distribution without it', async () => {
  const { f, distributionId, model } = await edgeSetup();
  expect((await handle('CREATE', model)).status).toBe('SUCCESS');
  const base = ['audit', '--listener-arn', f.listenerArn, '--distribution-id', distributionId];
  const io = { clients: () => bench.clients() };
  const withRole = await runCli(
    [
      ...base,
      '--secret-arn',
      f.secretArn,
      '--distribution-role-arn',
      EDGE_ROLE,
      '--external-id',
      EXTERNAL_ID,
    ],
    [f.secretValue],
    io,
  );
  expect(withRole.stderr).toBe('');
  expect(withRole.code).toBe(0);
  const without = await runCli(base, [f.secretValue], io);
  expect(without.code).toBe(3);
  expect(without.stderr).toMatch(/does not exist/);
  const untrusted = await runCli(
    [...base, '--distribution-role-arn', `arn:aws:iam::${EDGE_ACCOUNT}:role/someone-else`],
    [f.secretValue],
    io,
  );
  expect(untrusted.code).toBe(3);
  expect(untrusted.stderr).toMatch(/DistributionRoleArn: cannot assume role/);
  const usage = await runCli([...base, '--external-id', EXTERNAL_ID], [], io);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/--external-id: needs --distribution-role-arn/);
});

test('plan previews a CREATE that stamps the edge distribution through --distribution-role-arn, writing nothing', async () => {
  const { f, edge, distributionId } = await edgeSetup();
  const base = [
    'plan',
    '--listener-arn',
    f.listenerArn,
    '--distribution-id',
    distributionId,
    '--secret-arn',
    f.secretArn,
  ];
  const io = { clients: () => bench.clients() };
  bench.emulator.events.length = 0;
  const withRole = await runCli(
    [...base, '--distribution-role-arn', EDGE_ROLE, '--external-id', EXTERNAL_ID, '--json'],
    [f.secretValue],
    io,
  );
  expect(withRole.stderr).toBe('');
  expect(withRole.code).toBe(0);
  const report = JSON.parse(withRole.stdout) as PlanReport;
  expect(report).toMatchObject({
    action: 'create',
    outcome: 'planned',
    distributionId,
    distributionRoleArn: EDGE_ROLE,
  });
  const stamp = report.steps.filter((s) => s.kind === 'update-origins');
  expect(stamp).toHaveLength(1);
  expect(stamp[0].description).toContain(distributionId);
  expect(report.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['await-deployed', 'create-rule']));
  // Read through the role (and only read): nothing written in either account.
  expect(assumed().length).toBeGreaterThan(0);
  expect(assumed().every((e) => e.what === 'forwarded')).toBe(true);
  expect(writes()).toEqual([]);
  expect(await sentHeader(edge.cloudfront, distributionId)).toBeUndefined();
  // The text form names the role too.
  const text = await runCli(
    [...base, '--distribution-role-arn', EDGE_ROLE, '--external-id', EXTERNAL_ID],
    [f.secretValue],
    io,
  );
  expect(text.stdout).toContain(`Distribution: ${distributionId} (through role ${EDGE_ROLE})`);

  // Without the role the distribution is not in this account: the lock would refuse, as CREATE does.
  bench.emulator.events.length = 0;
  const without = await runCli(base, [f.secretValue], io);
  expect(without.code).toBe(1);
  expect(without.stdout).toMatch(/DistributionId/);
  expect(assumed()).toEqual([]);
  expect(writes()).toEqual([]);
  const untrusted = await runCli(
    [...base, '--distribution-role-arn', EDGE_ROLE, '--external-id', 'not-the-external-id'],
    [f.secretValue],
    io,
  );
  // A role that cannot be assumed is an access problem, as for the audit: the plan could not be made.
  expect(untrusted.code).toBe(3);
  expect(untrusted.stderr).toMatch(/DistributionRoleArn: cannot assume role/);
  const usage = await runCli([...base, '--external-id', EXTERNAL_ID], [], io);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/--external-id: needs --distribution-role-arn/);
  const badRole = await runCli([...base, '--distribution-role-arn', 'not-a-role'], [], io);
  expect(badRole.code).toBe(2);
  expect(badRole.stderr).toMatch(/^.*--distribution-role-arn: /m);
});

test('the guardian heals the header removed from the edge distribution, through the recorded role', async () => {
  const { f, edge, distributionId, model } = await edgeSetup();
  expect((await handle('CREATE', model)).status).toBe('SUCCESS');
  // Someone in the edge account removes the header.
  const cfg = await edge.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }));
  const config = cfg.DistributionConfig!;
  for (const o of config.Origins?.Items ?? []) o.CustomHeaders = { Quantity: 0, Items: [] };
  await edge.cloudfront.send(
    new UpdateDistributionCommand({ Id: distributionId, IfMatch: cfg.ETag, DistributionConfig: config }),
  );
  const sink = new MemorySink();
  const result = await runGuardian(
    scheduledEvent(),
    { mode: 'heal', ignoredRoleArns: [] },
    { clients: bench.clients(), sink, log: () => undefined },
  );
  expect(result.checked).toEqual([f.listenerArn]);
  expect(result.findings.map((x) => [x.control, x.action])).toEqual([['OriginHeader', 'healed']]);
  expect(await sentHeader(edge.cloudfront, distributionId)).toBe(f.secretValue);
});
