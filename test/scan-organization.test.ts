/**
 * `origin-lock scan --org-role-name` against moto behind the AWS emulator: an Organization with the
 * caller's (management) account and one member, a fixture in each. moto keys its state by account and,
 * in server mode, takes the account of assumed-role credentials from the role's ARN, so the member's
 * fixture is built (and locked) with credentials from AssumeRole into it. Checked: every row carries
 * its account, an account the scan cannot enter is an error row (not fatal), the exit status, and that
 * every call made with the member's credentials is a read the StackSet role template grants.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { createClients } from '../src/aws/clients';
import { AsffFinding } from '../src/cli/scan/asff';
import { ScanReport } from '../src/cli/scan/report';
import { isRead } from '../bench/aws-emulator/wire';
import { buildFixture, Fixture, TEST_CREDENTIALS, TEST_REGION } from '../bench/fixtures';
import { repoRoot } from '../bench/paths';
import { validate } from './support/json-schema';
import { runCli } from './support/cli-run';
import { EmulatedBench, startEmulatedBench } from './support/emulated-bench';
import { create } from './support/lock-harness';

const ROLE = 'OriginLockScan';
const MANAGEMENT = '123456789012';

let bench: EmulatedBench;
let memberId: string;
let mgmt: Fixture;
let member: Fixture;

beforeAll(async () => {
  bench = await startEmulatedBench();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const direct = { region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint: bench.moto.endpoint };
  const orgs = new OrganizationsClient(direct);
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const created = await orgs.send(
    new CreateAccountCommand({ Email: 'member@example.com', AccountName: 'member' }),
  );
  memberId = created.CreateAccountStatus?.AccountId ?? '';
  const assumed = await new STSClient(direct).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${memberId}:role/${ROLE}`, RoleSessionName: 'setup' }),
  );
  const c = assumed.Credentials;
  const credentials = {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken,
  };
  mgmt = await buildFixture({ name: 'org-mgmt' }, { endpoint: bench.moto.endpoint });
  member = await buildFixture({ name: 'org-member' }, { endpoint: bench.moto.endpoint, credentials });
  const memberClients = createClients({ region: TEST_REGION, credentials, endpoint: bench.moto.endpoint });
  const out = await create(memberClients, {
    ListenerArn: member.listenerArn,
    DistributionId: member.distributionId,
    SecretArn: member.secretArn,
  });
  expect(out.final.status).toBe('SUCCESS');
  // Every scan below goes through the emulator, which counts (and may refuse) each call.
  process.env.AWS_ENDPOINT_URL = bench.emulator.endpoint;
}, 240_000);
afterAll(async () => bench?.stop());
beforeEach(() => {
  bench.emulator.clearFaults();
  bench.emulator.events.length = 0;
});

const cli = (argv: string[]) =>
  runCli(
    argv,
    [mgmt, member].map((f) => f.secretValue),
  );

async function scanJson(...extra: string[]): Promise<{ code: number; report: ScanReport }> {
  const run = await cli(['scan', '--json', '--org-role-name', ROLE, ...extra]);
  expect(run.stderr).toBe('');
  return { code: run.code, report: JSON.parse(run.stdout) as ScanReport };
}

test('moto acts as the member account for its assumed-role credentials', () => {
  expect(mgmt.accountId).toBe(MANAGEMENT);
  expect(memberId).toMatch(/^\d{12}$/);
  expect(member.accountId).toBe(memberId);
});

/** Rows as the scan orders them: by account id. */
const byAccount = <T extends unknown[]>(rows: T[]): T[] =>
  [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

test('--org-role-name scans every account; each row carries its account id', async () => {
  const { code, report } = await scanJson();
  expect(code).toBe(1); // the management account's open pair fails
  const schema = JSON.parse(
    readFileSync(path.join(repoRoot(), 'docs', 'scan-output.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  expect(validate(report, schema)).toEqual([]);
  expect(report.accounts).toBe(2);
  // Rows come in account-id order; moto draws the member's id at random, so sort the expectation too.
  expect(report.pairs.map((p) => [p.accountId, p.kind, p.distributionId, p.listenerArn, p.verdict])).toEqual(
    byAccount([
      [MANAGEMENT, 'pair', mgmt.distributionId, mgmt.listenerArn, 'fail'],
      [memberId, 'pair', member.distributionId, member.listenerArn, 'pass'],
    ]),
  );
  expect(report.pairs.find((p) => p.accountId === memberId)?.managed).toBe(true);
  // One AssumeRole: the caller's own account is read with its own credentials.
  const assumes = bench.emulator.events.filter((e) => e.operation === 'AssumeRole');
  expect(assumes).toHaveLength(1);
});

test('the table and the ASFF findings carry the account', async () => {
  const table = await cli(['scan', '--org-role-name', ROLE]);
  expect(table.code).toBe(1);
  expect(table.stdout).toMatch(/^ACCOUNT\s+DISTRIBUTION/m);
  expect(table.stdout).toMatch(new RegExp(`^${memberId}\\s+${member.distributionId}\\s+alb.*PASS`, 'm'));
  expect(table.stdout).toContain('across 2 accounts');
  const asff = await cli(['scan', '--org-role-name', ROLE, '--format', 'asff']);
  const findings = JSON.parse(asff.stdout) as AsffFinding[];
  expect(findings.map((f) => [f.AwsAccountId, f.Compliance.Status])).toEqual(
    byAccount([
      [MANAGEMENT, 'FAILED'],
      [memberId, 'PASSED'],
    ]),
  );
  expect(findings.find((f) => f.AwsAccountId === memberId)?.ProductArn).toBe(
    `arn:aws:securityhub:${TEST_REGION}:${memberId}:product/${memberId}/default`,
  );
});

test('an account the scan cannot enter is an error row, not a failed scan', async () => {
  bench.emulator.inject({ kind: 'deny', operation: 'AssumeRole' });
  const { code, report } = await scanJson();
  expect(code).toBe(1); // the management account's failing pair still decides
  expect(
    [...report.pairs].sort((a, b) => (a.accountId === MANAGEMENT ? -1 : b.accountId === MANAGEMENT ? 1 : 0)),
  ).toEqual([
    expect.objectContaining({ accountId: MANAGEMENT, verdict: 'fail' }),
    expect.objectContaining({
      accountId: memberId,
      kind: 'account',
      verdict: 'error',
      reason: expect.stringMatching(
        new RegExp(
          `^account ${memberId} not scanned: cannot assume arn:aws:iam::${memberId}:role/${ROLE}: .*denied`,
          'i',
        ),
      ),
    }),
  ]);
  expect(report.summary.error).toBe(1);
  const asff = await (async () => {
    bench.emulator.inject({ kind: 'deny', operation: 'AssumeRole' });
    return JSON.parse(
      (await cli(['scan', '--org-role-name', ROLE, '--format', 'asff'])).stdout,
    ) as AsffFinding[];
  })();
  expect(asff.find((f) => f.AwsAccountId === memberId)).toMatchObject({
    Id: `acme-origin-lock/scan/account/${memberId}`,
    Compliance: { Status: 'NOT_AVAILABLE' },
    Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${memberId}` }],
  });
});

test('only errors: exit status 3', async () => {
  bench.emulator.inject({ kind: 'deny', operation: 'AssumeRole' });
  const { code, report } = await scanJson('--distribution-id', member.distributionId);
  expect(code).toBe(3);
  expect(report.verdict).toBe('error');
  expect(report.pairs.map((p) => [p.accountId, p.kind])).toEqual([[memberId, 'account']]);
});

test('read-only: every call is a read, and each one the member role makes is in the StackSet template', async () => {
  await scanJson();
  const events = bench.emulator.events;
  expect(events.length).toBeGreaterThan(0);
  const writes = events.filter(
    (e) => e.service !== 'other' && !isRead(e.operation) && e.operation !== 'AssumeRole',
  );
  expect(writes).toEqual([]);
  const template = readFileSync(path.join(repoRoot(), 'examples', 'stackset-scan-role.yaml'), 'utf8');
  const granted = new Set([...template.matchAll(/^\s+- ([a-z0-9-]+:[A-Za-z]+)$/gm)].map((m) => m[1]));
  const prefix: Record<string, string> = { tagging: 'tag' };
  const used = new Set(
    events
      .filter((e) => e.service !== 'other' && e.service !== 'sts')
      .map((e) => `${prefix[e.service] ?? e.service}:${e.operation}`),
  );
  expect([...used].filter((a) => !granted.has(a))).toEqual([]);
});
