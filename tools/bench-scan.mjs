#!/usr/bin/env node
// `make bench-scan`: what `origin-lock scan` costs as the fleet grows. Builds, on moto, N CloudFront
// distributions each in front of its own Application Load Balancer (the ALBs spread over three
// regions), runs `origin-lock scan --json --regions <the three>` in-process through the AWS emulator
// (which counts every call), and prints the calls per operation and the wall time for each size side
// by side: the counts grow with distributions + load balancers + pages, never their product.
// docs/scan.md ("Performance") keeps the latest output. Needs dist/ (make build).
// Usage: node tools/bench-scan.mjs [N ...]   (default: 50 200)
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Before the SDK loads: its Node version notice would interleave with the table.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
/** @param {string} p @returns {any} */
const dist = (p) => require(path.join(root, 'dist', p));
const { startMoto } = dist('bench/moto.js');
const { startEmulator } = dist('bench/aws-emulator/proxy.js');
const { TEST_CREDENTIALS, TEST_REGION } = dist('bench/fixtures.js');
const { createClients } = dist('src/aws/clients.js');
const { mapLimit } = dist('src/cli/scan/scan.js');
const { main: cliMain } = dist('src/cli/main.js');
const ec2 = require('@aws-sdk/client-ec2');
const elbv2 = require('@aws-sdk/client-elastic-load-balancing-v2');
const cloudfront = require('@aws-sdk/client-cloudfront');

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
/** Fixture calls in flight at once: moto answers one at a time anyway, this hides the round trips. */
const BUILD_CONCURRENCY = 8;
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
if (sizes.length === 0) sizes.push(50, 200);

/** @param {any} value @param {string} what */
const must = (value, what) => {
  if (value === undefined || value === null || value === '') throw new Error(`moto returned no ${what}`);
  return value;
};

/**
 * One VPC with two subnets per region; per ALB its own security group open to the internet on port 80
 * (the typical unlocked origin), the ALB and an HTTP:80 listener; per distribution one custom origin
 * on its ALB. Returns when moto holds the whole fleet.
 * @param {string} endpoint @param {number} n
 */
async function buildFleet(endpoint, n) {
  /** @param {string} region */
  const clientsIn = (region) => createClients({ region, credentials: { ...TEST_CREDENTIALS }, endpoint });
  /** @type {Record<string, { clients: any; vpcId: string; subnetIds: string[] }>} */
  const net = {};
  for (const region of REGIONS) {
    const c = clientsIn(region);
    const vpc = await c.ec2.send(new ec2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const vpcId = must(vpc.Vpc?.VpcId, 'VpcId');
    const subnetIds = [];
    for (const [i, az] of ['a', 'b'].entries()) {
      const subnet = await c.ec2.send(
        new ec2.CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: `10.0.${i}.0/24`,
          AvailabilityZone: `${region}${az}`,
        }),
      );
      subnetIds.push(must(subnet.Subnet?.SubnetId, 'SubnetId'));
    }
    net[region] = { clients: c, vpcId, subnetIds };
  }
  const indexes = Array.from({ length: n }, (_, i) => i);
  const dnsNames = await mapLimit(indexes, BUILD_CONCURRENCY, async (/** @type {number} */ i) => {
    const { clients: c, vpcId, subnetIds } = net[REGIONS[i % REGIONS.length]];
    const name = `bench-${n}-${i}`;
    const group = await c.ec2.send(
      new ec2.CreateSecurityGroupCommand({ GroupName: name, Description: 'bench ALB', VpcId: vpcId }),
    );
    const groupId = must(group.GroupId, 'GroupId');
    await c.ec2.send(
      new ec2.AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const lb = await c.elbv2.send(
      new elbv2.CreateLoadBalancerCommand({
        Name: name,
        Subnets: subnetIds,
        SecurityGroups: [groupId],
        Scheme: 'internet-facing',
        Type: 'application',
      }),
    );
    const created = must(lb.LoadBalancers?.[0], 'LoadBalancer');
    await c.elbv2.send(
      new elbv2.CreateListenerCommand({
        LoadBalancerArn: created.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain' } },
        ],
      }),
    );
    return must(created.DNSName, 'DNSName');
  });
  const global = net[TEST_REGION].clients;
  await mapLimit(indexes, BUILD_CONCURRENCY, async (/** @type {number} */ i) => {
    await global.cloudfront.send(
      new cloudfront.CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: `bench-${n}-${i}`,
          Comment: `bench ${i}`,
          Enabled: true,
          Origins: {
            Quantity: 1,
            Items: [
              {
                Id: 'alb',
                DomainName: dnsNames[i],
                CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' },
              },
            ],
          },
          DefaultCacheBehavior: {
            TargetOriginId: 'alb',
            ViewerProtocolPolicy: 'redirect-to-https',
            CachePolicyId: CACHING_DISABLED,
          },
        },
      }),
    );
  });
}

/** @param {string} endpoint @returns {Promise<{ code: number; report: any; ms: number }>} */
async function runScan(endpoint) {
  process.env.AWS_ENDPOINT_URL = endpoint;
  /** @type {string[]} */
  const out = [];
  /** @type {string[]} */
  const err = [];
  const start = process.hrtime.bigint();
  const code = await cliMain(['scan', '--json', '--regions', REGIONS.join(',')], {
    stdout: (/** @type {string} */ l) => out.push(l),
    stderr: (/** @type {string} */ l) => err.push(l),
    env: process.env,
    isTTY: false,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (code !== 0 && code !== 1) throw new Error(`scan exited ${code}: ${err.join('\n')}`);
  return { code, report: JSON.parse(out.join('\n')), ms };
}

async function main() {
  const moto = await startMoto();
  const emulator = await startEmulator({
    target: moto.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
  Object.assign(process.env, {
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  });
  /** @type {{ n: number; calls: Record<string, number>; total: number; pairs: number; ms: number; buildMs: number }[]} */
  const runs = [];
  try {
    for (const n of sizes) {
      await moto.reset();
      const t = process.hrtime.bigint();
      await buildFleet(moto.endpoint, n);
      const buildMs = Number(process.hrtime.bigint() - t) / 1e6;
      emulator.events.length = 0;
      const { report, ms } = await runScan(emulator.endpoint);
      /** @type {Record<string, number>} */
      const calls = {};
      for (const e of emulator.events.filter((/** @type {any} */ e) => e.operation !== '')) {
        const key = `${e.service}:${e.operation}`;
        calls[key] = (calls[key] ?? 0) + 1;
      }
      const total = Object.values(calls).reduce((a, b) => a + b, 0);
      const pairs = report.pairs.filter((/** @type {any} */ p) => p.kind === 'pair').length;
      if (report.distributions !== n || pairs !== n)
        throw new Error(
          `expected ${n} distributions and pairs, the scan saw ${report.distributions} / ${pairs}`,
        );
      runs.push({ n, calls, total, pairs, ms, buildMs });
      console.error(
        `bench-scan: ${n}×${n} built in ${(buildMs / 1000).toFixed(0)} s, scanned in ${(ms / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    await emulator.stop();
    await moto.stop();
  }

  const operations = [...new Set(runs.flatMap((r) => Object.keys(r.calls)))].sort();
  /** @type {string[][]} */
  const rows = operations.map((op) => [op, ...runs.map((r) => String(r.calls[op] ?? 0))]);
  rows.push(['all calls', ...runs.map((r) => String(r.total))]);
  rows.push(['calls per distribution', ...runs.map((r) => (r.total / r.n).toFixed(1))]);
  rows.push(['audited pairs', ...runs.map((r) => String(r.pairs))]);
  rows.push(['scan wall time', ...runs.map((r) => `${(r.ms / 1000).toFixed(1)} s`)]);
  const header = ['calls (at the emulator)', ...runs.map((r) => `${r.n} dist × ${r.n} ALB`)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  /** @param {string[]} r */
  const line = (r) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
