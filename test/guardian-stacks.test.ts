import {
  AddTagsCommand,
  CreateRuleCommand,
  DescribeTagsCommand,
  RemoveTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { buildFixture, Fixture } from '../bench/fixtures';
import { EmulatedStack } from '../bench/aws-emulator/cloudformation';
import { isRead } from '../bench/aws-emulator/wire';
import { scheduledEvent } from '../bench/cloudtrail';
import { cloudFormationClientLike } from '../src/aws/cloudformation';
import { observeRecord } from '../src/engine/observe';
import { encodeRecord, recordTagKeys } from '../src/engine/record';
import { MemorySink } from '../src/guardian/finding';
import { GuardianConfig, runGuardian } from '../src/guardian/guardian';
import { LISTENER_TYPE } from '../src/guardian/stack-operation';
import { lockModelOf, useEmulatedBench } from './support/emulated-bench';
import { create, read } from './support/lock-harness';

/**
 * The guardian never heals a lock CloudFormation is working on: before a write it asks which stack holds
 * the listener ARN (the lock's physical id) and defers while that stack's operation may reach the lock.
 * Stacks with lock resources and operations in progress are emulated (bench/aws-emulator/cloudformation.ts);
 * moto answers for the listener no stack holds (bench/moto-server.py).
 */

const bench = useEmulatedBench();
const heal: GuardianConfig = { mode: 'heal', ignoredRoleArns: [] };

/** A lock whose ListenerRules control is broken by a "debug route" that forwards without the header. */
async function brokenLock(): Promise<Fixture> {
  const f = await buildFixture();
  const created = await create(bench.clients(), lockModelOf(f));
  expect(created.final.status).toBe(OperationStatus.Success);
  await bench.direct.elbv2.send(
    new CreateRuleCommand({
      ListenerArn: f.listenerArn,
      Priority: 7,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/debug/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
    }),
  );
  return f;
}

/** One sweep through the emulator: its findings and the writes that reached the emulator. */
async function sweep(config: GuardianConfig = heal) {
  bench.emulator.events.length = 0;
  const sink = new MemorySink();
  const logs: string[] = [];
  const result = await runGuardian(scheduledEvent(), config, {
    clients: bench.clients(),
    sink,
    log: (m) => logs.push(m),
  });
  const writes = bench.emulator.events
    .filter((e) => e.service !== 'other' && !isRead(e.operation))
    .map((e) => `${e.operation}:${e.what}`);
  const cloudformation = bench.emulator.events.filter((e) => e.service === 'cloudformation');
  return { result, findings: sink.findings, writes, cloudformation, logs };
}

const enforced = async (f: Fixture) =>
  (await read(bench.direct, { ListenerArn: f.listenerArn })).model?.Enforce as Record<string, boolean>;

const listener = (f: Fixture, status: string) => ({
  logicalId: 'Listener',
  type: LISTENER_TYPE,
  physicalId: f.listenerArn,
  status,
});

interface Operation {
  /** The stack in the middle of its operation. */
  during(f: Fixture): EmulatedStack;
  /** The same stack once the operation is over (the lock still on the listener). */
  after(f: Fixture): EmulatedStack;
}

const OPERATIONS: Record<string, Operation> = {
  'the lock resource is being updated': {
    during: (f) => ({
      name: 'web',
      status: 'UPDATE_IN_PROGRESS',
      resources: [
        listener(f, 'UPDATE_COMPLETE'),
        {
          logicalId: 'Lock',
          type: 'Acme::Origin::Lock',
          physicalId: f.listenerArn,
          status: 'UPDATE_IN_PROGRESS',
        },
      ],
    }),
    after: (f) => ({
      name: 'web',
      status: 'UPDATE_COMPLETE',
      resources: [
        listener(f, 'UPDATE_COMPLETE'),
        {
          logicalId: 'Lock',
          type: 'Acme::Origin::Lock',
          physicalId: f.listenerArn,
          status: 'UPDATE_COMPLETE',
        },
      ],
    }),
  },
  'the stack holding the lock is updating, the lock not reached yet': {
    during: (f) => ({
      name: 'web',
      status: 'UPDATE_IN_PROGRESS',
      resources: [
        listener(f, 'CREATE_COMPLETE'),
        {
          logicalId: 'Lock',
          type: 'Custom::OriginLock',
          physicalId: f.listenerArn,
          status: 'CREATE_COMPLETE',
        },
      ],
    }),
    after: (f) => ({
      name: 'web',
      status: 'UPDATE_COMPLETE',
      resources: [
        listener(f, 'CREATE_COMPLETE'),
        {
          logicalId: 'Lock',
          type: 'Custom::OriginLock',
          physicalId: f.listenerArn,
          status: 'CREATE_COMPLETE',
        },
      ],
    }),
  },
  'the lock is being created (no physical id yet) in the stack of its listener': {
    during: (f) => ({
      name: 'web',
      status: 'CREATE_IN_PROGRESS',
      resources: [
        listener(f, 'CREATE_COMPLETE'),
        { logicalId: 'Lock', type: 'Custom::OriginLock', status: 'CREATE_IN_PROGRESS' },
      ],
    }),
    after: (f) => ({
      name: 'web',
      status: 'CREATE_COMPLETE',
      resources: [
        listener(f, 'CREATE_COMPLETE'),
        {
          logicalId: 'Lock',
          type: 'Custom::OriginLock',
          physicalId: f.listenerArn,
          status: 'CREATE_COMPLETE',
        },
      ],
    }),
  },
  'the lock is being released by a stack DELETE': {
    during: (f) => ({
      name: 'web',
      status: 'DELETE_IN_PROGRESS',
      resources: [
        listener(f, 'CREATE_COMPLETE'),
        {
          logicalId: 'Lock',
          type: 'Acme::Origin::Lock',
          physicalId: f.listenerArn,
          status: 'DELETE_IN_PROGRESS',
        },
      ],
    }),
    // The DELETE was cancelled (rolled back): the lock stays and is healed.
    after: (f) => ({
      name: 'web',
      status: 'UPDATE_ROLLBACK_COMPLETE',
      resources: [
        listener(f, 'CREATE_COMPLETE'),
        {
          logicalId: 'Lock',
          type: 'Acme::Origin::Lock',
          physicalId: f.listenerArn,
          status: 'UPDATE_COMPLETE',
        },
      ],
    }),
  },
  'the listener itself is being updated, in a stack without the lock': {
    during: (f) => ({
      name: 'network',
      status: 'UPDATE_IN_PROGRESS',
      resources: [listener(f, 'UPDATE_IN_PROGRESS')],
    }),
    after: (f) => ({
      name: 'network',
      status: 'UPDATE_COMPLETE',
      resources: [listener(f, 'UPDATE_COMPLETE')],
    }),
  },
};

describe.each(Object.entries(OPERATIONS))('%s', (_name, operation) => {
  test('heal is deferred with zero writes; once the stack is done, the sweep heals', async () => {
    const f = await brokenLock();
    const stackName = operation.during(f).name;
    bench.emulator.cloudformation.stacks = [operation.during(f)];

    const deferred = await sweep();
    expect(deferred.result.checked).toEqual([f.listenerArn]);
    expect(deferred.writes).toEqual([]);
    expect(deferred.findings).toEqual([
      expect.objectContaining({
        listenerArn: f.listenerArn,
        control: 'ListenerRules',
        mode: 'heal',
        action: 'deferred',
        reason: expect.stringMatching(
          new RegExp(`^CloudFormation operation in progress on stack ${stackName} \\(`),
        ),
      }),
    ]);
    expect(deferred.cloudformation.map((e) => e.what)).not.toContain('forwarded');
    expect((await enforced(f)).ListenerRules).toBe(false);

    bench.emulator.cloudformation.stacks = [operation.after(f)];
    const healed = await sweep();
    expect(healed.writes.length).toBeGreaterThan(0);
    expect(healed.findings.map((x) => [x.control, x.action])).toEqual([['ListenerRules', 'healed']]);
    expect(await enforced(f)).toMatchObject({ ListenerRules: true, DenyDefault: true, SecurityGroup: true });
  });
});

test('a stack that holds only the listener, not touching it, does not stop the heal', async () => {
  const f = await brokenLock();
  bench.emulator.cloudformation.stacks = [
    { name: 'network', status: 'UPDATE_IN_PROGRESS', resources: [listener(f, 'UPDATE_COMPLETE')] },
  ];
  const out = await sweep();
  expect(out.findings.map((x) => [x.control, x.action])).toEqual([['ListenerRules', 'healed']]);
  expect(out.writes.length).toBeGreaterThan(0);
});

test('a listener no stack holds: CloudFormation says so (moto, as AWS) and the sweep heals', async () => {
  const f = await brokenLock();
  const cfn = cloudFormationClientLike(bench.clients().elbv2);
  await expect(
    cfn.send(new DescribeStackResourcesCommand({ PhysicalResourceId: f.listenerArn })),
  ).rejects.toMatchObject({
    name: 'ValidationError',
    message: `Stack for ${f.listenerArn} does not exist`,
  });
  const out = await sweep();
  expect(out.cloudformation).toEqual([
    {
      service: 'cloudformation',
      operation: 'DescribeStackResources',
      region: 'us-east-1',
      what: 'forwarded',
      status: 400,
    },
  ]);
  expect(out.findings.map((x) => [x.control, x.action])).toEqual([['ListenerRules', 'healed']]);
});

test('when CloudFormation cannot be asked, the heal is deferred, not attempted', async () => {
  const f = await brokenLock();
  bench.emulator.inject({ kind: 'deny', operation: 'DescribeStackResources' });
  const out = await sweep();
  expect(out.writes).toEqual([]);
  expect(out.findings).toEqual([
    expect.objectContaining({
      control: 'ListenerRules',
      action: 'deferred',
      reason: expect.stringMatching(/^could not ask CloudFormation about stack operations \(AccessDenied/),
    }),
  ]);
  expect((await enforced(f)).ListenerRules).toBe(false);
});

test('alert mode writes nothing and does not ask CloudFormation', async () => {
  await brokenLock();
  const out = await sweep({ mode: 'alert', ignoredRoleArns: [] });
  expect(out.writes).toEqual([]);
  expect(out.cloudformation).toEqual([]);
  expect(out.findings.map((x) => [x.control, x.action])).toEqual([['ListenerRules', 'alerted']]);
});

test('a control the record says is being released is never healed back', async () => {
  const f = await brokenLock();
  // An UPDATE releasing ListenerRules writes the new flags to the record (its undo log) before any
  // release step; the forwarding rule without the header is what that release leaves behind.
  const record = (await observeRecord(bench.direct, f.listenerArn))!;
  record.spec.Enforce = { ...record.spec.Enforce, ListenerRules: false };
  const described = await bench.direct.elbv2.send(new DescribeTagsCommand({ ResourceArns: [f.listenerArn] }));
  const current = Object.fromEntries(
    (described.TagDescriptions?.[0]?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''] as const),
  );
  await bench.direct.elbv2.send(
    new RemoveTagsCommand({ ResourceArns: [f.listenerArn], TagKeys: recordTagKeys(current) }),
  );
  await bench.direct.elbv2.send(
    new AddTagsCommand({
      ResourceArns: [f.listenerArn],
      Tags: Object.entries(encodeRecord(record)).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  expect((await enforced(f)).ListenerRules).toBe(false);
  const out = await sweep();
  expect(out.writes).toEqual([]);
  expect(out.findings).toEqual([]);
  expect(out.cloudformation).toEqual([]);
});
