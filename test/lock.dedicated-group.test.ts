import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  SetSecurityGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { buildFixture, Fixture } from '../bench/fixtures';
import { isRead } from '../bench/aws-emulator/wire';
import { SG_RULE_TAG } from '../src/engine/record';
import { parseListenerArn } from '../src/engine/spec';
import { SampleRequest } from './support/oracle';
import { create, read, remove, update } from './support/lock-harness';
import { captureState } from './support/state';
import { EmulatedBench, startEmulatedBench } from './support/emulated-bench';
import { watchClients } from './support/watched-clients';

/**
 * The lock's own security group (Enforce.DedicatedSecurityGroup, or no group of the load balancer with
 * room): created in the load balancer's VPC with only the CloudFront prefix lists, attached beside the
 * load balancer's groups, detached and deleted on release. Through the AWS emulator (its limits, lost
 * responses), with the no-outage oracle after every write.
 */

let bench: EmulatedBench;
beforeAll(async () => {
  bench = await startEmulatedBench();
});
afterAll(async () => bench?.stop());
beforeEach(async () => {
  await bench.moto.reset();
  bench.emulator.clearFaults();
});

const SAMPLES: SampleRequest[] = [
  { host: 'www.example.com', path: '/' },
  { host: 'api.example.com', path: '/v1/users' },
];

const modelOf = (f: Fixture, extra: Record<string, unknown> = {}) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
  ...extra,
});

const DEDICATED = { Enforce: { DedicatedSecurityGroup: true } };
const groupName = (f: Fixture) => `origin-lock-${parseListenerArn(f.listenerArn).listenerId}`;

/** Emulated clients whose every successful write is followed by the no-outage oracle. */
const watched = (f: Fixture) => watchClients(f, bench.direct, { samples: SAMPLES, clients: bench.clients() });

async function loadBalancerGroups(f: Fixture): Promise<string[]> {
  const lb = (
    await bench.direct.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [f.loadBalancerArn] }))
  ).LoadBalancers?.[0];
  return lb?.SecurityGroups ?? [];
}

async function groupsNamed(f: Fixture, name: string) {
  return (
    (
      await bench.direct.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'group-name', Values: [name] },
            { Name: 'vpc-id', Values: [f.vpcId] },
          ],
        }),
      )
    ).SecurityGroups ?? []
  );
}

async function ingressOf(groupId: string) {
  const g = (await bench.direct.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })))
    .SecurityGroups?.[0];
  return g?.IpPermissions ?? [];
}

/** Fills `groupId` with 10 single-address rules on port 22: no room left for a list of weight 55. */
async function fill(groupId: string): Promise<void> {
  await bench.direct.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: Array.from({ length: 10 }, (_, i) => ({ CidrIp: `10.9.0.${i + 1}/32` })),
        },
      ],
    }),
  );
}

const writesSeen = () =>
  bench.emulator.events.filter((e) => !isRead(e.operation) && e.operation !== '').map((e) => e.operation);

test('requested: created in the VPC, tagged, holding only the lists, attached beside the load balancer’s groups; DELETE restores the exact pre-lock state', async () => {
  const f = await buildFixture({ extraIngress: true });
  const before = await captureState(bench.direct, f);
  const groupsBefore = await loadBalancerGroups(f);
  const w = await watched(f);
  const created = await create(w.clients, modelOf(f, DEDICATED));
  expect(created.final).toMatchObject({ status: OperationStatus.Success });
  w.state.locked = true;

  const [own] = await groupsNamed(f, groupName(f));
  expect(own?.GroupId).toBeDefined();
  const ownId = own.GroupId ?? '';
  expect(own.Tags).toContainEqual({ Key: SG_RULE_TAG, Value: parseListenerArn(f.listenerArn).listenerId });
  expect(await loadBalancerGroups(f)).toEqual([...groupsBefore, ownId]);
  // Only CloudFront's list, on the listener port.
  const ingress = await ingressOf(ownId);
  expect(ingress.flatMap((p) => (p.PrefixListIds ?? []).map((x) => x.PrefixListId))).toEqual([
    f.prefixListIds.ipv4,
  ]);
  expect(ingress.flatMap((p) => [...(p.IpRanges ?? []), ...(p.Ipv6Ranges ?? [])])).toEqual([]);
  // The load balancer's own group: internet revoked on the listener port, the lists not added there,
  // the unrelated rules untouched.
  const theirs = await ingressOf(f.securityGroupId);
  expect(theirs.some((p) => (p.PrefixListIds ?? []).length > 0)).toBe(false);
  expect(
    theirs.some((p) => p.FromPort === 80 && (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0')),
  ).toBe(false);
  expect(theirs.some((p) => p.FromPort === 22)).toBe(true);

  const model = (await read(bench.clients(), modelOf(f, DEDICATED))).model as Record<string, unknown>;
  expect(model.DedicatedSecurityGroupId).toBe(ownId);
  expect(model.Enforce).toMatchObject({ SecurityGroup: true, DedicatedSecurityGroup: true });
  expect(model.PrefixListIds).toEqual([f.prefixListIds.ipv4]);

  w.state.locked = false;
  expect((await remove(w.clients, modelOf(f, DEDICATED))).final.status).toBe(OperationStatus.Success);
  expect(await groupsNamed(f, groupName(f))).toEqual([]);
  expect(await captureState(bench.direct, f)).toEqual(before);
});

test('READ of an ordinary lock makes no call for a group of its own', async () => {
  const f = await buildFixture();
  expect((await create(bench.clients(), modelOf(f))).final.status).toBe(OperationStatus.Success);
  bench.emulator.events.length = 0;
  const model = (await read(bench.clients(), modelOf(f))).model as Record<string, unknown>;
  expect(model.DedicatedSecurityGroupId).toBeUndefined();
  const describes = bench.emulator.events.filter((e) => e.operation === 'DescribeSecurityGroups');
  expect(describes).toHaveLength(1);
});

test('no group with room: the lock falls back to a group of its own instead of refusing, and DELETE removes it', async () => {
  const f = await buildFixture();
  await fill(f.securityGroupId);
  const before = await captureState(bench.direct, f);
  const w = await watched(f);
  const created = await create(w.clients, modelOf(f));
  expect(created.final).toMatchObject({ status: OperationStatus.Success });
  const [own] = await groupsNamed(f, groupName(f));
  expect(await loadBalancerGroups(f)).toContain(own?.GroupId);
  const model = (await read(bench.clients(), modelOf(f))).model as Record<string, unknown>;
  expect(model.DedicatedSecurityGroupId).toBe(own?.GroupId);
  expect((model.Enforce as Record<string, unknown>).SecurityGroup).toBe(true);
  expect((await remove(w.clients, modelOf(f))).final.status).toBe(OperationStatus.Success);
  expect(await groupsNamed(f, groupName(f))).toEqual([]);
  expect(await captureState(bench.direct, f)).toEqual(before);
});

test('a load balancer with 5 groups already: ServiceLimitExceeded naming the limit, nothing written', async () => {
  const f = await buildFixture();
  const extra: string[] = [];
  for (let i = 0; i < 4; i++) {
    const g = await bench.direct.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `extra-${i}`, Description: 'extra', VpcId: f.vpcId }),
    );
    extra.push(g.GroupId ?? '');
  }
  await bench.direct.elbv2.send(
    new SetSecurityGroupsCommand({
      LoadBalancerArn: f.loadBalancerArn,
      SecurityGroups: [f.securityGroupId, ...extra],
    }),
  );
  bench.emulator.events.length = 0;
  const out = await create(bench.clients(), modelOf(f, DEDICATED));
  expect(out.final.errorCode).toBe('ServiceLimitExceeded');
  expect(out.final.message).toContain('5 security groups');
  expect(writesSeen()).toEqual([]);
});

test('the emulator refuses a sixth group on SetSecurityGroups', async () => {
  const f = await buildFixture();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const g = await bench.direct.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `six-${i}`, Description: 'six', VpcId: f.vpcId }),
    );
    ids.push(g.GroupId ?? '');
  }
  await expect(
    bench.clients().elbv2.send(
      new SetSecurityGroupsCommand({
        LoadBalancerArn: f.loadBalancerArn,
        SecurityGroups: [f.securityGroupId, ...ids],
      }),
    ),
  ).rejects.toMatchObject({ name: 'ValidationError' });
});

test('a lost CreateSecurityGroup response: one group, found again by its name', async () => {
  const f = await buildFixture();
  bench.emulator.inject({ kind: 'lose-response', operation: 'CreateSecurityGroup' });
  const out = await create(bench.clients(), modelOf(f, DEDICATED));
  expect(out.final).toMatchObject({ status: OperationStatus.Success });
  expect(
    bench.emulator.events.some((e) => e.operation === 'CreateSecurityGroup' && e.what === 'response-lost'),
  ).toBe(true);
  const found = await groupsNamed(f, groupName(f));
  expect(found).toHaveLength(1);
  expect(await loadBalancerGroups(f)).toContain(found[0].GroupId);
});

test('the flag turned off: the lists move back into the load balancer’s group, the lock’s own group goes', async () => {
  const f = await buildFixture();
  expect((await create(bench.clients(), modelOf(f, DEDICATED))).final.status).toBe(OperationStatus.Success);
  const [own] = await groupsNamed(f, groupName(f));
  const w = await watched(f);
  w.state.locked = true;
  const out = await update(w.clients, modelOf(f), modelOf(f, DEDICATED));
  expect(out.final.status).toBe(OperationStatus.Success);
  expect(await loadBalancerGroups(f)).not.toContain(own?.GroupId);
  expect(await groupsNamed(f, groupName(f))).toEqual([]);
  const theirs = await ingressOf(f.securityGroupId);
  expect(theirs.flatMap((p) => (p.PrefixListIds ?? []).map((x) => x.PrefixListId))).toEqual([
    f.prefixListIds.ipv4,
  ]);
});
