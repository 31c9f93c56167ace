#!/usr/bin/env node
// Bundles every Lambda entry of the project with esbuild, one self-contained CommonJS file each:
//
//   handlers         src/registry/handlers.ts                the registered type (Acme::Origin::Lock)
//   custom-resource  src/custom-resource/index.ts   Custom::OriginLock
//   rotation         src/rotation/index.ts                the secret rotation function (when it exists)
//   guardian         src/guardian/index.ts                continuous enforcement (the guardian)
//
// into build/bundle/<entry>/index.js (+ index.js.map and meta.json beside it, not shipped).
//
// Usage:
//   node tools/bundle.mjs                      bundle every entry that exists
//   node tools/bundle.mjs --only handlers      just these entries (comma-separated)
//   node tools/bundle.mjs --cfn-build TypeFunction
//       what `.rpdk-config` settings.buildCommand runs for `cfn submit` (the TypeScript plugin appends
//       the function name): also lays out build/TypeFunction/ under the current directory, which the
//       plugin zips as ResourceProvider.zip; its `entrypoint` dist/src/registry/handlers.entrypoint needs
//       dist/src/registry/handlers.js there.
//   --layout DIR      lay the registration package out in DIR (what --cfn-build does under build/)
//   --outdir DIR      bundle into DIR/<entry>/ instead of build/bundle/ (tests use a scratch directory)
//   --quiet           no size report
//
// Kept names: the cfn typescript lib derives handler error codes from exception class names
// (BaseHandlerException uses this.constructor.name), so `keepNames` stays on with minification.
//
// Nothing is external. The lib (1.0.5) needs aws-sdk v2 at run time, and the Node.js Lambda runtimes
// ship only SDK v3, so v2 must travel with the handler. What the lib requires at import is exactly
// aws-sdk/clients/all (proxy.js), aws-sdk/clients/cloudwatch (metrics.js), aws-sdk/clients/cloudwatchlogs
// and aws-sdk/clients/s3 (log-delivery.js). All four bundle cleanly (their API models are static JSON
// requires). clients/all would pull every v2 service (~21 MB of JavaScript) only for
// SessionProxy.client('<name>') string lookups, which neither the lib nor our handlers make (the lib
// passes constructors, our handlers use SDK v3), so it is replaced by a module exposing the three
// constructors the lib uses; any other name fails loudly. The custom resource and the rotation
// function do not import the lib at all (the engine has its own status and code strings; only
// src/registry/ converts them), so they carry no aws-sdk v2.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const ENTRIES = [
  { name: 'handlers', source: 'src/registry/handlers.ts', usesLib: true },
  { name: 'custom-resource', source: 'src/custom-resource/index.ts', usesLib: false },
  { name: 'rotation', source: 'src/rotation/index.ts', usesLib: false },
  // Publishes findings with the EventBridge and SNS clients and asks CloudFormation about stack
  // operations (a missing client skips the entry, loudly).
  {
    name: 'guardian',
    source: 'src/guardian/index.ts',
    usesLib: false,
    needs: ['@aws-sdk/client-eventbridge', '@aws-sdk/client-sns', '@aws-sdk/client-cloudformation'],
  },
];

/** aws-sdk/clients/all → only the v2 clients the lib itself constructs. @type {esbuild.Plugin} */
const awsSdkV2ClientsAll = {
  name: 'aws-sdk-v2-clients-all',
  setup(build) {
    build.onResolve({ filter: /^aws-sdk\/clients\/all$/ }, () => ({
      path: 'clients-all',
      namespace: 'shim',
    }));
    build.onLoad({ filter: /.*/, namespace: 'shim' }, () => ({
      resolveDir: root,
      loader: 'js',
      contents: `
const clients = {
  CloudWatch: require('aws-sdk/clients/cloudwatch'),
  CloudWatchLogs: require('aws-sdk/clients/cloudwatchlogs'),
  S3: require('aws-sdk/clients/s3'),
};
module.exports = new Proxy(clients, {
  get(target, name) {
    if (typeof name === 'string' && /^[A-Z]/.test(name) && !(name in target)) {
      throw new Error('aws-sdk v2 client ' + name + ' is not bundled (tools/bundle.mjs); pass its constructor to SessionProxy.client');
    }
    return target[name];
  },
});
`,
    }));
  },
};

/**
 * @typedef {{ only?: string[]; layout?: string; outdir?: string; quiet: boolean }} Args
 * @typedef {{ name: string; source: string; outfile: string; bytes: number }} BundleResult
 */

/** @param {string[]} argv @returns {Args} */
function parseArgs(argv) {
  /** @type {Args} */
  const args = { quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') args.only = argv[++i].split(',');
    else if (a === '--layout') args.layout = path.resolve(argv[++i]);
    else if (a === '--outdir') args.outdir = path.resolve(argv[++i]);
    else if (a === '--cfn-build') {
      // The plugin runs this in the project directory and zips build/<function name>/ from there.
      const fn = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'TypeFunction';
      args.layout = path.resolve('build', fn);
    } else if (a === '--quiet') args.quiet = true;
    else throw new Error(`bundle.mjs: unknown argument ${a}`);
  }
  return args;
}

/** @param {string} p */
const isBuiltin = (p) => p.startsWith('node:') || builtinModules.includes(p.split('/')[0]);

/**
 * @param {{ only?: string[]; outdir?: string; quiet?: boolean }} [options]
 * @returns {Promise<BundleResult[]>}
 */
export async function bundle({ only, outdir = path.join(root, 'build', 'bundle'), quiet = false } = {}) {
  /** @type {BundleResult[]} */
  const results = [];
  for (const entry of ENTRIES) {
    if (only && !only.includes(entry.name)) continue;
    const source = path.join(root, entry.source);
    if (!existsSync(source)) {
      if (!quiet) console.error(`bundle: ${entry.source} does not exist, skipping ${entry.name}`);
      continue;
    }
    const missing = (entry.needs ?? []).filter((p) => !existsSync(path.join(root, 'node_modules', p)));
    if (missing.length) {
      if (!quiet) console.error(`bundle: ${missing.join(', ')} not installed, skipping ${entry.name}`);
      continue;
    }
    const outDir = path.join(outdir, entry.name);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const outfile = path.join(outDir, 'index.js');
    const result = await esbuild.build({
      entryPoints: [source],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // ESM builds of the SDK v3 packages tree-shake; CommonJS-only packages still resolve through main.
      mainFields: ['module', 'main'],
      keepNames: true,
      minify: true,
      sourcemap: 'external',
      legalComments: 'eof',
      metafile: true,
      logLevel: 'warning',
      absWorkingDir: root,
      plugins: entry.usesLib ? [awsSdkV2ClientsAll] : [],
    });
    // Everything is bundled: the only requires left must be Node built-ins.
    const externals = new Set();
    for (const output of Object.values(result.metafile.outputs)) {
      for (const imp of output.imports) if (imp.external && !isBuiltin(imp.path)) externals.add(imp.path);
    }
    if (externals.size)
      throw new Error(`${entry.name}: unbundled imports left: ${[...externals].join(', ')}`);
    writeFileSync(path.join(outDir, 'meta.json'), JSON.stringify(result.metafile));
    const bytes = statSync(outfile).size;
    results.push({ name: entry.name, source: entry.source, outfile, bytes });
    if (!quiet)
      console.error(`bundle: ${entry.name} -> ${path.relative(process.cwd(), outfile)} (${bytes} bytes)`);
  }
  return results;
}

/**
 * The registration package content (what ResourceProvider.zip holds): dist/src/registry/handlers.js, nothing else
 * (no node_modules: nothing is external).
 */
/** @param {string} dir @param {BundleResult[]} results */
export function layout(dir, results) {
  const handlers = results.find((r) => r.name === 'handlers');
  if (!handlers) throw new Error('layout: the handlers bundle was not built');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'dist', 'src', 'registry'), { recursive: true });
  copyFileSync(handlers.outfile, path.join(dir, 'dist', 'src', 'registry', 'handlers.js'));
  return dir;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const only =
    args.layout && args.only && !args.only.includes('handlers') ? [...args.only, 'handlers'] : args.only;
  const results = await bundle({ only, outdir: args.outdir, quiet: args.quiet });
  if (args.layout) {
    layout(args.layout, results);
    if (!args.quiet) console.error(`bundle: registration package laid out in ${args.layout}`);
  }
}

// Run as a script (also through a symlinked tools/ directory, as tools/package.sh does).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
