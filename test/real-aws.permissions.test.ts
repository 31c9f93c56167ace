import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildFixture, Fixture } from '../bench/fixtures';
import { repoRoot } from '../bench/paths';
import { EmulatorEvent } from '../bench/aws-emulator/proxy';
import { listLocks } from '../src/engine/lifecycle';
import { create, read, remove, update } from './support/lock-harness';
import { useEmulatedBench } from './support/emulated-bench';

/**
 * The handler permissions in the schema (what CloudFormation grants the handlers) cover every AWS call
 * each handler makes, including the rarer paths: reading a quota, releasing a failed CREATE.
 */

const bench = useEmulatedBench();

const schema = JSON.parse(readFileSync(path.join(repoRoot(), 'schema', 'acme-origin-lock.json'), 'utf8')) as {
  handlers: Record<string, { permissions: string[] }>;
};

const IAM_PREFIX: Record<string, string> = {
  ec2: 'ec2',
  elasticloadbalancing: 'elasticloadbalancing',
  cloudfront: 'cloudfront',
  secretsmanager: 'secretsmanager',
  tagging: 'tag',
  servicequotas: 'servicequotas',
};

const actionOf = (e: EmulatorEvent): string => `${IAM_PREFIX[e.service] ?? e.service}:${e.operation}`;

/** The IAM actions `work` makes through the emulator. */
async function actionsOf(work: () => Promise<unknown>): Promise<string[]> {
  bench.emulator.events.length = 0;
  await work();
  return [...new Set(bench.emulator.events.map(actionOf))].sort();
}

const modelOf = (f: Fixture, extra: Record<string, unknown> = {}) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
  ...extra,
});

const granted = (handler: string) => schema.handlers[handler].permissions;

test('every call of every handler is in its schema permissions', async () => {
  const f = await buildFixture({ extraRules: true, extraIngress: true });
  const c = bench.clients();
  const used: Record<string, string[]> = {};
  used.create = await actionsOf(() => create(c, modelOf(f)));
  used.read = await actionsOf(() => read(c, modelOf(f)));
  // A header rename: the UPDATE rewrites rules, the origin and the record (a refused UPDATE would call
  // nothing and check nothing).
  used.update = await actionsOf(async () => {
    const out = await update(c, modelOf(f, { HeaderName: 'X-Origin-Verify-2' }));
    expect(out.final.status).toBe('SUCCESS');
  });
  expect(used.update).toEqual(
    expect.arrayContaining(['elasticloadbalancing:ModifyRule', 'cloudfront:UpdateDistribution']),
  );
  used.list = await actionsOf(() => listLocks(c, () => undefined));
  used.delete = await actionsOf(() => remove(c, modelOf(f)));
  for (const [handler, actions] of Object.entries(used)) {
    expect({ handler, missing: actions.filter((a) => !granted(handler).includes(a)) }).toEqual({
      handler,
      missing: [],
    });
  }
});

test('a CREATE that reads a quota and then releases after a refusal stays within its permissions', async () => {
  const f = await buildFixture({ extraRules: true });
  bench.emulator.inject({ kind: 'deny', operation: 'ModifyListener' });
  const actions = await actionsOf(async () => {
    const out = await create(bench.clients(), modelOf(f));
    expect(out.final.message).toMatch(/was released/);
  });
  expect(actions.filter((a) => !granted('create').includes(a))).toEqual([]);
  const quota = await actionsOf(async () => {
    const g = await buildFixture({ name: 'quota' });
    await bench.direct.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: g.securityGroupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 9000,
            ToPort: 9000,
            IpRanges: [1, 2, 3, 4, 5, 6].map((i) => ({ CidrIp: `10.9.${i}.0/24` })),
          },
        ],
      }),
    );
    await create(bench.clients(), modelOf(g));
  });
  expect(quota).toContain('servicequotas:GetServiceQuota');
  expect(quota.filter((a) => !granted('create').includes(a))).toEqual([]);
});

test('with DistributionRoleArn, every handler that reaches CloudFront may assume the role', async () => {
  const f = await buildFixture({});
  // A role in the same account: moto answers AssumeRole with credentials of the ARN's account.
  const role = { DistributionRoleArn: `arn:aws:iam::${f.accountId}:role/edge-origin-lock` };
  const m = modelOf(f, role);
  // Fresh clients per handler, as each invocation has: the engine assumes the role again (the desired
  // lock's for CREATE and UPDATE, the recorded lock's for READ and DELETE).
  const asDesired = () => bench.clients();
  const asRecorded = () => bench.clients();
  const used: Record<string, string[]> = {};
  used.create = await actionsOf(() => create(asDesired(), m));
  used.read = await actionsOf(() => read(asRecorded(), m));
  used.update = await actionsOf(() => update(asDesired(), { ...m, HeaderName: 'X-Origin-Verify-2' }));
  used.delete = await actionsOf(() => remove(asRecorded(), m));
  for (const [handler, actions] of Object.entries(used)) {
    expect({ handler, actions }).toEqual({ handler, actions: expect.arrayContaining(['sts:AssumeRole']) });
    expect({ handler, missing: actions.filter((a) => !granted(handler).includes(a)) }).toEqual({
      handler,
      missing: [],
    });
  }
});
