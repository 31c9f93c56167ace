#!/usr/bin/env node
// Measures the registration package and the handler's cold start, ours (esbuild bundle) beside the
// cfn-cli TypeScript plugin's default build (tsc output + production node_modules), and writes the
// numbers into the generated section of docs/package.md. A benchmark, not a test: `make bench-package`.
//
//   node tools/measure-package.mjs [--runs N] [--no-submit] [--no-write] [--copy-node-modules]
//
//   --runs N             fresh Node processes per variant for the cold-start median (default 15)
//   --no-submit          skip `tools/package.sh` (the real `cfn submit --dry-run` zip)
//   --no-write           print the section instead of writing docs/package.md
//   --copy-node-modules  build the default variant's node_modules by copying the packages
//                        `npm ls --omit=dev` names from ./node_modules instead of `npm ci --omit=dev`
//                        (offline; same lockfile, so the same tree)
//
// Sizes: "unpacked" is the sum of the file sizes; "zip (stored)" is a ZIP without compression, the
// way cfn-cli 0.2.41 writes ResourceProvider.zip (zipfile.ZipFile's default ZIP_STORED); "zip
// (deflated)" is the same files deflated, as a Lambda deployment package is usually uploaded.
// Cold start: median wall time of require('<handler module>') inside a fresh `node` process (the
// import alone, measured with process.hrtime in that process), and median wall time of the whole
// process (spawn to exit), after two discarded warm-up runs, the variants interleaved.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOC = path.join(root, 'docs', 'package.md');
const BEGIN = '<!-- BEGIN GENERATED: tools/measure-package.mjs -->';
const END = '<!-- END GENERATED: tools/measure-package.mjs -->';

/**
 * @typedef {{ files: number; unpacked: number; stored: number; deflated: number }} Size
 * @typedef {{ key: string; module: string }} Variant
 * @typedef {{ importMs: number; wallMs: number; minImportMs: number; maxImportMs: number }} ColdStart
 */

/** @param {string[]} argv */
function parseArgs(argv) {
  const args = { runs: 15, submit: true, write: true, copyNodeModules: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--no-submit') args.submit = false;
    else if (a === '--no-write') args.write = false;
    else if (a === '--copy-node-modules') args.copyNodeModules = true;
    else throw new Error(`measure-package: unknown argument ${a}`);
  }
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs must be a positive integer');
  return args;
}

/** @param {string} m */
const log = (m) => console.error(`[measure] ${m}`);
const python = existsSync(path.join(root, '.venv', 'bin', 'python'))
  ? path.join(root, '.venv', 'bin', 'python')
  : 'python3';

/** @param {string} dir @returns {{ bytes: number; files: number }} */
function treeBytes(dir) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = treeBytes(full);
      bytes += sub.bytes;
      files += sub.files;
    } else if (entry.isFile()) {
      bytes += statSync(full).size;
      files++;
    }
  }
  return { bytes, files };
}

/** Zips `dir` with Python's zipfile (stored or deflated) and returns the zip's size. */
/** @param {string} dir @param {string} out @param {'stored' | 'deflated'} compression */
function zipBytes(dir, out, compression) {
  const script = `
import os, sys, zipfile
src, out, mode = sys.argv[1:4]
comp = zipfile.ZIP_DEFLATED if mode == "deflated" else zipfile.ZIP_STORED
with zipfile.ZipFile(out, "w", compression=comp, strict_timestamps=False) as z:
    for base, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(base, name)
            z.write(full, os.path.relpath(full, src))
print(os.path.getsize(out))
`;
  return Number(execFileSync(python, ['-c', script, dir, out, compression], { encoding: 'utf8' }).trim());
}

/** @param {string} dir @param {string} scratch @param {string} label @returns {Size} */
function sizeOf(dir, scratch, label) {
  const { bytes, files } = treeBytes(dir);
  return {
    files,
    unpacked: bytes,
    stored: zipBytes(dir, path.join(scratch, `${label}-stored.zip`), 'stored'),
    deflated: zipBytes(dir, path.join(scratch, `${label}-deflated.zip`), 'deflated'),
  };
}

const childEnv = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  // The v2 SDK's end-of-support note (skipped on Lambda anyway) stays out of the timing.
  AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  AWS_REGION: 'us-east-1',
});

/**
 * One fresh process: [import ms measured inside, whole-process wall ms].
 * @param {string} modulePath @param {string} cwd @returns {[number, number]}
 */
function coldStart(modulePath, cwd) {
  const script =
    'const t=process.hrtime.bigint();require(process.argv[1]);' +
    'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-e', script, modulePath], {
    cwd,
    env: childEnv(),
    encoding: 'utf8',
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`require(${modulePath}) failed:\n${result.stderr}`);
  return [Number(result.stdout), wall];
}

/** @param {string} cwd */
function baselineProcess(cwd) {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', ''], { cwd, env: childEnv() });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * @param {Variant[]} variants @param {number} runs @param {string} cwd
 * @returns {{ byVariant: Record<string, ColdStart>; baselineWallMs: number }}
 */
function measureColdStarts(variants, runs, cwd) {
  /** @type {Record<string, { imports: number[]; walls: number[] }>} */
  const samples = Object.fromEntries(variants.map((v) => [v.key, { imports: [], walls: [] }]));
  /** @type {number[]} */
  const baseline = [];
  for (let i = -2; i < runs; i++) {
    for (const v of variants) {
      const [imp, wall] = coldStart(v.module, cwd);
      if (i >= 0) {
        samples[v.key].imports.push(imp);
        samples[v.key].walls.push(wall);
      }
    }
    const b = baselineProcess(cwd);
    if (i >= 0) baseline.push(b);
  }
  /** @type {Record<string, ColdStart>} */
  const byVariant = {};
  for (const v of variants) {
    byVariant[v.key] = {
      importMs: median(samples[v.key].imports),
      wallMs: median(samples[v.key].walls),
      minImportMs: Math.min(...samples[v.key].imports),
      maxImportMs: Math.max(...samples[v.key].imports),
    };
  }
  return { byVariant, baselineWallMs: median(baseline) };
}

/** The plugin's default build: tsc output + package.json + production dependencies. */
/** @param {string} dir @param {boolean} copyNodeModules */
function buildDefault(dir, copyNodeModules) {
  mkdirSync(dir, { recursive: true });
  log('default build: tsc -p tsconfig.build.json');
  execFileSync(
    path.join(root, 'node_modules', '.bin', 'tsc'),
    ['-p', 'tsconfig.build.json', '--outDir', path.join(dir, 'dist')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  cpSync(path.join(root, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  if (!copyNodeModules) {
    log('default build: npm ci --omit=dev --ignore-scripts --prefer-offline');
    const r = spawnSync(
      'npm',
      [
        'ci',
        '--omit=dev',
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ],
      {
        cwd: dir,
        stdio: 'inherit',
      },
    );
    if (r.status === 0) return 'npm ci --omit=dev';
    log('npm ci failed; copying the production packages from ./node_modules instead');
  }
  const listing = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const modules = path.join(root, 'node_modules');
  for (const pkg of listing.split('\n').filter((p) => p.startsWith(modules + path.sep))) {
    cpSync(pkg, path.join(dir, 'node_modules', path.relative(modules, pkg)), {
      recursive: true,
      dereference: true,
    });
  }
  return 'production packages of `npm ls --omit=dev` copied from ./node_modules';
}

/** @param {number} n */
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
/** @param {number} n */
const ms = (n) => `${Math.round(n)} ms`;
/** @param {number} a @param {number} b */
const ratio = (a, b) => `${(a / b).toFixed(1)}×`;

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'origin-lock-measure-'));
  try {
    log(`scratch directory ${scratch}`);
    // Ours: the bundles, and the registration package layout the build command produces.
    execFileSync(
      process.execPath,
      [
        path.join(root, 'tools', 'bundle.mjs'),
        '--quiet',
        '--outdir',
        path.join(scratch, 'bundle'),
        '--layout',
        path.join(scratch, 'ours'),
      ],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    const ours = sizeOf(path.join(scratch, 'ours'), scratch, 'ours');
    const extra = ['custom-resource', 'rotation']
      .filter((name) => existsSync(path.join(scratch, 'bundle', name, 'index.js')))
      .map((name) => {
        const dir = path.join(scratch, `lambda-${name}`);
        mkdirSync(dir);
        cpSync(path.join(scratch, 'bundle', name, 'index.js'), path.join(dir, 'index.js'));
        return { name, module: path.join(dir, 'index.js'), size: sizeOf(dir, scratch, `lambda-${name}`) };
      });

    const defaultDir = path.join(scratch, 'default');
    const depsHow = buildDefault(defaultDir, args.copyNodeModules);
    const def = sizeOf(defaultDir, scratch, 'default');

    let submitted;
    if (args.submit) {
      log('cfn submit --dry-run (tools/package.sh)');
      execFileSync('bash', [path.join(root, 'tools', 'package.sh')], { cwd: root, stdio: 'inherit' });
      submitted = statSync(path.join(root, 'acme-origin-lock.zip')).size;
    }

    log(`cold start: ${args.runs} fresh processes per variant`);
    const cwd = path.join(scratch, 'cwd');
    mkdirSync(cwd);
    const variants = [
      { key: 'ours', module: path.join(scratch, 'ours', 'dist', 'src', 'registry', 'handlers.js') },
      { key: 'default', module: path.join(defaultDir, 'dist', 'src', 'registry', 'handlers.js') },
      ...extra.map((e) => ({ key: e.name, module: e.module })),
    ];
    const loadBefore = os.loadavg()[0];
    const { byVariant: cold, baselineWallMs } = measureColdStarts(variants, args.runs, cwd);

    const lines = [
      BEGIN,
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} with \`node tools/measure-package.mjs --runs ${args.runs}\` ` +
        `(Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${os.platform()}, ` +
        `1-minute load average ${loadBefore.toFixed(1)} before the timing runs).`,
      '',
      '| | ours: esbuild bundle | plugin default: tsc + production node_modules | default / ours |',
      '| --- | ---: | ---: | ---: |',
      `| files in ResourceProvider.zip | ${ours.files} | ${def.files} | |`,
      `| unpacked | ${mb(ours.unpacked)} | ${mb(def.unpacked)} | ${ratio(def.unpacked, ours.unpacked)} |`,
      `| zip, stored (as cfn-cli writes it) | ${mb(ours.stored)} | ${mb(def.stored)} | ${ratio(def.stored, ours.stored)} |`,
      `| zip, deflated | ${mb(ours.deflated)} | ${mb(def.deflated)} | ${ratio(def.deflated, ours.deflated)} |`,
      `| cold start: import of dist/src/registry/handlers.js, median | ${ms(cold.ours.importMs)} | ${ms(cold.default.importMs)} | ${ratio(cold.default.importMs, cold.ours.importMs)} |`,
      `| cold start: import, min – max | ${ms(cold.ours.minImportMs)} – ${ms(cold.ours.maxImportMs)} | ${ms(cold.default.minImportMs)} – ${ms(cold.default.maxImportMs)} | |`,
      `| whole \`node\` process incl. import, median | ${ms(cold.ours.wallMs)} | ${ms(cold.default.wallMs)} | |`,
      '',
      `An empty \`node -e ""\` process takes ${ms(baselineWallMs)} (median) on the same machine.`,
      submitted !== undefined
        ? `\`make package\` (\`cfn submit --dry-run\`) wrote acme-origin-lock.zip: ${mb(submitted)} (${submitted} bytes; ResourceProvider.zip inside it, plus the schema, .rpdk-config and src/).`
        : '`cfn submit --dry-run` was skipped (--no-submit).',
      `Default variant's dependencies: ${depsHow}.`,
      '',
      'Other Lambda bundles (one file each, `index.handler`):',
      '',
      '| bundle | unpacked | zip, deflated | import, median |',
      '| --- | ---: | ---: | ---: |',
      ...extra.map(
        (e) =>
          `| ${e.name} | ${mb(e.size.unpacked)} | ${mb(e.size.deflated)} | ${ms(cold[e.name].importMs)} |`,
      ),
      '',
      END,
    ];
    const section = lines.join('\n');
    if (!args.write) {
      console.log(section);
      return;
    }
    const doc = existsSync(DOC)
      ? readFileSync(DOC, 'utf8')
      : `# Package size and cold start\n\n${BEGIN}\n${END}\n`;
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    if (start < 0 || end < start) throw new Error(`${DOC} has no generated section (${BEGIN} … ${END})`);
    writeFileSync(DOC, doc.slice(0, start) + section + doc.slice(end + END.length));
    log(`wrote ${path.relative(root, DOC)}`);
    console.log(section);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
