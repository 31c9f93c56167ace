import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  CreateRuleCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { AwsClients } from '../src/aws/clients';
import { buildFixture, Fixture, FixtureOptions } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { expectNoOutage, SampleRequest } from './support/oracle';
import { create, read, remove, startBench, update } from './support/lock-harness';
import { captureState } from './support/state';
import { watchClients } from './support/watched-clients';

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

const modelOf = (f: Fixture, extra: Record<string, unknown> = {}) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
  ...extra,
});

const watchedClients = (f: Fixture, headerName?: string) =>
  watchClients(f, plainClients, { samples: SAMPLES, headerName });

async function lockedFixture(options: FixtureOptions = {}, extra: Record<string, unknown> = {}) {
  const f = await buildFixture({ extraRules: true, extraIngress: true, ...options });
  const before = await captureState(plainClients, f);
  const w = await watchedClients(f);
  const created = await create(w.clients, modelOf(f, extra));
  expect(created.final).toMatchObject({ status: OperationStatus.Success });
  w.state.locked = true;
  return { f, before, ...w, created };
}

describe('CREATE on the seed-004 setup', () => {
  test('enforces all four controls with no outage after any write, and leaves everything else alone', async () => {
    const { f, created, state, routing, snap } = await lockedFixture();
    expect(state.checks).toBeGreaterThan(8);
    expectNoOutage(await snap(), { routing, expectLocked: true, denyStatusCode: '403' });

    const model = created.final.model as Record<string, unknown>;
    expect(model.Enforce).toEqual({
      SecurityGroup: true,
      ListenerRules: true,
      DenyDefault: true,
      OriginHeader: true,
      HttpsOrigin: false,
    });
    expect(model.OriginIds).toEqual([f.albOriginId]);
    expect(model.PrefixListIds).toEqual([f.prefixListIds.ipv4]);
    expect(JSON.stringify(created)).not.toContain(f.secretValue);

    const sg = (
      await plainClients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [f.securityGroupId] }))
    ).SecurityGroups![0];
    const perms = sg.IpPermissions ?? [];
    const onPort = perms.filter((p) => p.FromPort === 80);
    expect(onPort.flatMap((p) => p.IpRanges ?? [])).toEqual([]);
    expect(onPort.flatMap((p) => p.PrefixListIds ?? []).map((p) => p.PrefixListId)).toEqual([
      f.prefixListIds.ipv4,
    ]);
    // Unrelated rules untouched.
    expect(perms.find((p) => p.FromPort === 22)?.IpRanges?.map((r) => r.CidrIp)).toEqual(['10.0.0.0/8']);

    const rules =
      (await plainClients.elbv2.send(new DescribeRulesCommand({ ListenerArn: f.listenerArn }))).Rules ?? [];
    const catchAll = rules.find((r) => r.Priority === '50000');
    expect(catchAll?.Actions?.[0]).toMatchObject({ Type: 'forward', TargetGroupArn: f.targetGroupArn });
    const redirect = rules.find((r) => r.RuleArn === f.ruleArns.redirect);
    expect(redirect?.Conditions?.some((c) => c.Field === 'http-header')).toBe(false);
    const listener = (
      await plainClients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [f.listenerArn] }))
    ).Listeners![0];
    expect(listener.DefaultActions).toEqual([
      expect.objectContaining({
        Type: 'fixed-response',
        FixedResponseConfig: expect.objectContaining({ StatusCode: '403' }),
      }),
    ]);
  });

  test('a no-op UPDATE on a converged lock makes zero mutating AWS calls', async () => {
    const { f } = await lockedFixture();
    await moto.recorder.reset();
    await moto.recorder.start();
    const u = await update(plainClients, modelOf(f), modelOf(f));
    await moto.recorder.stop();
    expect(u.final.status).toBe(OperationStatus.Success);
    expect(await moto.recorder.mutatingCalls()).toEqual([]);
  });

  test('READ shows drift per control and UPDATE heals it', async () => {
    const { f } = await lockedFixture();
    await plainClients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: f.securityGroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    let r = await read(plainClients, modelOf(f));
    expect(r.model?.Enforce).toMatchObject({
      SecurityGroup: false,
      ListenerRules: true,
      DenyDefault: true,
      OriginHeader: true,
    });

    await plainClients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: f.listenerArn,
        Priority: 7,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/debug/*'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
      }),
    );
    r = await read(plainClients, modelOf(f));
    expect(r.model?.Enforce).toMatchObject({ SecurityGroup: false, ListenerRules: false });

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
    r = await read(plainClients, modelOf(f));
    expect(r.model?.Enforce).toMatchObject({
      SecurityGroup: false,
      ListenerRules: false,
      DenyDefault: true,
      OriginHeader: false,
    });

    const healed = await update(plainClients, modelOf(f), modelOf(f));
    expect(healed.final.status).toBe(OperationStatus.Success);
    expect(healed.final.model?.Enforce).toEqual({
      SecurityGroup: true,
      ListenerRules: true,
      DenyDefault: true,
      OriginHeader: true,
      HttpsOrigin: false,
    });
  });

  test('READ works from ListenerArn alone (resource import): everything comes from the records in AWS', async () => {
    const { f, created } = await lockedFixture();
    const imported = await read(plainClients, { ListenerArn: f.listenerArn });
    expect(imported).toEqual({ status: OperationStatus.Success, model: created.final.model });
  });

  test("someone else's change to the default action is carried into the catch-all, not overwritten", async () => {
    const { f } = await lockedFixture();
    const apiTg = f.apiTargetGroupArn!;
    await plainClients.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: f.listenerArn,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: apiTg }],
      }),
    );
    expect((await read(plainClients, modelOf(f))).model?.Enforce).toMatchObject({ DenyDefault: false });
    const healed = await update(plainClients, modelOf(f), modelOf(f));
    expect(healed.final.model?.Enforce).toMatchObject({ DenyDefault: true, ListenerRules: true });
    const rules =
      (await plainClients.elbv2.send(new DescribeRulesCommand({ ListenerArn: f.listenerArn }))).Rules ?? [];
    expect(rules.find((r) => r.Priority === '50000')?.Actions?.[0]).toMatchObject({ TargetGroupArn: apiTg });
  });

  test('DELETE returns listener, rules, security group and distribution to the exact pre-lock state', async () => {
    const { f, before, clients, state } = await lockedFixture({
      originCustomHeaders: { 'X-Existing': 'keep-me' },
      extraOrigins: true,
    });
    state.locked = false;
    const d = await remove(clients, modelOf(f));
    expect(d.final).toEqual({ status: OperationStatus.Success });
    expect(await captureState(plainClients, f)).toEqual(before);
    const again = await read(plainClients, modelOf(f));
    expect(again).toMatchObject({ status: OperationStatus.Failed, errorCode: 'NotFound' });
  });

  test('several origins with custom headers: only the ALB origin is stamped, other headers kept', async () => {
    const { f } = await lockedFixture({
      originCustomHeaders: { 'X-Existing': 'keep-me' },
      extraOrigins: true,
    });
    const cfg = await plainClients.cloudfront.send(
      new GetDistributionConfigCommand({ Id: f.distributionId }),
    );
    for (const o of cfg.DistributionConfig!.Origins!.Items!) {
      const names = (o.CustomHeaders?.Items ?? []).map((h) => h.HeaderName);
      if (o.Id === f.albOriginId) {
        expect(names).toEqual(expect.arrayContaining(['X-Existing', 'X-Origin-Verify']));
      } else if (f.albOriginIds.includes(o.Id!)) {
        expect(names).toContain('X-Origin-Verify');
      } else {
        expect(names).not.toContain('X-Origin-Verify');
      }
    }
  });

  test('dualstack: the IPv6 prefix list is admitted and ::/0 revoked', async () => {
    const { f } = await lockedFixture({ dualstack: true, ipv6Ingress: true });
    const sg = (
      await plainClients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [f.securityGroupId] }))
    ).SecurityGroups![0];
    const onPort = (sg.IpPermissions ?? []).filter((p) => p.FromPort === 80);
    expect(onPort.flatMap((p) => p.Ipv6Ranges ?? [])).toEqual([]);
    expect(
      onPort
        .flatMap((p) => p.PrefixListIds ?? [])
        .map((p) => p.PrefixListId)
        .sort(),
    ).toEqual([f.prefixListIds.ipv4, f.prefixListIds.ipv6].sort());
  });
});
