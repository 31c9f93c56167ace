/**
 * `origin-lock audit` against moto: one test per finding for each insecure case, each asserting the
 * exact finding and the exit status, through the CLI's in-process `main(argv, io)`.
 */
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CliIo, pipeSafe, regionFor } from '../src/cli/main';
import { Control, CONTROLS, Finding } from '../src/cli/audit/findings';
import { AuditReport } from '../src/cli/audit/report';
import { AwsClients } from '../src/aws/clients';
import {
  buildFixture,
  createIpv6CloudFrontPrefixList,
  Fixture,
  FixtureOptions,
  TEST_CREDENTIALS,
  TEST_REGION,
} from '../bench/fixtures';
import { MotoServer, startMoto } from '../bench/moto';
import { repoRoot } from '../bench/paths';
import { ensureBuilt } from './support/build';
import { CliRun, runCli } from './support/cli-run';
import { validate } from './support/json-schema';
import { create, lockClients } from './support/lock-harness';
import { withFiveGroups } from './support/security-groups';

type Run = CliRun;

let moto: MotoServer;
let clients: AwsClients;
/** Every header value a test put in AWS: no CLI output may ever contain one. */
const values: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  clients = lockClients();
});
afterAll(async () => moto?.stop());

const cli = (argv: string[], io: Partial<CliIo> = {}): Promise<Run> => runCli(argv, values, io);

const auditArgs = (f: Fixture, ...extra: string[]): string[] => [
  'audit',
  '--listener-arn',
  f.listenerArn,
  '--distribution-id',
  f.distributionId,
  ...extra,
];

/** Runs the audit with --json and returns the exit status with the report. */
async function auditJson(f: Fixture, ...extra: string[]): Promise<{ code: number; report: AuditReport }> {
  const run = await cli([...auditArgs(f, ...extra), '--json']);
  expect(run.stderr).toBe('');
  return { code: run.code, report: JSON.parse(run.stdout) as AuditReport };
}

function findingOf(report: AuditReport, control: Control): Finding {
  const found = report.findings.find((f) => f.control === control);
  if (!found) throw new Error(`no ${control} finding`);
  return found;
}

async function fixture(name: string, options: FixtureOptions = {}): Promise<Fixture> {
  const f = await buildFixture({ name, ...options });
  values.push(f.secretValue);
  return f;
}

describe('the insecure seed setup (open ALB, host rule, CloudFront in front)', () => {
  let seed: Fixture;
  beforeAll(async () => {
    seed = await fixture('seed', { extraRules: ['host'] });
  });

  test('open-ingress fails: the security group admits 0.0.0.0/0 on the listener port', async () => {
    const { code, report } = await auditJson(seed);
    expect(code).toBe(1);
    const f = findingOf(report, 'open-ingress');
    expect(f.status).toBe('fail');
    expect(f.ids).toEqual([seed.securityGroupId]);
    expect(f.reason).toContain(`${seed.securityGroupId} admits 0.0.0.0/0 on port 80`);
  });

  test('prefix-list-ipv4 fails: CloudFront’s origin-facing list is not admitted', async () => {
    const { code, report } = await auditJson(seed);
    expect(code).toBe(1);
    const f = findingOf(report, 'prefix-list-ipv4');
    expect(f.status).toBe('fail');
    expect(f.ids).toEqual([seed.securityGroupId, seed.prefixListIds.ipv4]);
  });

  test('prefix-list-ipv6 passes: an ipv4 load balancer does not need the IPv6 list', async () => {
    const { report } = await auditJson(seed);
    expect(findingOf(report, 'prefix-list-ipv6')).toMatchObject({ status: 'pass', ids: [] });
  });

  test('rule-bypass fails: the host rule forwards without the header', async () => {
    const { code, report } = await auditJson(seed);
    expect(code).toBe(1);
    const f = findingOf(report, 'rule-bypass');
    expect(f.status).toBe('fail');
    expect(f.ids).toEqual([seed.ruleArns.host]);
    expect(f.reason).toContain('priority 10 (host-header api.example.com → forward to seed-api-tg)');
    expect(f.reason).toContain('without requiring X-Origin-Verify');
  });

  test('rule-bypass honours --header-name', async () => {
    const { report } = await auditJson(seed, '--header-name', 'X-Cdn-Auth');
    expect(report.headerName).toBe('X-Cdn-Auth');
    expect(findingOf(report, 'rule-bypass').reason).toContain('without requiring X-Cdn-Auth');
  });

  test('default-deny fails: the default action forwards', async () => {
    const { code, report } = await auditJson(seed);
    expect(code).toBe(1);
    const f = findingOf(report, 'default-deny');
    expect(f.status).toBe('fail');
    expect(f.ids).toEqual([seed.listenerArn]);
    expect(f.reason).toContain('is forward to seed-tg, not a fixed-response deny');
  });

  test('origin-header fails: the origin sends no header (with or without --secret-arn)', async () => {
    for (const extra of [[], ['--secret-arn', seed.secretArn]]) {
      const { code, report } = await auditJson(seed, ...extra);
      expect(code).toBe(1);
      const f = findingOf(report, 'origin-header');
      expect(f.status).toBe('fail');
      expect(f.ids).toEqual([seed.distributionId, 'alb']);
      expect(f.reason).toContain(
        `origin alb of distribution ${seed.distributionId} sends no X-Origin-Verify header`,
      );
    }
  });

  test('origin-https warns for an http-only origin, and fails with --require-https', async () => {
    const plain = await auditJson(seed);
    expect(findingOf(plain.report, 'origin-https')).toMatchObject({
      status: 'warn',
      ids: [seed.distributionId, 'alb'],
    });
    const strict = await auditJson(seed, '--require-https');
    expect(strict.report.requireHttps).toBe(true);
    expect(findingOf(strict.report, 'origin-https').status).toBe('fail');
    expect(findingOf(strict.report, 'origin-https').reason).toContain('uses http-only');
  });

  test('rule-headroom passes: one rule used, room for the list', async () => {
    const { report } = await auditJson(seed);
    expect(findingOf(report, 'rule-headroom')).toMatchObject({ status: 'pass' });
    expect(findingOf(report, 'rule-headroom').reason).toContain('uses 1 of 60 IPv4 inbound rules');
  });

  test('the human report is a table with a verdict, and no colour off a terminal', async () => {
    const run = await cli(auditArgs(seed, '--secret-arn', seed.secretArn));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^STATUS {2}CONTROL {16}REASON$/m);
    expect(run.stdout).toMatch(/^FAIL {4}open-ingress {11}sg-/m);
    expect(run.stdout).toContain('Verdict: FAIL - 5 of 9 controls fail, 1 warning');
    expect(run.stdout).not.toContain('\x1b[');
  });

  test('colour only on a terminal, and never with NO_COLOR', async () => {
    const tty = await cli(auditArgs(seed), { isTTY: true, env: { ...process.env, NO_COLOR: undefined } });
    expect(tty.stdout).toContain('\x1b[31mFAIL\x1b[39m');
    const noColor = await cli(auditArgs(seed), { isTTY: true, env: { ...process.env, NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\x1b[');
  });

  test('the audit is read-only: no mutating call reaches AWS', async () => {
    await moto.recorder.reset();
    await moto.recorder.start();
    try {
      await cli(auditArgs(seed, '--secret-arn', seed.secretArn, '--require-https'));
    } finally {
      await moto.recorder.stop();
    }
    expect((await moto.recorder.calls()).length).toBeGreaterThan(0);
    expect(await moto.recorder.mutatingCalls()).toEqual([]);
  });

  test('--json output matches docs/audit-output.schema.json, findings in the documented order', async () => {
    const schema = JSON.parse(
      readFileSync(path.join(repoRoot(), 'docs', 'audit-output.schema.json'), 'utf8'),
    ) as Record<string, unknown>;
    for (const extra of [[], ['--secret-arn', seed.secretArn, '--require-https']]) {
      const { report } = await auditJson(seed, ...extra);
      expect(validate(report, schema)).toEqual([]);
      expect(report.findings.map((f) => f.control)).toEqual([...CONTROLS]);
      const count = (status: string): number => report.findings.filter((f) => f.status === status).length;
      expect(report.summary).toEqual({ pass: count('pass'), warn: count('warn'), fail: count('fail') });
    }
    // The checker itself rejects what the schema forbids.
    expect(validate({ version: 2 }, schema)).toEqual(
      expect.arrayContaining(['$.version: expected 1', '$: missing findings']),
    );
  });
});

test('distribution-deployed warns while the distribution is InProgress, and passes once Deployed', async () => {
  // moto flips InProgress → Deployed after `times` status reads: hold it for this fixture.
  await moto.setCloudFrontTransition({ progression: 'manual', times: 1_000_000 });
  let f: Fixture;
  try {
    f = await fixture('deploying');
    const { report } = await auditJson(f);
    expect(findingOf(report, 'distribution-deployed')).toEqual({
      control: 'distribution-deployed',
      status: 'warn',
      reason: `distribution ${f.distributionId} is InProgress: some edge locations may still run its previous configuration`,
      ids: [f.distributionId],
    });
  } finally {
    await moto.unsetTransition('cloudfront::distribution');
  }
  const { report } = await auditJson(f);
  expect(findingOf(report, 'distribution-deployed').status).toBe('pass');
});

test('prefix-list-ipv6 fails on a dualstack load balancer: list missing, then list not admitted', async () => {
  const f = await fixture('dual', { dualstack: true, ipv6PrefixList: false });
  const missing = await auditJson(f);
  expect(missing.code).toBe(1);
  expect(findingOf(missing.report, 'prefix-list-ipv6')).toMatchObject({ status: 'fail', ids: [] });
  expect(findingOf(missing.report, 'prefix-list-ipv6').reason).toContain(
    'com.amazonaws.global.ipv6.cloudfront.origin-facing does not exist in this region',
  );

  const v6 = await createIpv6CloudFrontPrefixList(clients.ec2);
  const unadmitted = await auditJson(f);
  expect(unadmitted.code).toBe(1);
  expect(findingOf(unadmitted.report, 'prefix-list-ipv6')).toMatchObject({
    status: 'fail',
    ids: [f.securityGroupId, v6],
  });
  // Both lists count against the quota, each in its own family.
  expect(findingOf(unadmitted.report, 'rule-headroom').reason).toContain(`room for ${v6}`);
});

test('rule-headroom: no group with room for the IPv4 list (1 + 5 rules + 55 > 60) warns, and fails at 5 groups', async () => {
  const f = await fixture('crowded');
  await clients.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: f.securityGroupId,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16', '10.5.0.0/16'].map(
            (CidrIp) => ({ CidrIp }),
          ),
        },
      ],
    }),
  );
  const { code, report } = await auditJson(f);
  expect(code).toBe(1);
  const finding = findingOf(report, 'rule-headroom');
  // The lock falls back to a security group of its own: worth a look, not a failure.
  expect(finding.status).toBe('warn');
  expect(finding.ids).toEqual([f.securityGroupId, f.prefixListIds.ipv4]);
  expect(finding.reason).toContain(
    `${f.securityGroupId} uses 6 of 60 IPv4 inbound rules and ${f.prefixListIds.ipv4} weighs 55, so adding it needs 61`,
  );
  expect(finding.reason).toContain('the lock will put the CloudFront lists in a security group of its own');
  // At the load balancer's limit of 5 groups (none with room) it cannot: that fails.
  await withFiveGroups(clients, f);
  const full = findingOf((await auditJson(f)).report, 'rule-headroom');
  expect(full.status).toBe('fail');
  expect(full.reason).toContain('already has 5 security groups (the limit)');
});

test('rule-headroom counts the ranges kept open when a wider open rule is narrowed, as the lock does', async () => {
  const f = await fixture('all-traffic');
  await clients.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: f.securityGroupId,
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
  // 2 live rules + 4 kept (tcp 0-79, tcp 81-65535, udp, icmp) + 55 = 61: no room (the lock would fall back
  // to a group of its own, so a warning).
  const { code, report } = await auditJson(f);
  expect(code).toBe(1);
  const finding = findingOf(report, 'rule-headroom');
  expect(finding.status).toBe('warn');
  expect(finding.reason).toContain(
    `${f.securityGroupId} uses 6 of 60 IPv4 inbound rules (4 of them keep other ports open once port 80 closes to the internet)`,
  );
  // The lock refuses the same setup before writing anything, once it cannot fall back to a security
  // group of its own either (the load balancer at its 5 groups).
  await withFiveGroups(clients, f);
  const locked = await create(clients, {
    ListenerArn: f.listenerArn,
    DistributionId: f.distributionId,
    SecretArn: f.secretArn,
  });
  expect(locked.final).toMatchObject({ status: 'FAILED', errorCode: 'ServiceLimitExceeded' });
});

test('origin-header fails with --secret-arn when the origin sends another value (never printed)', async () => {
  const other = 'q'.repeat(40);
  values.push(other);
  const f = await fixture('wrong-origin', { originCustomHeaders: { 'X-Origin-Verify': other } });
  const unchecked = await auditJson(f);
  expect(findingOf(unchecked.report, 'origin-header').status).toBe('pass');
  expect(findingOf(unchecked.report, 'origin-header').reason).toContain('value not compared');

  const { code, report } = await auditJson(f, '--secret-arn', f.secretArn);
  expect(code).toBe(1);
  expect(report.secretArn).toBe(f.secretArn);
  expect(findingOf(report, 'origin-header')).toEqual({
    control: 'origin-header',
    status: 'fail',
    reason: `origin alb of distribution ${f.distributionId} sends X-Origin-Verify with a value that is not the current value of secret ${f.secretArn}`,
    ids: [f.distributionId, 'alb', f.secretArn],
  });
});

test('rule-bypass fails with --secret-arn when a rule accepts a value that is not the secret', async () => {
  const other = 'w'.repeat(40);
  values.push(other);
  const f = await fixture('wrong-rule');
  const created = await clients.elbv2.send(
    new CreateRuleCommand({
      ListenerArn: f.listenerArn,
      Priority: 5,
      Conditions: [
        { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Origin-Verify', Values: [other] } },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
    }),
  );
  const ruleArn = created.Rules?.[0]?.RuleArn ?? '';
  const unchecked = await auditJson(f);
  expect(findingOf(unchecked.report, 'rule-bypass')).toMatchObject({ status: 'pass', ids: [ruleArn] });

  const { code, report } = await auditJson(f, '--secret-arn', f.secretArn);
  expect(code).toBe(1);
  const finding = findingOf(report, 'rule-bypass');
  expect(finding).toMatchObject({ status: 'fail', ids: [ruleArn] });
  expect(finding.reason).toContain(
    "forwards at priority 5 on X-Origin-Verify values that are not the secret's",
  );
});

test('origin-header fails when the secret cannot be read, naming the secret', async () => {
  const sent = 'e'.repeat(40);
  values.push(sent);
  const f = await fixture('no-secret', { originCustomHeaders: { 'X-Origin-Verify': sent } });
  const missing = f.secretArn.replace('origin-verify', 'gone');
  const { code, report } = await auditJson(f, '--secret-arn', missing);
  expect(code).toBe(1);
  expect(findingOf(report, 'origin-header')).toEqual({
    control: 'origin-header',
    status: 'fail',
    reason: `cannot compare X-Origin-Verify with secret ${missing}: SecretArn: secret '${missing}' does not exist`,
    ids: [f.distributionId, 'alb', missing],
  });
});

describe('a locked setup', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture('locked', { extraRules: ['host'] });
    const locked = await create(clients, {
      ListenerArn: f.listenerArn,
      DistributionId: f.distributionId,
      SecretArn: f.secretArn,
    });
    expect(locked.final.status).toBe('SUCCESS');
  });

  test('every control holds: exit 0 with the http-only warning', async () => {
    const { code, report } = await auditJson(f, '--secret-arn', f.secretArn);
    expect(code).toBe(0);
    expect(report.verdict).toBe('pass');
    expect(report.summary).toEqual({ pass: 8, warn: 1, fail: 0 });
    expect(findingOf(report, 'origin-https').status).toBe('warn');
    expect(findingOf(report, 'origin-header').reason).toContain(`with the value of secret ${f.secretArn}`);
    expect(findingOf(report, 'rule-bypass').reason).toContain(
      "require X-Origin-Verify with the secret's value only",
    );
    expect(findingOf(report, 'default-deny').reason).toContain('is fixed-response 403');
  });

  test('--require-https turns the http-only warning into a failure: exit 1', async () => {
    const { code, report } = await auditJson(f, '--secret-arn', f.secretArn, '--require-https');
    expect(code).toBe(1);
    expect(report.findings.filter((x) => x.status === 'fail').map((x) => x.control)).toEqual([
      'origin-https',
    ]);
  });

  test('the human verdict says PASS with the warning', async () => {
    const run = await cli(auditArgs(f, '--secret-arn', f.secretArn));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Verdict: PASS - every control holds, 1 warning');
  });

  test('a different --header-name finds the rules unguarded', async () => {
    const { code, report } = await auditJson(f, '--header-name', 'X-Other');
    expect(code).toBe(1);
    expect(findingOf(report, 'rule-bypass').status).toBe('fail');
    expect(findingOf(report, 'origin-header').status).toBe('fail');
  });
});

describe('usage errors exit 2 with a clear message', () => {
  const listener =
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/0123456789abcdef/0123456789abcdef';
  const cases: [string, string[], string][] = [
    [
      'unknown flag',
      ['audit', '--listener-arn', listener, '--distribution-id', 'E1', '--verbose'],
      "unknown option '--verbose'",
    ],
    [
      'missing --listener-arn',
      ['audit', '--distribution-id', 'E1'],
      'missing required option --listener-arn',
    ],
    [
      'missing --distribution-id',
      ['audit', '--listener-arn', listener],
      'missing required option --distribution-id',
    ],
    ['missing both', ['audit'], 'missing required option --listener-arn and --distribution-id'],
    [
      'flag without its value',
      ['audit', '--distribution-id', 'E1', '--listener-arn'],
      "option '--listener-arn' needs a value",
    ],
    [
      'value for a switch',
      ['audit', '--listener-arn', listener, '--distribution-id', 'E1', '--json=yes'],
      "option '--json' takes no value",
    ],
    ['no command', [], 'missing command'],
    ['unknown command', ['lock'], "unknown command 'lock'"],
    [
      'extra argument',
      ['audit', 'now', '--listener-arn', listener, '--distribution-id', 'E1'],
      "unexpected argument 'now'",
    ],
    [
      'malformed listener ARN',
      ['audit', '--listener-arn', 'arn:nope', '--distribution-id', 'E1'],
      "--listener-arn: 'arn:nope' is not",
    ],
    [
      'malformed distribution id',
      ['audit', '--listener-arn', listener, '--distribution-id', 'e-1'],
      "--distribution-id: 'e-1' is not",
    ],
    [
      'invalid header name',
      ['audit', '--listener-arn', listener, '--distribution-id', 'E1', '--header-name', 'Host'],
      '--header-name:',
    ],
  ];
  test.each(cases)('%s', async (_name, argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`origin-lock: ${message}`);
    expect(run.stderr).toContain("Try 'origin-lock --help'.");
  });

  test('--help prints the usage and exits 0', async () => {
    for (const argv of [['--help'], ['audit', '-h']]) {
      const run = await cli(argv);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: origin-lock audit --listener-arn ARN --distribution-id ID/);
      expect(run.stdout).toContain('Exit status: 0 every control holds');
    }
  });
});

describe('an audit that cannot run exits 3', () => {
  test('listener that does not exist', async () => {
    const f = await fixture('gone-listener');
    const listenerArn = f.listenerArn.replace(/[0-9a-f]{16}$/, 'ffffffffffffffff');
    const run = await cli(['audit', '--listener-arn', listenerArn, '--distribution-id', f.distributionId]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `origin-lock: cannot audit: ListenerArn: listener '${listenerArn}' does not exist`,
    );
  });

  test('distribution that does not exist', async () => {
    const f = await fixture('gone-dist');
    const run = await cli(['audit', '--listener-arn', f.listenerArn, '--distribution-id', 'E0000000000000']);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      "origin-lock: cannot audit: DistributionId: distribution 'E0000000000000' does not exist",
    );
  });
});

describe('region: always the listener ARN’s', () => {
  const arn =
    'arn:aws:elasticloadbalancing:eu-west-3:123456789012:listener/app/x/0123456789abcdef/0123456789abcdef';

  test('regionFor reads it from the ARN', () => {
    expect(regionFor(arn)).toBe('eu-west-3');
  });

  test('a different AWS_REGION or AWS_DEFAULT_REGION does not send the audit elsewhere', async () => {
    const regions: string[] = [];
    for (const env of [
      { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' },
      { AWS_DEFAULT_REGION: 'ap-south-1' },
      {},
    ]) {
      const run = await cli(['audit', '--listener-arn', arn, '--distribution-id', 'E2QWRUHAPOMQZL'], {
        env,
        clients: (region) => {
          regions.push(region);
          throw new Error('no AWS in this test');
        },
      });
      expect(run).toMatchObject({ code: 3, stderr: 'origin-lock: cannot audit: Error: no AWS in this test' });
    }
    expect(regions).toEqual(['eu-west-3', 'eu-west-3', 'eu-west-3']);
  });

  test('--help says so', async () => {
    const run = await cli(['--help']);
    expect(run.stdout).toContain(
      "in the listener ARN's region (AWS_REGION and\nAWS_DEFAULT_REGION are not used",
    );
  });
});

describe('a reader that goes away (origin-lock … | head)', () => {
  test('pipeSafe: EPIPE silences the stream, later writes are dropped, other errors still surface', () => {
    const written: string[] = [];
    const stream = Object.assign(new EventEmitter(), {
      write: (text: string) => written.push(text) > 0,
    });
    const write = pipeSafe(stream);
    write('one\n');
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    write('two\n');
    expect(written).toEqual(['one\n']);
    expect(() => stream.emit('error', Object.assign(new Error('disk on fire'), { code: 'EIO' }))).toThrow(
      'disk on fire',
    );
  });

  test('the package’s bin exits quietly with its status when stdout is closed before it writes', async () => {
    ensureBuilt();
    const pkg = JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const bin = path.join(repoRoot(), pkg.bin['origin-lock']);
    const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Close the read end at once, as `head` does once it has its lines: every write of the child fails.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code, signal] = await once(child, 'exit');
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});
