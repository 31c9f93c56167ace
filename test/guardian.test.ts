import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { CreateRuleCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { AwsClients } from '../src/aws/clients';
import { buildFixture, Fixture } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { GuardianConfig, runGuardian } from '../src/guardian/guardian';
import { Control, MemorySink } from '../src/guardian/finding';
import { expectNoOutage, SampleRequest } from './support/oracle';
import { create, read, startBench } from './support/lock-harness';
import { watchClients } from './support/watched-clients';
import { instrument } from './support/watch';
import {
  cloudTrailEvent,
  GUARDIAN_ROLE_ARN,
  guardianIdentity,
  Identity,
  scheduledEvent,
  USER_ARN,
  user,
} from '../bench/cloudtrail';

let moto: MotoServer;
let plainClients: AwsClients;
beforeAll(async () => ({ moto, clients: plainClients } = await startBench()));
afterAll(async () => moto?.stop());
beforeEach(async () => moto.reset());

const SAMPLES: SampleRequest[] = [
  { host: 'api.example.com', path: '/v1/users' },
  { host: 'www.example.com', path: '/static/app.css' },
  { host: 'www.example.com', path: '/' },
];
const ELB = 'elasticloadbalancing.amazonaws.com';
const heal: GuardianConfig = { mode: 'heal', ignoredRoleArns: [GUARDIAN_ROLE_ARN] };
const alert: GuardianConfig = { mode: 'alert', ignoredRoleArns: [GUARDIAN_ROLE_ARN] };

/** A locked fixture whose later writes (the guardian's) are checked by the no-outage oracle. */
async function lockedFixture() {
  const f = await buildFixture({ extraRules: true, extraIngress: true });
  const w = await watchClients(f, plainClients, { samples: SAMPLES });
  const created = await create(w.clients, {
    ListenerArn: f.listenerArn,
    DistributionId: f.distributionId,
    SecretArn: f.secretArn,
  });
  expect(created.final.status).toBe(OperationStatus.Success);
  // The drift leaves the lock open until the healing write that closes it: after every write the
  // oracle checks that CloudFront still reaches its targets; the lock must hold once the guardian is done.
  return { f, ...w };
}

interface Drift {
  control: Control;
  /** Breaks the lock with direct clients and returns the CloudTrail event of that call. */
  make(f: Fixture, identity?: Identity): Promise<unknown>;
}

const DRIFTS: Record<string, Drift> = {
  ModifyListener: {
    control: 'DenyDefault',
    async make(f, identity = user) {
      const actions = [{ Type: 'forward' as const, TargetGroupArn: f.targetGroupArn }];
      await plainClients.elbv2.send(
        new ModifyListenerCommand({ ListenerArn: f.listenerArn, DefaultActions: actions }),
      );
      return cloudTrailEvent(
        ELB,
        'ModifyListener',
        {
          listenerArn: f.listenerArn,
          defaultActions: [{ type: 'forward', targetGroupArn: f.targetGroupArn }],
        },
        {
          listeners: [
            { listenerArn: f.listenerArn, loadBalancerArn: f.loadBalancerArn, port: f.listenerPort },
          ],
        },
        identity,
      );
    },
  },
  'CreateRule (the debug route)': {
    control: 'ListenerRules',
    async make(f, identity = user) {
      const out = await plainClients.elbv2.send(
        new CreateRuleCommand({
          ListenerArn: f.listenerArn,
          Priority: 7,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/debug/*'] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
        }),
      );
      const ruleArn = out.Rules?.[0]?.RuleArn;
      return cloudTrailEvent(
        ELB,
        'CreateRule',
        {
          listenerArn: f.listenerArn,
          priority: 7,
          conditions: [{ field: 'path-pattern', pathPatternConfig: { values: ['/debug/*'] } }],
          actions: [{ type: 'forward', targetGroupArn: f.targetGroupArn }],
        },
        { rules: [{ ruleArn, priority: '7', isDefault: false }] },
        identity,
      );
    },
  },
  'AuthorizeSecurityGroupIngress (0.0.0.0/0 on the port)': {
    control: 'SecurityGroup',
    async make(f, identity = user) {
      await plainClients.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: f.securityGroupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: f.listenerPort,
              ToPort: f.listenerPort,
              IpRanges: [{ CidrIp: '0.0.0.0/0' }],
            },
          ],
        }),
      );
      return cloudTrailEvent(
        'ec2.amazonaws.com',
        'AuthorizeSecurityGroupIngress',
        {
          groupId: f.securityGroupId,
          ipPermissions: {
            items: [
              {
                ipProtocol: 'tcp',
                fromPort: f.listenerPort,
                toPort: f.listenerPort,
                groups: {},
                ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] },
                ipv6Ranges: {},
                prefixListIds: {},
              },
            ],
          },
        },
        {
          requestId: '6f0b1e2a-0000-4000-8000-000000000000',
          _return: true,
          securityGroupRuleSet: {
            items: [
              {
                groupOwnerId: '123456789012',
                groupId: f.securityGroupId,
                securityGroupRuleId: 'sgr-0123456789abcdef0',
                isEgress: false,
                ipProtocol: 'tcp',
                fromPort: f.listenerPort,
                toPort: f.listenerPort,
                cidrIpv4: '0.0.0.0/0',
              },
            ],
          },
        },
        identity,
      );
    },
  },
  'UpdateDistribution (header removed)': {
    control: 'OriginHeader',
    async make(f, identity = user) {
      const cfg = await plainClients.cloudfront.send(
        new GetDistributionConfigCommand({ Id: f.distributionId }),
      );
      const origin = cfg.DistributionConfig!.Origins!.Items!.find((o) => o.Id === f.albOriginId)!;
      origin.CustomHeaders = { Quantity: 0, Items: [] };
      await plainClients.cloudfront.send(
        new UpdateDistributionCommand({
          Id: f.distributionId,
          IfMatch: cfg.ETag,
          DistributionConfig: cfg.DistributionConfig,
        }),
      );
      return cloudTrailEvent(
        'cloudfront.amazonaws.com',
        'UpdateDistribution',
        {
          id: f.distributionId,
          ifMatch: cfg.ETag,
          distributionConfig: {
            callerReference: cfg.DistributionConfig!.CallerReference,
            origins: {
              quantity: 1,
              items: [
                { id: f.albOriginId, domainName: f.loadBalancerDnsName, customHeaders: { quantity: 0 } },
              ],
            },
            enabled: true,
          },
        },
        { distribution: { id: f.distributionId, status: 'InProgress' }, eTag: 'E2QWRUHEXAMPLE' },
        identity,
      );
    },
  },
};

/** Writes made through these clients from now on. */
function countWrites(clients: AwsClients): string[] {
  const writes: string[] = [];
  instrument(clients, { after: (command) => void writes.push(command) });
  return writes;
}

const enforced = async (f: Fixture) =>
  (await read(plainClients, { ListenerArn: f.listenerArn })).model?.Enforce as Record<string, boolean>;

describe.each(Object.entries(DRIFTS))('%s', (_name, drift) => {
  test('heal: converges the lock back with no outage after any write, and reports it healed', async () => {
    const { f, clients, state, snap, routing } = await lockedFixture();
    const event = (await drift.make(f)) as { detail: { eventID: string } };
    expect((await enforced(f))[drift.control]).toBe(false);
    const sink = new MemorySink();
    const writesBefore = state.writes.length;
    const logs: string[] = [];
    const result = await runGuardian(event, heal, { clients, sink, log: (m) => logs.push(m) });

    expect(result.checked).toEqual([f.listenerArn]);
    expect(state.writes.length).toBeGreaterThan(writesBefore);
    expect(state.checks).toBe(state.writes.length);
    expectNoOutage(await snap(), { routing, expectLocked: true });
    expect(await enforced(f)).toMatchObject({
      SecurityGroup: true,
      ListenerRules: true,
      DenyDefault: true,
      OriginHeader: true,
    });
    expect(sink.findings).toEqual([
      expect.objectContaining({
        version: 1,
        listenerArn: f.listenerArn,
        distributionId: f.distributionId,
        control: drift.control,
        mode: 'heal',
        action: 'healed',
        trigger: expect.objectContaining({
          kind: 'cloudtrail',
          principalArn: USER_ARN,
          eventId: event.detail.eventID,
        }),
      }),
    ]);
    expect(JSON.stringify([sink.findings, logs])).not.toContain(f.secretValue);
  });

  test('alert: publishes the finding and writes nothing', async () => {
    const { f } = await lockedFixture();
    const event = await drift.make(f);
    const sink = new MemorySink();
    await moto.recorder.reset();
    await moto.recorder.start();
    const result = await runGuardian(event, alert, { clients: plainClients, sink, log: () => undefined });
    await moto.recorder.stop();
    expect(await moto.recorder.mutatingCalls()).toEqual([]);
    expect(result.findings).toEqual([
      expect.objectContaining({
        control: drift.control,
        mode: 'alert',
        action: 'alerted',
        listenerArn: f.listenerArn,
      }),
    ]);
    expect(sink.findings).toEqual(result.findings);
    expect((await enforced(f))[drift.control]).toBe(false);
  });

  test("an event made by the guardian's own role is ignored: zero writes, no finding", async () => {
    const { f } = await lockedFixture();
    const event = await drift.make(f, guardianIdentity);
    const clients = plainClients;
    const sink = new MemorySink();
    await moto.recorder.reset();
    await moto.recorder.start();
    const result = await runGuardian(event, heal, { clients, sink, log: () => undefined });
    await moto.recorder.stop();
    expect(result.ignored).toMatch(/ignored role/);
    expect(await moto.recorder.mutatingCalls()).toEqual([]);
    expect(sink.findings).toEqual([]);
  });
});

test('the scheduled sweep heals a drifted lock with no CloudTrail event', async () => {
  const { f, clients, snap, routing } = await lockedFixture();
  await DRIFTS['CreateRule (the debug route)'].make(f);
  await DRIFTS['AuthorizeSecurityGroupIngress (0.0.0.0/0 on the port)'].make(f);
  const sink = new MemorySink();
  const result = await runGuardian(scheduledEvent(), heal, { clients, sink, log: () => undefined });
  expect(result.checked).toEqual([f.listenerArn]);
  expectNoOutage(await snap(), { routing, expectLocked: true });
  expect(sink.findings.map((x) => [x.control, x.action, x.trigger.kind]).sort()).toEqual([
    ['ListenerRules', 'healed', 'schedule'],
    ['SecurityGroup', 'healed', 'schedule'],
  ]);
  // A sweep over a converged lock finds nothing and writes nothing.
  const writes = countWrites(clients);
  const again = new MemorySink();
  await runGuardian(scheduledEvent(), heal, { clients, sink: again, log: () => undefined });
  expect(again.findings).toEqual([]);
  expect(writes).toEqual([]);
});

test('bad events, resources without a lock and listeners that are gone are logged and ignored', async () => {
  const { f } = await lockedFixture();
  const clients = plainClients;
  const writes = countWrites(clients);
  const sink = new MemorySink();
  const logs: string[] = [];
  const run = (event: unknown) => runGuardian(event, heal, { clients, sink, log: (m) => logs.push(m) });
  const gone = f.listenerArn.replace(/\/[0-9a-f]+$/, '/0123456789abcdef');
  const otherLb = f.loadBalancerArn.replace(/\/[0-9a-f]+$/, '/0123456789abcdef');
  const events: unknown[] = [
    undefined,
    null,
    'ModifyListener',
    {},
    { 'detail-type': 'AWS API Call via CloudTrail' },
    {
      'detail-type': 'AWS API Call via CloudTrail',
      detail: { eventSource: ELB, eventName: 'ModifyListener' },
    },
    cloudTrailEvent(ELB, 'DescribeListeners', { listenerArns: [f.listenerArn] }),
    { ...cloudTrailEvent(ELB, 'ModifyListener', { listenerArn: f.listenerArn }), detail: 'not an object' },
    cloudTrailEvent(ELB, 'ModifyListener', { listenerArn: gone }),
    cloudTrailEvent(ELB, 'CreateListener', { loadBalancerArn: otherLb, port: 8080 }),
    cloudTrailEvent('ec2.amazonaws.com', 'RevokeSecurityGroupIngress', { groupId: 'sg-0123456789abcdef0' }),
    cloudTrailEvent('cloudfront.amazonaws.com', 'UpdateDistribution', { id: 'E0000000000000' }),
  ];
  for (const event of events) await expect(run(event)).resolves.toMatchObject({ checked: [] });
  // A listener of the same load balancer that carries no lock.
  if (f.httpsListenerArn)
    await expect(
      run(cloudTrailEvent(ELB, 'ModifyListener', { listenerArn: f.httpsListenerArn })),
    ).resolves.toMatchObject({ checked: [] });
  // A refused call changed nothing.
  const refused = cloudTrailEvent(ELB, 'ModifyListener', { listenerArn: f.listenerArn });
  Object.assign(refused.detail, { errorCode: 'AccessDenied', errorMessage: 'User is not authorized' });
  expect((await run(refused)).ignored).toMatch(/failed/);
  expect(writes).toEqual([]);
  expect(sink.findings).toEqual([]);
  expect(logs.length).toBeGreaterThanOrEqual(events.length);
});
