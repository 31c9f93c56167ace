#!/usr/bin/env node
// `make bench`: what one lock operation costs, measured side by side in one run on moto (through the
// AWS emulator, which counts every call). Prints one table; docs/package.md keeps its latest output.
// Needs dist/ (make build) and the esbuild bundles (built here into a scratch directory).
//
//   node tools/bench.mjs                     the whole table
//   node tools/bench.mjs --only cold-start   only the bundles' cold start rows (no moto; seconds)
//   node tools/bench.mjs --only calls        only the rows measured on moto
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
/** @param {string} p @returns {any} */
const dist = (p) => require(path.join(root, 'dist', p));
const { startMoto } = dist('bench/moto.js');
const { startEmulator } = dist('bench/aws-emulator/proxy.js');
const { isRead } = dist('bench/aws-emulator/wire.js');
const { buildFixture, TEST_CREDENTIALS, TEST_REGION } = dist('bench/fixtures.js');
const { testRequest } = dist('bench/handler-request.js');
const { createClients } = dist('src/aws/clients.js');
const { createLock, readLock, updateLock, listLocks } = dist('src/engine/lifecycle.js');
const { markerTags } = dist('src/engine/record.js');
const {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  SetSecurityGroupsCommand,
} = require('@aws-sdk/client-elastic-load-balancing-v2');
const { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } = require('@aws-sdk/client-ec2');

/** @type {string[][]} */
const rows = [];
/** @param {string} what @param {unknown} value @param {string} [note] */
const row = (what, value, note = '') => rows.push([what, String(value), note]);
const quiet = () => undefined;
/** Cold start runs per bundle (and of the empty node). */
const RUNS = 11;

/** G more security groups on the fixture's load balancer, each admitting the internet on the listener port. */
async function addOpenGroups(/** @type {any} */ c, /** @type {any} */ f, /** @type {number} */ extra) {
  const ids = [f.securityGroupId];
  for (let i = 0; i < extra; i++) {
    const sg = await c.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `${f.name}-open-${i}`,
        Description: 'bench',
        VpcId: f.vpcId,
      }),
    );
    await c.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: sg.GroupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: f.listenerPort,
            ToPort: f.listenerPort,
            IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          },
        ],
      }),
    );
    ids.push(sg.GroupId);
  }
  if (extra > 0)
    await c.elbv2.send(
      new SetSecurityGroupsCommand({ LoadBalancerArn: f.loadBalancerArn, SecurityGroups: ids }),
    );
}

/** L more application load balancers carrying the marker tag a lock puts on its load balancer. */
async function markLoadBalancers(/** @type {any} */ c, /** @type {any} */ f, /** @type {number} */ count) {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async (_, j) => {
        const lb = await c.elbv2.send(
          new CreateLoadBalancerCommand({ Name: `m-${i + j}`, Subnets: f.subnetIds, Type: 'application' }),
        );
        const id = (i + j).toString(16).padStart(16, '0');
        await c.elbv2.send(
          new AddTagsCommand({
            ResourceArns: [lb.LoadBalancers[0].LoadBalancerArn],
            Tags: Object.entries(markerTags([id])).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
      }),
    );
  }
}

/** @param {string[]} argv @returns {'calls' | 'cold-start' | undefined} */
function parseOnly(argv) {
  if (argv.length === 0) return undefined;
  if (argv.length === 2 && argv[0] === '--only' && (argv[1] === 'calls' || argv[1] === 'cold-start'))
    return argv[1];
  throw new Error(`bench.mjs: unknown arguments ${argv.join(' ')} (--only calls|cold-start)`);
}

/** The AWS calls of each operation, counted at the emulator, and the handler's overhead on READ. */
async function calls() {
  const moto = await startMoto();
  const emulator = await startEmulator({
    target: moto.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    ORIGIN_LOCK_WAIT_SECONDS: '0',
  });
  const clients = (endpoint = emulator.endpoint) =>
    createClients({ region: TEST_REGION, credentials: { ...TEST_CREDENTIALS }, endpoint });
  const count = () => {
    const ops = emulator.events
      .splice(0)
      .filter((/** @type {{ operation: string }} */ e) => e.operation !== '');
    const reads = ops.filter((/** @type {{ operation: string }} */ e) => isRead(e.operation)).length;
    return { reads, writes: ops.length - reads };
  };
  /** @param {any} f */
  const model = (f) => ({
    ListenerArn: f.listenerArn,
    DistributionId: f.distributionId,
    SecretArn: f.secretArn,
  });
  /** @param {(ctx: any) => Promise<any>} step @returns {Promise<any>} */
  const drive = async (step) => {
    let ctx = {};
    for (;;) {
      const out = await step(ctx);
      if (out.status !== 'IN_PROGRESS') return out;
      ctx = out.callbackContext ?? {};
    }
  };
  try {
    // Calls per operation with N forwarding rules (besides the listener default) and G security groups
    // on the load balancer, each with one rule open to the internet on the listener port.
    for (const [n, g] of [
      [2, 1],
      [20, 1],
      [90, 1],
      [2, 4],
      [90, 4],
    ]) {
      await moto.reset();
      const f = await buildFixture({ name: `b${n}g${g}` });
      const direct = clients(moto.endpoint);
      await addOpenGroups(direct, f, g - 1);
      for (let i = 0; i < n; i++)
        await direct.elbv2.send(
          new CreateRuleCommand({
            ListenerArn: f.listenerArn,
            Priority: 100 + i,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/p${i}/*`] } }],
            Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
          }),
        );
      emulator.events.length = 0;
      const c = clients();
      const created = await drive((/** @type {any} */ ctx) => createLock(c, model(f), ctx, quiet, 'bench'));
      const cw = count();
      const at = `N=${n} rules, ${g} group${g > 1 ? 's' : ''}`;
      row(
        `CREATE writes, ${at}, ${g} open rule${g > 1 ? 's' : ''}`,
        cw.writes,
        `target 6+N+S+O = ${6 + n + 2 * g}; reads ${cw.reads}`,
      );
      await readLock(c, created.model, quiet);
      row(`READ calls, ${at}`, count().reads, 'target ≤ 8');
      await drive((/** @type {any} */ ctx) => updateLock(c, created.model, created.model, ctx, quiet));
      const u = count();
      row(`no-op UPDATE reads / writes, ${at}`, `${u.reads} / ${u.writes}`, 'target ≤ 10 / 0');
    }

    // READ through the handler entrypoint vs the same engine call made directly (moto, no emulator).
    await moto.reset();
    const f = await buildFixture({ name: 'hr' });
    const direct = clients(moto.endpoint);
    const created = await drive((/** @type {any} */ ctx) =>
      createLock(direct, model(f), ctx, quiet, 'bench'),
    );
    const { resource } = dist('src/registry/handlers.js');
    const origLog = console.log;
    // Interleaved, handler then direct, so a change in the machine's load hits both sides alike.
    const reps = 15;
    /** @param {() => Promise<unknown>} fn */
    const once = async (fn) => {
      const t = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const viaHandler = () =>
      resource.testEntrypoint(testRequest({ action: 'READ', properties: created.model }), {});
    const directly = () => readLock(direct, created.model, quiet);
    console.log = () => undefined;
    await viaHandler(); // warm both paths
    await directly();
    /** @type {number[]} */ const ratios = [];
    /** @type {number[]} */ const handlerMs = [];
    /** @type {number[]} */ const directMs = [];
    for (let i = 0; i < reps; i++) {
      const h = await once(viaHandler);
      const d = await once(directly);
      handlerMs.push(h);
      directMs.push(d);
      ratios.push(h / d);
    }
    console.log = origLog;
    /** @param {number[]} xs */
    const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    row(
      'READ via handler testEntrypoint / direct',
      `${mid(ratios).toFixed(2)}×`,
      `${mid(handlerMs).toFixed(0)} ms vs ${mid(directMs).toFixed(0)} ms (medians of ${reps}, interleaved)`,
    );

    // LIST with L locked load balancers: one real lock, the others marked as a lock marks its load balancer
    // (LIST reads only those marker tags, through the tagging API, a page of up to 100 at a time).
    for (const l of [1, 50, 300]) {
      await moto.reset();
      const direct2 = clients(moto.endpoint);
      const fx = await buildFixture({ name: `l${l}` });
      await drive((/** @type {any} */ ctx) => createLock(direct2, model(fx), ctx, quiet, `bench-${l}`));
      await markLoadBalancers(direct2, fx, l - 1);
      emulator.events.length = 0;
      const out = await listLocks(clients(), quiet);
      row(`LIST calls, ${l} locked ALBs`, count().reads, `${out.models.length} locks found`);
    }
  } finally {
    await emulator.stop();
    await moto.stop();
  }
}

/**
 * Cold start: require each bundle in a fresh node, vs an empty node. The machine may be shared: the
 * runs go round robin (empty node, then each bundle, RUNS times), each bundle's ratio is the median of
 * its ratios to the empty node of the same round (processes that saw about the same load), and the
 * times are medians. What is timed is the process (start, require, exit); the handler's first invocation
 * (SDK clients built, first calls) comes on top on Lambda and is not part of this row.
 */
function coldStart() {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'origin-lock-bench-'));
  try {
    execFileSync(process.execPath, [path.join(root, 'tools', 'bundle.mjs'), '--quiet', '--outdir', scratch]);
    /** @param {string | undefined} file @returns {{ ms: number; rss: number; wall: number }} */
    const probe = (file) => {
      const script = file
        ? `const t=process.hrtime.bigint();require(${JSON.stringify(file)});const ms=Number(process.hrtime.bigint()-t)/1e6;console.log(JSON.stringify({ms,rss:process.resourceUsage().maxRSS}))`
        : `console.log(JSON.stringify({ms:0,rss:process.resourceUsage().maxRSS}))`;
      const t = process.hrtime.bigint();
      const out = JSON.parse(
        execFileSync(process.execPath, ['-e', script], {
          cwd: scratch,
          env: { PATH: process.env.PATH, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
        }).toString(),
      );
      return { ...out, wall: Number(process.hrtime.bigint() - t) / 1e6 };
    };
    /** @param {number[]} xs */
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const names = ['handlers', 'custom-resource', 'rotation', 'guardian'].filter((n) =>
      existsSync(path.join(scratch, n, 'index.js')),
    );
    const files = [undefined, ...names.map((n) => path.join(scratch, n, 'index.js'))];
    /** @type {{ ms: number; rss: number; wall: number }[][]} */
    const runs = files.map(() => []);
    for (let i = 0; i < RUNS; i++) files.forEach((file, j) => runs[j].push(probe(file)));
    const [empty, ...bundles] = runs.map((r) => ({
      wall: median(r.map((x) => x.wall)),
      load: median(r.map((x) => x.ms)),
      rss: Math.max(...r.map((x) => x.rss)),
      ratio: median(r.map((x, i) => x.wall / runs[0][i].wall)),
    }));
    row(
      "cold start node -e ''",
      `${empty.wall.toFixed(0)} ms`,
      `peak RSS ${(empty.rss / 1024).toFixed(0)} MB; medians of ${RUNS} runs`,
    );
    names.forEach((name, j) => {
      const m = bundles[j];
      row(
        `cold start bundle ${name}`,
        `${m.ratio.toFixed(2)}×`,
        `${m.wall.toFixed(0)} ms (require ${m.load.toFixed(0)} ms), peak RSS ${(m.rss / 1024).toFixed(0)} MB`,
      );
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const only = parseOnly(process.argv.slice(2));
  if (only !== 'cold-start') await calls();
  if (only !== 'calls') coldStart();

  const widths = [0, 1, 2].map((i) =>
    Math.max(...rows.map((r) => r[i].length), ['measure', 'value', 'detail'][i].length),
  );
  /** @param {string[]} r */
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(['measure', 'value', 'detail']));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
