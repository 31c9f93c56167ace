/**
 * `origin-lock plan` against moto behind the AWS emulator, in-process through the CLI's `main(argv, io)`:
 * it writes nothing, its steps are the ones CREATE and UPDATE then make (their progress logs are
 * describeStep lines), refusals exit 1 with the lock's message, and no header value is ever printed.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AddTagsCommand, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { buildFixture, Fixture, FixtureOptions } from '../bench/fixtures';
import { isRead } from '../bench/aws-emulator/wire';
import { repoRoot } from '../bench/paths';
import { CliIo } from '../src/cli/main';
import { PlanReport } from '../src/cli/plan/report';
import { newGroupId } from '../src/cli/plan/project';
import { dedicatedGroupName } from '../src/engine/plan/controls/security-group';
import { createLock, updateLock } from '../src/engine/lifecycle';
import { lockModelOf, useEmulatedBench } from './support/emulated-bench';
import { runCli } from './support/cli-run';
import { validate } from './support/json-schema';
import { read } from './support/lock-harness';

const bench = useEmulatedBench();
const schema = JSON.parse(
  readFileSync(path.join(repoRoot(), 'docs', 'plan-output.schema.json'), 'utf8'),
) as Record<string, unknown>;

/** Every header value a test put in AWS: no output may contain one. */
const values: string[] = [];

async function fixture(options: FixtureOptions = {}): Promise<Fixture> {
  const f = await buildFixture(options);
  values.push(f.secretValue);
  bench.emulator.events.length = 0;
  return f;
}

const writes = (): string[] =>
  bench.emulator.events.filter((e) => !isRead(e.operation) && e.operation !== '').map((e) => e.operation);

const cli = (argv: string[], io: Partial<CliIo> = {}) =>
  runCli(argv, values, { env: {}, clients: () => bench.clients(), ...io });

const planArgs = (f: Fixture, ...extra: string[]): string[] => [
  'plan',
  '--listener-arn',
  f.listenerArn,
  '--distribution-id',
  f.distributionId,
  '--secret-arn',
  f.secretArn,
  ...extra,
];

async function planJson(f: Fixture, ...extra: string[]): Promise<{ code: number; report: PlanReport }> {
  const run = await cli([...planArgs(f, ...extra), '--json']);
  expect(run.stderr).toBe('');
  const report = JSON.parse(run.stdout) as PlanReport;
  expect(validate(report, schema)).toEqual([]);
  return { code: run.code, report };
}

/**
 * A handler driven to the end as CloudFormation would, its progress log reduced to the steps: the
 * "waiting … (check n)" lines are the handler's, and a re-invocation repeats the wait it stopped at.
 */
async function stepsLogged(run: (ctx: object, log: (m: string) => void) => Promise<{ status: string }>) {
  const log: string[] = [];
  let ctx = {};
  for (let i = 0; i < 20; i++) {
    const out = (await run(ctx, (m) => log.push(m))) as { status: string; callbackContext?: object };
    if (out.status !== 'IN_PROGRESS') {
      expect(out.status).toBe('SUCCESS');
      break;
    }
    ctx = out.callbackContext ?? {};
  }
  return log
    .filter((l) => !/^waiting for distribution .* \(check \d+\)$/.test(l))
    .filter((l, i, all) => i === 0 || l !== all[i - 1]);
}

describe('a plan writes nothing and its steps are what the lock then does', () => {
  test('CREATE: admit, catch-all, stamp, wait, then guard, deny, revoke', async () => {
    const f = await fixture({ extraRules: ['host', 'path'], ipv6Ingress: true });
    const text = await cli(planArgs(f));
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    expect(text.stdout).toContain('A CREATE would make these steps, in order:');
    expect(text.stdout).toContain('Then, once the distribution is Deployed');
    expect(text.stdout).toContain('Nothing was written');
    const { code, report } = await planJson(f);
    expect(code).toBe(0);
    expect(writes()).toEqual([]);
    expect(report).toMatchObject({ action: 'create', outcome: 'planned', complete: true, refusal: null });
    const kinds = report.steps.map((s) => s.kind);
    expect(kinds).toContain('await-deployed');
    expect(kinds.indexOf('update-origins')).toBeLessThan(kinds.indexOf('await-deployed'));
    expect(kinds.indexOf('revoke-ingress')).toBeGreaterThan(kinds.indexOf('await-deployed'));
    for (const s of report.steps) expect(text.stdout).toContain(s.description);

    const created = await stepsLogged((ctx, log) =>
      createLock(bench.clients(), lockModelOf(f), ctx, log, 'token-1'),
    );
    expect(created).toEqual(report.steps.map((s) => s.description));
  });

  test('the lock options reach the plan: HeaderName, deny, AllowedSources, Enforce', async () => {
    const f = await fixture({ extraIngress: true });
    const extra = ['--header-name', 'X-Shield-Key', '--deny-status', '404', '--allowed-source', '10.0.0.0/8'];
    const { code, report } = await planJson(f, ...extra, '--enforce', 'ListenerRules=false');
    expect(code).toBe(0);
    expect(report.headerName).toBe('X-Shield-Key');
    expect(writes()).toEqual([]);
    const created = await stepsLogged((ctx, log) =>
      createLock(
        bench.clients(),
        lockModelOf(f, {
          HeaderName: 'X-Shield-Key',
          DenyResponse: { StatusCode: '404' },
          AllowedSources: ['10.0.0.0/8'],
          Enforce: { ListenerRules: false },
        }),
        ctx,
        log,
        'token-1',
      ),
    );
    expect(created).toEqual(report.steps.map((s) => s.description));
  });

  test("the lock's own security group: later rounds name it until AWS gives it an id", async () => {
    const f = await fixture();
    const { report } = await planJson(f, '--enforce', 'DedicatedSecurityGroup=true');
    expect(writes()).toEqual([]);
    expect(report.steps.map((s) => s.kind)).toContain('create-security-group');
    const model = lockModelOf(f, { Enforce: { DedicatedSecurityGroup: true } });
    const created = await stepsLogged((ctx, log) => createLock(bench.clients(), model, ctx, log, 'token-1'));
    const groupId = (await read(bench.clients(), model)).model?.DedicatedSecurityGroupId as string;
    const placeholder = newGroupId(dedicatedGroupName(f.listenerArn));
    expect(created.map((l) => l.split(groupId).join(placeholder))).toEqual(
      report.steps.map((s) => s.description),
    );
  });

  test('UPDATE of an existing lock: the plan says so and matches the update', async () => {
    const f = await fixture({ extraRules: ['host'] });
    await stepsLogged((ctx, log) => createLock(bench.clients(), lockModelOf(f), ctx, log, 'token-1'));
    const same = await planJson(f);
    expect(same.report).toMatchObject({ action: 'update', steps: [] });
    expect((await cli(planArgs(f))).stdout).toContain('nothing to change');

    bench.emulator.events.length = 0;
    const { report } = await planJson(f, '--deny-status', '404', '--header-name', 'X-Other');
    expect(writes()).toEqual([]);
    expect(report.action).toBe('update');
    expect(report.steps.length).toBeGreaterThan(0);
    const desired = lockModelOf(f, { DenyResponse: { StatusCode: '404' }, HeaderName: 'X-Other' });
    const updated = await stepsLogged((ctx, log) =>
      updateLock(bench.clients(), desired, lockModelOf(f), ctx, log),
    );
    expect(updated).toEqual(report.steps.map((s) => s.description));
  });
});

describe('a lock that would refuse exits 1 with its message, nothing written', () => {
  test('a forwarding rule with 4 condition values', async () => {
    const f = await fixture({ extraRules: ['host'] });
    await bench.direct.elbv2.send(
      new ModifyRuleCommand({
        RuleArn: f.ruleArns.host,
        Conditions: [
          { Field: 'host-header', HostHeaderConfig: { Values: ['a.example.com', 'b.example.com'] } },
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/*', '/v2/*'] } },
        ],
      }),
    );
    const run = await cli(planArgs(f));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('The lock would refuse (InvalidRequest):');
    expect(run.stdout).toMatch(/uses 4 condition values; guarding it needs room for 2 header values/);
    expect(run.stdout).not.toMatch(/\n\s+at /);
    const { code, report } = await planJson(f);
    expect(code).toBe(1);
    expect(report).toMatchObject({ outcome: 'refused', action: null, steps: [] });
    expect(report.refusal?.message).toContain(f.ruleArns.host);
    expect(writes()).toEqual([]);
  });

  test('a load balancer the AWS Load Balancer Controller reconciles', async () => {
    const f = await fixture();
    await bench.direct.elbv2.send(
      new AddTagsCommand({
        ResourceArns: [f.loadBalancerArn],
        Tags: [{ Key: 'elbv2.k8s.aws/cluster', Value: 'prod' }],
      }),
    );
    bench.emulator.events.length = 0;
    const { code, report } = await planJson(f);
    expect(code).toBe(1);
    expect(report.refusal?.code).toBe('InvalidRequest');
    expect(report.refusal?.message).toContain('AWS Load Balancer Controller');
    expect(writes()).toEqual([]);
  });

  test('a distribution that does not exist', async () => {
    const f = await fixture();
    const run = await cli(planArgs({ ...f, distributionId: 'E0000000000000' }));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("distribution 'E0000000000000' does not exist");
  });
});

describe('usage errors exit 2, AWS failures 3', () => {
  const listener =
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123456789abcdef/0123456789abcdef';
  const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:web-AbCdEf';
  const base = ['plan', '--listener-arn', listener, '--distribution-id', 'E1', '--secret-arn', secret];
  const cases: [string, string[], string][] = [
    [
      'missing secret',
      ['plan', '--listener-arn', listener, '--distribution-id', 'E1'],
      'missing required option --secret-arn',
    ],
    ['unknown option', [...base, '--bogus'], "unknown option '--bogus'"],
    ['switch with a value', [...base, '--json=yes'], "option '--json' takes no value"],
    ['extra argument', [...base, 'now'], "unexpected argument 'now'"],
    ['bad deny status', [...base, '--deny-status', '301'], "--deny-status: '301' must be"],
    ['bad allowed source', [...base, '--allowed-source', '10.0.0.1/8'], '--allowed-source:'],
    ['bad enforce', [...base, '--enforce', 'SecurityGroup'], "--enforce: 'SecurityGroup' is not NAME=true"],
    ['unknown enforce flag', [...base, '--enforce', 'Nope=true'], "--enforce: unknown flag 'Nope'"],
    [
      'https without the header',
      [...base, '--enforce', 'OriginHeader=false', '--enforce', 'HttpsOrigin=true'],
      '--enforce HttpsOrigin: needs Enforce.OriginHeader',
    ],
    ['bad secret arn', [...base.slice(0, -1), 'nope'], "--secret-arn: 'nope' is not"],
  ];
  test.each(cases)('%s', async (_name, argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`origin-lock: ${message}`);
    expect(bench.emulator.events).toEqual([]);
  });

  test('--help prints the plan usage and exits 0', async () => {
    const run = await cli(['plan', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: origin-lock plan --listener-arn ARN/);
    expect(run.stdout).toContain('Exit status: 0 the plan was made');
  });

  test('a listener that does not exist: exit 3', async () => {
    const f = await fixture();
    const gone = f.listenerArn.replace(/[0-9a-f]{16}$/, 'ffffffffffffffff');
    const run = await cli(planArgs({ ...f, listenerArn: gone }));
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^origin-lock: cannot plan: ListenerArn: listener .* does not exist$/);
  });
});
