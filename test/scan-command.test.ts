/**
 * `origin-lock scan` against moto behind the AWS emulator, in-process through the CLI's
 * `main(argv, io)`: a mixed fleet (a locked pair, an open pair, an S3-only distribution, an ALB behind
 * two distributions, a lock whose distribution moved away, the same in eu-west-1 where no origin points,
 * and a CloudFront VPC origin on an internal ALB) gives the expected verdicts in the table, the JSON and
 * the ASFF output, without a single write. moto drops VpcOriginConfig; the emulator returns it in the
 * CloudFront XML as AWS does, so the scan reads the VPC origin through the SDK's own parsing.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CreateDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  Origin,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { CliIo } from '../src/cli/main';
import { CONTROLS } from '../src/cli/audit/findings';
import { ScanReport } from '../src/cli/scan/report';
import { AsffFinding } from '../src/cli/scan/asff';
import { elbRegion } from '../src/cli/scan/discover';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { CreateListenerCommand, CreateLoadBalancerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients, createClients } from '../src/aws/clients';
import { buildFixture, Fixture, TEST_CREDENTIALS, TEST_REGION } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { repoRoot } from '../bench/paths';
import { validate } from './support/json-schema';
import { CliRun, runCli } from './support/cli-run';
import { EmulatedBench, startEmulatedBench } from './support/emulated-bench';
import { create } from './support/lock-harness';

type Run = CliRun;

/** A region no origin of the fleet names: only a scan of every enabled region reads it. */
const OTHER_REGION = 'eu-west-1';
const VPC_ORIGIN_ID = 'vo_0123456789abcdef0';

let bench: EmulatedBench;
let moto: MotoServer;
let clients: AwsClients;
let locked: Fixture;
let open: Fixture;
let moved: Fixture;
let movedElsewhere: Fixture;
let secondId: string;
let s3OnlyId: string;
let vpcOriginDistributionId: string;
let internalAlbArn: string;

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

async function distribution(name: string, origin: Origin): Promise<string> {
  // Arranged on moto directly: the emulator is for the scan's own calls.
  const out = await clients.cloudfront.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: `${name}-${Date.now()}`,
        Comment: name,
        Enabled: true,
        Origins: { Quantity: 1, Items: [origin] },
        DefaultCacheBehavior: {
          TargetOriginId: origin.Id,
          ViewerProtocolPolicy: 'redirect-to-https',
          CachePolicyId: CACHING_DISABLED,
        },
      },
    }),
  );
  return out.Distribution?.Id ?? '';
}

/**
 * An internal ALB (in `f`'s subnets) that a distribution reaches through a CloudFront VPC origin. The
 * origin is created as AWS takes it (VpcOriginConfig, the ALB's DNS name as DomainName); moto keeps
 * everything but the VpcOriginConfig, which the emulator is told to return.
 */
async function vpcOriginOnInternalAlb(f: Fixture): Promise<{ distributionId: string; albArn: string }> {
  const lb = await clients.elbv2.send(
    new CreateLoadBalancerCommand({
      Name: 'scan-vpc-alb',
      Subnets: f.subnetIds,
      SecurityGroups: [f.securityGroupId],
      Scheme: 'internal',
      Type: 'application',
    }),
  );
  const albArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  await clients.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: albArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [
        { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain' } },
      ],
    }),
  );
  const distributionId = await distribution('scan-vpc', {
    Id: 'vpc',
    DomainName: lb.LoadBalancers?.[0]?.DNSName ?? '',
    CustomHeaders: { Quantity: 0, Items: [] },
    VpcOriginConfig: { VpcOriginId: VPC_ORIGIN_ID, OriginReadTimeout: 30, OriginKeepaliveTimeout: 5 },
  });
  bench.emulator.cloudfront.vpcOrigins.push({ distributionId, originId: 'vpc', vpcOriginId: VPC_ORIGIN_ID });
  return { distributionId, albArn };
}

/** Points the distribution's ALB origin somewhere else, as a team moving off the load balancer would. */
async function moveOrigin(f: Fixture): Promise<void> {
  const config = await clients.cloudfront.send(new GetDistributionConfigCommand({ Id: f.distributionId }));
  const dc = config.DistributionConfig;
  if (!dc?.Origins?.Items) throw new Error('no config');
  dc.Origins.Items = dc.Origins.Items.map((o) => ({ ...o, DomainName: 'new-home.example.com' }));
  await clients.cloudfront.send(
    new UpdateDistributionCommand({ Id: f.distributionId, IfMatch: config.ETag, DistributionConfig: dc }),
  );
}

/** Clients on moto itself in a region, for arranging the fleet. */
const directIn = (region: string): AwsClients =>
  createClients({ region, credentials: { ...TEST_CREDENTIALS }, endpoint: bench.moto.endpoint });

beforeAll(async () => {
  bench = await startEmulatedBench();
  moto = bench.moto;
  clients = bench.direct;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  locked = await buildFixture({ name: 'scan-locked' });
  open = await buildFixture({ name: 'scan-open' });
  moved = await buildFixture({ name: 'scan-moved' });
  movedElsewhere = await buildFixture({ name: 'scan-moved-eu' }, { region: OTHER_REGION });
  for (const f of [locked, moved, movedElsewhere]) {
    const out = await create(directIn(f.region), {
      ListenerArn: f.listenerArn,
      DistributionId: f.distributionId,
      SecretArn: f.secretArn,
    });
    expect(out.final.status).toBe('SUCCESS');
  }
  await moveOrigin(moved);
  await moveOrigin(movedElsewhere);
  ({ distributionId: vpcOriginDistributionId, albArn: internalAlbArn } = await vpcOriginOnInternalAlb(open));
  secondId = await distribution('scan-second', {
    Id: 'shared-alb',
    DomainName: `dualstack.${open.loadBalancerDnsName}`,
    CustomHeaders: { Quantity: 0, Items: [] },
    CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' },
  });
  s3OnlyId = await distribution('scan-s3', {
    Id: 'bucket',
    DomainName: `scan-s3.s3.${TEST_REGION}.amazonaws.com`,
    S3OriginConfig: { OriginAccessIdentity: '' },
  });
  // Every scan below goes through the emulator, which counts each call and returns the VPC origin.
  process.env.AWS_ENDPOINT_URL = bench.emulator.endpoint;
}, 240_000);
afterAll(async () => bench?.stop());
beforeEach(() => {
  bench.emulator.clearFaults();
  bench.emulator.events.length = 0;
});

const cli = (argv: string[], io: Partial<CliIo> = {}): Promise<Run> =>
  runCli(
    argv,
    [locked, open, moved, movedElsewhere].map((f) => f.secretValue),
    io,
  );

/** The regions the account has enabled, as DescribeRegions answers them (moto also lists others). */
async function enabledRegions(): Promise<{ enabled: string[]; notEnabled: string[] }> {
  const regions = (await clients.ec2.send(new DescribeRegionsCommand({}))).Regions ?? [];
  const names = (optedOut: boolean): string[] =>
    regions
      .filter((r) => (r.OptInStatus === 'not-opted-in') === optedOut)
      .map((r) => r.RegionName ?? '')
      .sort();
  return { enabled: names(false), notEnabled: names(true) };
}

async function scanJson(...extra: string[]): Promise<{ code: number; report: ScanReport }> {
  const run = await cli(['scan', '--json', ...extra]);
  expect(run.stderr).toBe('');
  return { code: run.code, report: JSON.parse(run.stdout) as ScanReport };
}

test('the region comes from the ELB DNS name, dualstack or not', () => {
  expect(elbRegion('my-alb-123.eu-west-1.elb.amazonaws.com')).toBe('eu-west-1');
  expect(elbRegion('dualstack.my-alb-123.ap-southeast-2.elb.amazonaws.com')).toBe('ap-southeast-2');
  expect(elbRegion('my-nlb-123.elb.eu-west-1.amazonaws.com')).toBeUndefined();
  expect(elbRegion('bucket.s3.us-east-1.amazonaws.com')).toBeUndefined();
});

test('--json: one object per pair with every finding, the verdicts of the mixed fleet', async () => {
  const { code, report } = await scanJson();
  expect(code).toBe(1);
  const schema = JSON.parse(
    readFileSync(path.join(repoRoot(), 'docs', 'scan-output.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  expect(validate(report, schema)).toEqual([]);
  const rows = report.pairs.map((p) => [
    p.kind,
    p.distributionId,
    p.originId,
    p.listenerArn,
    p.verdict,
    p.managed,
  ]);
  expect(rows).toEqual(
    expect.arrayContaining([
      ['pair', locked.distributionId, 'alb', locked.listenerArn, 'pass', true],
      ['pair', open.distributionId, 'alb', open.listenerArn, 'fail', false],
      ['pair', secondId, 'shared-alb', open.listenerArn, 'fail', false],
      ['stale-lock', moved.distributionId, null, moved.listenerArn, 'warn', true],
      ['stale-lock', movedElsewhere.distributionId, null, movedElsewhere.listenerArn, 'warn', true],
      ['vpc-origin', vpcOriginDistributionId, 'vpc', null, 'pass', false],
    ]),
  );
  // The S3-only distribution and the moved one have no ALB origin: no pair.
  expect(report.pairs.filter((p) => p.distributionId === s3OnlyId)).toEqual([]);
  expect(report.pairs.filter((p) => p.kind === 'pair' && p.distributionId === moved.distributionId)).toEqual(
    [],
  );
  for (const p of report.pairs.filter((r) => r.kind === 'pair')) {
    expect(p.findings.map((f) => f.control).slice(0, CONTROLS.length)).toEqual([...CONTROLS]);
    expect(p.failing).toEqual(p.findings.filter((f) => f.status === 'fail').map((f) => f.control));
  }
  const openPair = report.pairs.find((p) => p.distributionId === open.distributionId);
  expect(openPair?.failing).toEqual(expect.arrayContaining(['open-ingress', 'default-deny']));
  expect(report.distributions).toBeGreaterThanOrEqual(7);
  expect(report.regions).toEqual((await enabledRegions()).enabled);
});

test('a CloudFront VPC origin, read from the CloudFront XML, is private by design and passes', async () => {
  // moto alone drops the member: without the emulator the origin would look like a plain one.
  const plain = await clients.cloudfront.send(new GetDistributionCommand({ Id: vpcOriginDistributionId }));
  expect(plain.Distribution?.DistributionConfig?.Origins?.Items?.[0]?.VpcOriginConfig).toBeUndefined();

  const { code, report } = await scanJson('--distribution-id', vpcOriginDistributionId);
  expect(code).toBe(0);
  expect(report.pairs).toEqual([
    expect.objectContaining({
      kind: 'vpc-origin',
      distributionId: vpcOriginDistributionId,
      originId: 'vpc',
      region: TEST_REGION,
      loadBalancerArn: internalAlbArn,
      listenerArn: null,
      verdict: 'pass',
      managed: false,
      reason: `CloudFront VPC origin ${VPC_ORIGIN_ID}: private by design, needs no lock`,
    }),
  ]);
  // Read from ListDistributions' XML; no audit ran (it would read the distribution and the rules).
  const ops = bench.emulator.events.map((e) => e.operation);
  expect(ops).toContain('ListDistributions');
  expect(ops).not.toContain('GetDistribution');
  expect(ops).not.toContain('DescribeRules');
});

test('without --regions: every region the account has enabled, one DescribeRegions', async () => {
  const { enabled, notEnabled } = await enabledRegions();
  expect(enabled).toEqual(expect.arrayContaining([TEST_REGION, OTHER_REGION]));
  expect(notEnabled.length).toBeGreaterThan(0); // moto lists regions not opted in to: never scanned
  const { report } = await scanJson('--distribution-id', movedElsewhere.distributionId);
  // The lock in eu-west-1 is found although no origin names that region any more.
  expect(report.pairs.map((p) => [p.kind, p.region, p.listenerArn])).toEqual([
    ['stale-lock', OTHER_REGION, movedElsewhere.listenerArn],
  ]);
  const regionsOf = (operation: string): string[] =>
    [...new Set(bench.emulator.events.filter((e) => e.operation === operation).map((e) => e.region))].sort();
  expect(bench.emulator.events.filter((e) => e.operation === 'DescribeRegions')).toHaveLength(1);
  expect(regionsOf('DescribeLoadBalancers')).toEqual(enabled);
  expect(regionsOf('GetResources')).toEqual(enabled);
  expect(report.regions).toEqual(enabled);

  // --regions names them instead: no DescribeRegions, and nothing outside them is read.
  bench.emulator.events.length = 0;
  const only = await scanJson('--distribution-id', movedElsewhere.distributionId, '--regions', TEST_REGION);
  expect(only.report.pairs).toEqual([]);
  expect(bench.emulator.events.map((e) => e.operation)).not.toContain('DescribeRegions');
  expect(regionsOf('DescribeLoadBalancers')).toEqual([TEST_REGION]);
});

test('enabled regions that cannot be listed stop the scan (exit 3), naming --regions', async () => {
  bench.emulator.inject({ kind: 'deny', operation: 'DescribeRegions' });
  const run = await cli(['scan', '--json']);
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(
    /--regions: the account's enabled regions cannot be listed \(ec2:DescribeRegions\)/,
  );
  expect(bench.emulator.events.map((e) => e.operation)).not.toContain('DescribeLoadBalancers');
});

test('the table: one line per pair with verdict, failing controls and lock', async () => {
  const run = await cli(['scan']);
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(''); // no progress indicator when stderr is not a terminal
  const line = (id: string): string => run.stdout.split('\n').find((l) => l.startsWith(id)) ?? '';
  expect(line(locked.distributionId)).toMatch(/alb\s+scan-locked-alb\s+…\/\S+\s+PASS\s+yes\s+-/);
  expect(line(open.distributionId)).toMatch(/alb\s+scan-open-alb\s+…\/\S+\s+FAIL\s+no\s+open-ingress, /);
  expect(line(secondId)).toMatch(/shared-alb\s+scan-open-alb\s+.*FAIL/);
  expect(line(moved.distributionId)).toMatch(
    /-\s+scan-moved-alb\s+.*WARN\s+yes\s+the lock names distribution/,
  );
  expect(line(vpcOriginDistributionId)).toMatch(/vpc\s+scan-vpc-alb\s+-\s+PASS\s+no\s+CloudFront VPC origin/);
  expect(run.stdout).toMatch(/Verdict: FAIL - 2 pass, 2 fail, 2 warn/);
});

test('a progress indicator on stderr only when stderr is a terminal', async () => {
  const raw: string[] = [];
  const run = await cli(['scan', '--distribution-id', locked.distributionId], {
    stderrIsTTY: true,
    stderrRaw: (t) => raw.push(t),
  });
  expect(run.code).toBe(0);
  expect(raw.join('')).toContain('scanning: 1/1 origins');
});

test('--distribution-id scans one distribution; --regions elsewhere reports the origin as not scanned', async () => {
  const one = await scanJson('--distribution-id', locked.distributionId);
  expect(one.code).toBe(0);
  expect(one.report.pairs.map((p) => [p.distributionId, p.verdict])).toEqual([
    [locked.distributionId, 'pass'],
  ]);
  const elsewhere = await scanJson('--distribution-id', open.distributionId, '--regions', 'eu-west-1');
  expect(elsewhere.code).toBe(0);
  expect(elsewhere.report.pairs).toMatchObject([
    { kind: 'not-scanned', verdict: 'not-scanned', reason: expect.stringContaining(`in ${TEST_REGION}`) },
  ]);
});

test('--format asff: a Security Finding Format array with every required attribute', async () => {
  const run = await cli(['scan', '--format', 'asff']);
  expect(run.code).toBe(1);
  const findings = JSON.parse(run.stdout) as AsffFinding[];
  expect(findings.length).toBe(6);
  const required = [
    'SchemaVersion',
    'Id',
    'ProductArn',
    'GeneratorId',
    'AwsAccountId',
    'Types',
    'CreatedAt',
    'UpdatedAt',
    'Severity',
    'Title',
    'Description',
    'Resources',
  ];
  for (const f of findings) {
    for (const key of required) expect(f).toHaveProperty(key);
    expect(f.SchemaVersion).toBe('2018-10-08');
    expect(f.AwsAccountId).toMatch(/^\d{12}$/);
    // In the row's region (the stale lock in eu-west-1 is imported there).
    expect(f.ProductArn).toBe(
      `arn:aws:securityhub:${f.Resources[0].Region}:${f.AwsAccountId}:product/${f.AwsAccountId}/default`,
    );
    expect(f.Types.length).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(f.CreatedAt))).toBe(false);
    expect(f.Resources.length).toBeGreaterThan(0);
    expect(f.Description.length).toBeGreaterThan(0);
    expect(f.Description.length).toBeLessThanOrEqual(1024);
  }
  expect(new Set(findings.map((f) => f.Id)).size).toBe(findings.length);
  expect(findings.filter((f) => f.Severity.Label === 'HIGH')).toHaveLength(2);
  expect(findings.filter((f) => f.Compliance.Status === 'FAILED')).toHaveLength(2);
});

test('the scan is read-only: no mutating call reaches AWS', async () => {
  await moto.recorder.reset();
  await moto.recorder.start();
  try {
    await cli(['scan', '--json']);
  } finally {
    await moto.recorder.stop();
  }
  const calls = await moto.recorder.calls();
  expect(calls.length).toBeGreaterThan(0);
  expect(await moto.recorder.mutatingCalls()).toEqual([]);
  // One walk of the distributions and one tagging walk for the region's locks, whatever the fleet size.
  const count = (action: string): number => calls.filter((c) => c.action === action).length;
  expect(count('ListDistributions')).toBe(1);
  // One DescribeRegions; one DescribeLoadBalancers walk and one tagging walk per enabled region, then
  // one DescribeLoadBalancers per audited pair (the audit's own observe).
  const regions = (await enabledRegions()).enabled.length;
  expect(count('DescribeRegions')).toBe(1);
  expect(count('GetResources')).toBe(regions);
  expect(count('DescribeLoadBalancers')).toBe(regions + 3);
});

test.each([
  [['scan', '--regions', 'mars'], /--regions: 'mars' is not a region name/],
  [['scan', '--distribution-id', 'nope'], /--distribution-id: 'nope' is not a CloudFront distribution id/],
  [['scan', '--format', 'csv'], /--format: 'csv' is not a known format/],
  [['scan', '--json', '--format', 'asff'], /--json and --format cannot be combined/],
  [['scan', 'extra'], /unexpected argument 'extra'/],
  [['scan', '--bogus'], /unknown option '--bogus'/],
])('usage error %j exits 2', async (argv, message) => {
  const run = await cli(argv);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(message);
});

test('--help prints the scan usage', async () => {
  const run = await cli(['scan', '--help']);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Usage: origin-lock scan');
});
