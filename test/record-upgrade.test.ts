/**
 * Locks made by a version that kept rule roles in per-rule tags (record version 1) keep working: READ
 * still sees the guarded rules, the next UPDATE rewrites the record as version 2 (the rules named in it)
 * and removes the old tags, and DELETE releases every rule.
 */
import {
  AddTagsCommand,
  DescribeTagsCommand,
  RemoveTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { buildFixture } from '../bench/fixtures';
import { LockModel } from '../src/engine/converge';
import {
  decodeRecord,
  encodeRecord,
  LockRecord,
  recordTagKeys,
  RULE_ROLE_TAG,
  ruleIdOf,
} from '../src/engine/record';
import { lockModelOf, useEmulatedBench } from './support/emulated-bench';
import { create, read, remove, update } from './support/lock-harness';
import { captureState } from './support/state';

const bench = useEmulatedBench();

async function tagsOf(arns: string[]): Promise<Record<string, Record<string, string>>> {
  const out = await bench.direct.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns }));
  return Object.fromEntries(
    (out.TagDescriptions ?? []).map((d) => [
      d.ResourceArn ?? '',
      Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    ]),
  );
}

const recordOn = async (listenerArn: string): Promise<LockRecord | undefined> =>
  decodeRecord((await tagsOf([listenerArn]))[listenerArn] ?? {});

/** Rewrites a lock's record and rule tags the way version 1 left them. */
async function downgradeToVersion1(listenerArn: string, guards: string[]): Promise<void> {
  const current = await recordOn(listenerArn);
  if (!current) throw new Error('no record to downgrade');
  const { rules: _rules, cloudFrontLists: _lists, ...rest } = current;
  const v1: LockRecord = { ...rest, v: 1 };
  const old = recordTagKeys((await tagsOf([listenerArn]))[listenerArn] ?? {});
  await bench.direct.elbv2.send(new RemoveTagsCommand({ ResourceArns: [listenerArn], TagKeys: old }));
  await bench.direct.elbv2.send(
    new AddTagsCommand({
      ResourceArns: [listenerArn],
      Tags: Object.entries(encodeRecord(v1)).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  await bench.direct.elbv2.send(
    new AddTagsCommand({ ResourceArns: guards, Tags: [{ Key: RULE_ROLE_TAG, Value: 'guard' }] }),
  );
}

test('a version 1 lock is read, upgraded by UPDATE and released by DELETE', async () => {
  const f = await buildFixture({ extraRules: true });
  const before = await captureState(bench.direct, f);
  const created = await create(bench.clients(), lockModelOf(f));
  expect(created.final.status).toBe('SUCCESS');
  const model = created.final.model as LockModel;
  const guards = model.GuardedRuleArns ?? [];
  expect(guards.length).toBeGreaterThan(0);
  await downgradeToVersion1(f.listenerArn, guards);
  expect((await recordOn(f.listenerArn))?.v).toBe(1);

  // READ of the version 1 record finds the guarded rules through their tags.
  const readBack = (await read(bench.clients(), model)).model as LockModel;
  expect([...(readBack.GuardedRuleArns ?? [])].sort()).toEqual([...guards].sort());
  expect(readBack.Enforce).toMatchObject({ ListenerRules: true, DenyDefault: true });

  // An UPDATE writes version 2, naming the rules, and drops the old role tags.
  expect((await update(bench.clients(), model, model)).final.status).toBe('SUCCESS');
  const upgraded = await recordOn(f.listenerArn);
  expect(upgraded?.v).toBe(2);
  expect([...(upgraded?.rules?.guards ?? [])].sort()).toEqual(guards.map(ruleIdOf).sort());
  const ruleTags = await tagsOf(guards);
  for (const arn of guards) expect(ruleTags[arn]?.[RULE_ROLE_TAG]).toBeUndefined();
  const afterUpgrade = (await read(bench.clients(), model)).model as LockModel;
  expect([...(afterUpgrade.GuardedRuleArns ?? [])].sort()).toEqual([...guards].sort());

  expect((await remove(bench.clients(), model)).final.status).toBe('SUCCESS');
  expect(await captureState(bench.direct, f)).toEqual(before);
});

test('DELETE of a version 1 lock releases its tagged guards', async () => {
  const f = await buildFixture({ extraRules: true });
  const before = await captureState(bench.direct, f);
  const created = await create(bench.clients(), lockModelOf(f));
  const model = created.final.model as LockModel;
  await downgradeToVersion1(f.listenerArn, model.GuardedRuleArns ?? []);
  expect((await remove(bench.clients(), model)).final.status).toBe('SUCCESS');
  // The rules, their header conditions and their tags (the version 1 role tags too) are as before.
  expect(await captureState(bench.direct, f)).toEqual(before);
});
