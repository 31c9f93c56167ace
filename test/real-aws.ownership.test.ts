import { TagResourceCommand } from '@aws-sdk/client-cloudfront';
import { CreateNetworkInterfaceCommand, CreateTagsCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { AddTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildFixture, Fixture, FixtureOptions, randomHeaderValue } from '../bench/fixtures';
import { isRead } from '../bench/aws-emulator/wire';
import { repoRoot } from '../bench/paths';
import { audit } from '../src/cli/audit/audit';
import { buildReport } from '../src/cli/audit/report';
import { listLocks } from '../src/engine/lifecycle';
import { create, read, remove } from './support/lock-harness';
import {
  createCounted as createCountedThrough,
  lockModelOf,
  useEmulatedBench,
} from './support/emulated-bench';
import { validate } from './support/json-schema';

/**
 * Nothing locked that another system owns, and no shared security group narrowed silently: a CREATE
 * refuses, before its first write, a load balancer, listener or group that the AWS Load Balancer
 * Controller or Elastic Beanstalk reconciles, a distribution a CloudFormation stack owns (when the lock
 * would stamp it), and a group other network interfaces use; the audit reports the same facts.
 */

const bench = useEmulatedBench();

const modelOf = lockModelOf;
const createCounted = async (f: Fixture, extra: Record<string, unknown> = {}) => {
  const { out, driven, writes, events } = await createCountedThrough(bench, f, extra);
  return { out, driven, writes, ops: events.map((e) => e.operation) };
};

/** Operations `work` makes through the emulator. */
async function operationsOf(work: () => Promise<unknown>): Promise<string[]> {
  bench.emulator.events.length = 0;
  await work();
  return bench.emulator.events.map((e) => e.operation);
}

const fixture = (options: FixtureOptions = {}) => buildFixture(options);
const PREFLIGHT_READS = ['ListTagsForResource', 'DescribeNetworkInterfaces'];

describe('resources another system reconciles are refused with nothing written', () => {
  test('the Load Balancer Controller’s tag on the load balancer', async () => {
    const f = await fixture();
    await bench.direct.elbv2.send(
      new AddTagsCommand({
        ResourceArns: [f.loadBalancerArn],
        Tags: [{ Key: 'elbv2.k8s.aws/cluster', Value: 'prod' }],
      }),
    );
    const { out, writes } = await createCounted(f);
    expect(out).toMatchObject({ status: 'FAILED', errorCode: 'InvalidRequest' });
    expect(out.message).toContain(
      `ListenerArn: load balancer ${f.loadBalancerArn} carries the tag 'elbv2.k8s.aws/cluster' of the AWS Load Balancer Controller for Kubernetes`,
    );
    expect(out.message).toContain('alb.ingress.kubernetes.io/conditions.<service>');
    expect(writes).toEqual([]);
  });

  test('the controller’s tag on the listener', async () => {
    const f = await fixture();
    await bench.direct.elbv2.send(
      new AddTagsCommand({
        ResourceArns: [f.listenerArn],
        Tags: [{ Key: 'ingress.k8s.aws/stack', Value: 'default/web' }],
      }),
    );
    const { out, writes } = await createCounted(f);
    expect(out.errorCode).toBe('InvalidRequest');
    expect(out.message).toContain(`listener ${f.listenerArn} carries the tag 'ingress.k8s.aws/stack'`);
    expect(writes).toEqual([]);
  });

  test('the controller’s tag on the security group', async () => {
    const f = await fixture();
    await bench.direct.ec2.send(
      new CreateTagsCommand({
        Resources: [f.securityGroupId],
        Tags: [{ Key: 'elbv2.k8s.aws/cluster', Value: 'prod' }],
      }),
    );
    const { out, writes } = await createCounted(f);
    expect(out.errorCode).toBe('InvalidRequest');
    expect(out.message).toContain(
      `security group ${f.securityGroupId} carries the tag 'elbv2.k8s.aws/cluster'`,
    );
    expect(writes).toEqual([]);
  });

  test('an Elastic Beanstalk environment’s load balancer', async () => {
    const f = await fixture();
    await bench.direct.elbv2.send(
      new AddTagsCommand({
        ResourceArns: [f.loadBalancerArn],
        Tags: [
          { Key: 'elasticbeanstalk:environment-name', Value: 'web-prod' },
          { Key: 'elasticbeanstalk:environment-id', Value: 'e-abcdef1234' },
        ],
      }),
    );
    const { out, writes } = await createCounted(f);
    expect(out.errorCode).toBe('InvalidRequest');
    expect(out.message).toContain(
      `load balancer ${f.loadBalancerArn} carries the tag 'elasticbeanstalk:environment-id' of Elastic Beanstalk`,
    );
    expect(out.message).toContain('.ebextensions');
    expect(writes).toEqual([]);
  });
});

describe('a distribution a CloudFormation stack owns', () => {
  const tagStack = (f: Fixture) =>
    bench.direct.cloudfront.send(
      new TagResourceCommand({
        Resource: f.distributionArn,
        Tags: { Items: [{ Key: 'aws:cloudformation:stack-name', Value: 'web' }] },
      }),
    );

  test('is refused while the lock would stamp its origin (Enforce.OriginHeader true)', async () => {
    const f = await fixture();
    await tagStack(f);
    const { out, ops, writes } = await createCounted(f);
    expect(out).toMatchObject({ status: 'FAILED', errorCode: 'InvalidRequest' });
    expect(out.message).toContain(
      `Enforce.OriginHeader: distribution ${f.distributionId} belongs to CloudFormation stack 'web'`,
    );
    expect(out.message).toContain('examples/stack-owned-distribution.yaml');
    expect(ops).toContain('ListTagsForResource');
    expect(writes).toEqual([]);
  });

  test('is accepted with Enforce.OriginHeader false when the template already sends the secret', async () => {
    const value = randomHeaderValue();
    const f = await fixture({ originCustomHeaders: { 'X-Origin-Verify': value } });
    // The stack's template resolves the secret into the origin header: the same value on both sides.
    await bench.direct.secrets.send(
      new PutSecretValueCommand({ SecretId: f.secretArn, SecretString: value }),
    );
    await tagStack(f);
    const { out, ops } = await createCounted(f, { Enforce: { OriginHeader: false } });
    expect(out.status).toBe('SUCCESS');
    // Nothing to stamp: the distribution's tags are not even read.
    expect(ops).not.toContain('ListTagsForResource');
  });
});

describe('a security group other network interfaces use', () => {
  async function sharedFixture(): Promise<{ f: Fixture; instanceId: string; eni: string }> {
    const f = await fixture();
    // The load balancer's own interface (as AWS describes it) is no other user.
    const lbPath = f.loadBalancerArn.split(':loadbalancer/')[1];
    await bench.direct.ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: f.subnetIds[0],
        Groups: [f.securityGroupId],
        Description: `ELB ${lbPath}`,
      }),
    );
    const run = await bench.direct.ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: f.subnetIds[1],
        SecurityGroupIds: [f.securityGroupId],
      }),
    );
    const instance = run.Instances?.[0];
    return {
      f,
      instanceId: instance?.InstanceId ?? '',
      eni: instance?.NetworkInterfaces?.[0]?.NetworkInterfaceId ?? '',
    };
  }

  test('is refused naming the group and its other users, then accepted with Enforce.SharedSecurityGroups', async () => {
    const { f, instanceId, eni } = await sharedFixture();
    const refused = await createCounted(f);
    expect(refused.out).toMatchObject({ status: 'FAILED', errorCode: 'InvalidRequest' });
    expect(refused.out.message).toContain(
      `Enforce.SharedSecurityGroups: security group ${f.securityGroupId} is also used by ${eni} (instance ${instanceId}, 'Primary network interface'): revoking its open ingress on port 80`,
    );
    expect(refused.out.message).not.toContain('ELB app/');
    // Refused before the first write, although the revocation is only planned once the stamped
    // distribution has deployed (the preflight looks ahead past that wait).
    expect(refused.driven.events).toHaveLength(1);
    expect(refused.writes).toEqual([]);

    const accepted = await createCounted(f, { Enforce: { SharedSecurityGroups: true } });
    expect(accepted.out.status).toBe('SUCCESS');
    expect(accepted.writes.some((w) => w.startsWith('RevokeSecurityGroupIngress'))).toBe(true);
    // The shared-group read is skipped when sharing is allowed; the tags of the stamped distribution are read once.
    expect(accepted.ops).not.toContain('DescribeNetworkInterfaces');
    expect(accepted.ops.filter((o) => o === 'ListTagsForResource')).toHaveLength(1);
  });

  test('the first invocation checks once; callbacks, READ, DELETE and LIST make no preflight read', async () => {
    const f = await fixture();
    // Hold the distribution InProgress so the CREATE waits and CloudFormation calls back.
    await bench.moto.setCloudFrontTransition({ progression: 'manual', times: 1_000_000 });
    bench.emulator.events.length = 0;
    const out = await create(bench.clients(), modelOf(f), async (o) => {
      if (o.status === 'IN_PROGRESS') await bench.moto.unsetTransition('cloudfront::distribution');
    });
    const ops = bench.emulator.events.map((e) => e.operation);
    expect(out.final.status).toBe('SUCCESS');
    expect(out.events.length).toBeGreaterThan(1);
    expect(ops.filter((o) => o === 'DescribeNetworkInterfaces')).toHaveLength(1);
    expect(ops.filter((o) => o === 'ListTagsForResource')).toHaveLength(1);
    const c = bench.clients();
    for (const work of [
      () => read(c, modelOf(f)),
      () => listLocks(c, () => undefined),
      () => remove(c, modelOf(f)),
    ]) {
      const used = await operationsOf(work);
      expect(used.filter((o) => PREFLIGHT_READS.includes(o))).toEqual([]);
    }
  });
});

test('the audit reports owner tags, a shared group and a stack-owned distribution as warnings', async () => {
  const f = await fixture();
  await bench.direct.elbv2.send(
    new AddTagsCommand({
      ResourceArns: [f.loadBalancerArn],
      Tags: [{ Key: 'elbv2.k8s.aws/cluster', Value: 'prod' }],
    }),
  );
  await bench.direct.cloudfront.send(
    new TagResourceCommand({
      Resource: f.distributionArn,
      Tags: { Items: [{ Key: 'aws:cloudformation:stack-name', Value: 'web' }] },
    }),
  );
  const other = await bench.direct.ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: f.subnetIds[0],
      Groups: [f.securityGroupId],
      Description: 'RDSNetworkInterface',
    }),
  );
  const eni = other.NetworkInterface?.NetworkInterfaceId ?? '';
  const options = { listenerArn: f.listenerArn, distributionId: f.distributionId };
  const ops = await operationsOf(() => audit(bench.clients(), options));
  expect(ops.filter((o) => !isRead(o))).toEqual([]);
  const findings = await audit(bench.clients(), options);
  expect(findings.slice(-2).map((x) => [x.control, x.status])).toEqual([
    ['owner-tags', 'warn'],
    ['shared-group', 'warn'],
  ]);
  const owner = findings.find((x) => x.control === 'owner-tags');
  expect(owner?.ids).toEqual([f.loadBalancerArn, f.distributionId]);
  expect(owner?.reason).toContain(`belongs to CloudFormation stack 'web'`);
  const shared = findings.find((x) => x.control === 'shared-group');
  expect(shared?.ids).toEqual([f.securityGroupId, eni]);
  expect(shared?.reason).toContain(`${eni} ('RDSNetworkInterface')`);
  // Warnings only: the verdict is what the controls alone say, and the report keeps its schema.
  const report = buildReport({ ...options, headerName: 'X-Origin-Verify', requireHttps: false }, findings);
  expect(report.summary.fail).toBe(findings.filter((x) => x.status === 'fail').length);
  const schema = JSON.parse(
    readFileSync(path.join(repoRoot(), 'docs', 'audit-output.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  expect(validate(report, schema)).toEqual([]);
});
