/**
 * AWS calls per operation, counted at the AWS emulator: a change that adds calls fails here. The
 * ceilings are the goals of issue "Fast and frugal" (docs/package.md, `make bench`), which the engine
 * meets: READ in at most 8 calls and a no-op UPDATE in at most 10 reads at any rule count, CREATE in
 * 6 + N + S + O writes. N = forwarding rules besides the listener default, which the lock moves into
 * its catch-all rule; the fixture has one security group and one open rule to revoke.
 */
import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { buildFixture, Fixture } from '../bench/fixtures';
import { isRead } from '../bench/aws-emulator/wire';
import { EmulatorEvent } from '../bench/aws-emulator/proxy';
import { lockModelOf, useEmulatedBench } from './support/emulated-bench';
import { create, read, update } from './support/lock-harness';
import { LockModel } from '../src/engine/converge';

const bench = useEmulatedBench();

async function withForwardingRules(n: number): Promise<Fixture> {
  const f = await buildFixture({});
  for (let i = 0; i < n; i++) {
    await bench.direct.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: f.listenerArn,
        Priority: 100 + i,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/p${i}/*`] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
      }),
    );
  }
  return f;
}

/** Reads and writes since the last call, by operation. */
function counted(events: EmulatorEvent[]) {
  const ops = events.splice(0).filter((e) => e.operation !== '');
  const byOperation: Record<string, number> = {};
  for (const e of ops) byOperation[e.operation] = (byOperation[e.operation] ?? 0) + 1;
  const reads = ops.filter((e) => isRead(e.operation)).length;
  return { reads, writes: ops.length - reads, byOperation };
}

// READ: listeners, load balancer, tags (listener + load balancer + its other listeners, one call), rules
// (one page), groups, distribution, the secret's stages and value; the lock's rules are named in its
// record and CloudFront's prefix-list ids too, so nothing grows with N. A no-op UPDATE reads the prefix
// lists as well (their quota weights) and checks the lock exists with its first observation.
const READ_CEILING = 8;
const UPDATE_READ_CEILING = 10;
// CREATE writes: the record twice and the marker with it (3), authorize + revoke (S + O), catch-all
// rule, deny default, distribution, and per guarded rule the condition (N).
const createWriteCeiling = (n: number, groups = 1, open = 1) => 6 + n + groups + open;

describe.each([2, 20, 90])('%d forwarding rules', (n) => {
  test('CREATE, READ and a no-op UPDATE stay within their call budgets', async () => {
    const f = await withForwardingRules(n);
    const events = bench.emulator.events;
    events.length = 0;
    const created = await create(bench.clients(), lockModelOf(f));
    expect(created.final.status).toBe('SUCCESS');
    const c = counted(events);
    expect(c.writes).toBeLessThanOrEqual(createWriteCeiling(n));

    const model = created.final.model as LockModel;
    await read(bench.clients(), model);
    const r = counted(events);
    expect(r).toMatchObject({ writes: 0 });
    expect(r.reads).toBeLessThanOrEqual(READ_CEILING);

    const updated = await update(bench.clients(), model, model);
    expect(updated.final.status).toBe('SUCCESS');
    const u = counted(events);
    expect(u.writes).toBe(0);
    expect(u.reads).toBeLessThanOrEqual(UPDATE_READ_CEILING);
  });
});
