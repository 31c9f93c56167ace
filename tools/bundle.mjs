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
// and aws-sdk/clients/s3 (log-delivery.js). The three clients bundle cleanly (their API models are static
// JSON requires) into a text embedded in the type's bundle and compiled only when the lib first
// constructs one (lazyAwsSdkV2); clients/all becomes those three constructors. The custom resource and
// the rotation function do not import the lib at all (the engine has its own status and code strings;
// only src/registry/ converts them), so they carry no aws-sdk v2.
//
// Cold start (docs/package.md, `make bench`): besides the lazy v2, the SDK v3 schema modules are made
// tree-shakeable (treeShakeableSdkSchemas), the SDK's dynamic imports static (staticSdkImports) and the
// lib's replaceAll shim the built-in (nativeReplaceAll). Each plugin says why it changes no behaviour.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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

/** aws-sdk v2, bundled apart, beside the type's bundle (loaded on the lib's first v2 client). */
const V2_FILE = 'aws-sdk-v2.js';

/** The v2 clients the lib constructs: module under aws-sdk/clients/ → constructor name. */
const V2_CLIENTS = { cloudwatch: 'CloudWatch', cloudwatchlogs: 'CloudWatchLogs', s3: 'S3' };

/**
 * aws-sdk v2, bundled on its own (one CommonJS text that exports the three constructors) to be embedded
 * in the type's bundle as a string. @returns {Promise<string>}
 */
async function bundleAwsSdkV2() {
  const result = await esbuild.build({
    stdin: {
      contents: `module.exports = {\n${Object.entries(V2_CLIENTS)
        .map(([module, ctor]) => `  ${ctor}: require('aws-sdk/clients/${module}'),`)
        .join('\n')}\n};`,
      resolveDir: root,
      loader: 'js',
      sourcefile: 'aws-sdk-v2.js',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    keepNames: true,
    minify: true,
    legalComments: 'inline',
    write: false,
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root,
  });
  assertOnlyBuiltins('aws-sdk v2', result.metafile);
  return result.outputFiles[0].text;
}

/**
 * The lib's aws-sdk v2 → compiled and loaded on first construction. The lib requires aws-sdk/clients/all
 * (proxy.js), cloudwatch (metrics.js), cloudwatchlogs and s3 (log-delivery.js) at import, but constructs a
 * client only to publish metrics or deliver logs, which CloudFormation asks for per request (with
 * providerCredentials and a log group); `cfn test`, the contract tests and `testEntrypoint` never do.
 * Loaded eagerly, v2 (~520 KB of JavaScript with xml2js, xmlbuilder, sax and jmespath) was evaluated and
 * compiled at every cold start of the type (numbers in docs/package.md). So:
 *
 * - each client module becomes a constructor function that loads v2 when first called and returns the
 *   real client: the lib uses them only as `new ctor(options)` (SessionProxy.client), and `new` yields the
 *   returned object;
 * - v2 itself is bundled apart (bundleAwsSdkV2) into a file beside the bundle, aws-sdk-v2.js, required
 *   on that first call: code in the bundle would be pre-parsed at every cold start even if never run, and
 *   even as a string literal it cost V8 a scan of ~4 ms. It requires only Node built-ins (checked when it
 *   is bundled);
 * - aws-sdk/clients/all would pull every v2 service (~21 MB of JavaScript) only for
 *   SessionProxy.client('<name>') string lookups, which neither the lib nor our handlers make (the lib
 *   passes constructors, our handlers use SDK v3): it becomes the three lazy constructors the lib uses, and
 *   any other name fails loudly.
 * @returns {esbuild.Plugin}
 */
const lazyAwsSdkV2 = () => ({
  name: 'lazy-aws-sdk-v2',
  setup(build) {
    const names = Object.keys(V2_CLIENTS).join('|');
    build.onResolve({ filter: new RegExp(`^aws-sdk/clients/(${names}|all)$`) }, (args) => ({
      path: args.path.slice('aws-sdk/clients/'.length),
      namespace: 'lazy-aws-sdk-v2',
    }));
    build.onResolve({ filter: /^lazy-aws-sdk-v2:load$/ }, () => ({
      path: 'load',
      namespace: 'lazy-aws-sdk-v2',
    }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-aws-sdk-v2' }, (args) => {
      const name = /** @type {keyof typeof V2_CLIENTS | 'all' | 'load'} */ (args.path);
      /** @type {string} */
      let contents;
      if (name === 'load') {
        contents = `
const { createRequire } = require('node:module');
const { join } = require('node:path');
let clients;
module.exports = () => (clients ??= createRequire(__filename)(join(__dirname, '${V2_FILE}')));
`;
      } else if (name === 'all') {
        contents = `
const clients = {
${Object.entries(V2_CLIENTS)
  .map(([module, ctor]) => `  ${ctor}: require('aws-sdk/clients/${module}'),`)
  .join('\n')}
};
module.exports = new Proxy(clients, {
  get(target, name) {
    if (typeof name === 'string' && /^[A-Z]/.test(name) && !(name in target)) {
      throw new Error('aws-sdk v2 client ' + name + ' is not bundled (tools/bundle.mjs); pass its constructor to SessionProxy.client');
    }
    return target[name];
  },
});
`;
      } else {
        const ctor = V2_CLIENTS[name];
        // The loader is required in the call, not at import: its module body (the v2 text) is then only
        // scanned when the bundle is compiled, not parsed again when the lib's modules load.
        contents = `
module.exports = function ${ctor}(options) {
  return new (require('lazy-aws-sdk-v2:load')().${ctor})(options);
};
`;
      }
      return { contents, loader: 'js', resolveDir: root };
    });
  },
});

/**
 * string.prototype.replaceall → the built-in. The lib's utils.js redacts with this es-shims package, whose
 * main export always runs its own spec implementation (~45 KB of es-abstract, get-intrinsic and
 * object-inspect, which look up every intrinsic at import). Node has had String.prototype.replaceAll since
 * 15; the lib calls it as replaceAll(string, substring, replacement), which the built-in does to the same
 * spec.
 * @type {esbuild.Plugin}
 */
const nativeReplaceAll = {
  name: 'native-replaceall',
  setup(build) {
    build.onResolve({ filter: /^string\.prototype\.replaceall$/ }, () => ({
      path: 'string.prototype.replaceall',
      namespace: 'native-replaceall',
    }));
    build.onLoad({ filter: /.*/, namespace: 'native-replaceall' }, () => ({
      contents:
        'module.exports = (string, search, replacement) => String.prototype.replaceAll.call(string, search, replacement);',
      loader: 'js',
    }));
  },
};

/**
 * The default credential chain's profile-file providers (SSO, shared ini files with their assumed roles,
 * credential_process, web identity token files) → a link that passes to the next one. A Lambda function
 * has its role's credentials in its environment (fromEnv, the chain's first link, answers), and the type's
 * handlers get theirs from the request: these links are never reached there, yet with the nested STS and
 * SSO clients they bring they are about a tenth of each bundle. Passing on (tryNextLink) keeps the chain's
 * behaviour where they would not have found credentials either: no profile files exist in Lambda.
 */
const PROFILE_PROVIDERS = /** @type {Record<string, string>} */ ({
  '@aws-sdk/credential-provider-sso': 'fromSSO',
  '@aws-sdk/credential-provider-ini': 'fromIni',
  '@aws-sdk/credential-provider-process': 'fromProcess',
  '@aws-sdk/credential-provider-web-identity': 'fromTokenFile',
});
/** @param {string} name */
const skippedProvider = (name) =>
  `Promise.resolve({ ${name}: () => async () => { throw Object.assign(new Error('${name}: not bundled (a Lambda function has no profile files; tools/bundle.mjs)'), { name: 'CredentialsProviderError', tryNextLink: true }); } })`;

/**
 * SDK v3 dynamic imports → static ones. The default credential chain and a few SDK internals load their
 * parts with `import()` (credential-provider-ini, -sso, -process, -web-identity, -http, -imds, the nested
 * STS/SSO clients, event streams). esbuild keeps an import() of a bundled ES module lazy by wrapping that
 * module in an init function, and with it every module it imports: that is nearly half of each bundle,
 * @smithy/core and @aws-sdk/core included, which are then initialised at import anyway. V8 pre-parses
 * those wrapper bodies while compiling the script and parses them again when they run: importing them
 * statically costs less than the laziness saves (measured: docs/package.md). Their top levels only
 * declare (classes, functions, constants), so evaluating them at import changes nothing else.
 * `node:` built-ins and bowser (the browser user agent parser, never reached on Node) stay dynamic; the
 * profile-file credential providers are left out (PROFILE_PROVIDERS).
 * @type {esbuild.Plugin}
 */
const staticSdkImports = {
  name: 'static-sdk-imports',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]node_modules[\\/]@(aws-sdk|smithy)[\\/][^\\/]+[\\/]dist-es[\\/].*\.js$/ },
      async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import(')) return undefined;
        /** @type {string[]} */
        const imports = [];
        let skipped = 0;
        const contents = source.replace(/\bimport\(\s*"([^"]+)"\s*\)/g, (call, specifier) => {
          if (specifier.startsWith('node:') || specifier === 'bowser') return call;
          const unused = PROFILE_PROVIDERS[specifier];
          if (unused) {
            skipped++;
            return skippedProvider(unused);
          }
          const name = `__static_import_${imports.length}`;
          imports.push(`import * as ${name} from ${JSON.stringify(specifier)};`);
          return `Promise.resolve(${name})`;
        });
        return imports.length + skipped
          ? { contents: `${imports.join('\n')}\n${contents}`, loader: 'js' }
          : undefined;
      },
    );
  },
};

/**
 * SDK v3 schema modules → tree-shakeable. Each client's dist-es/schemas/schemas_0.js declares one schema
 * per shape of the whole service, many with computed keys (`{ [_xN]: _m }`, `_xN` a string constant of the
 * same file). esbuild cannot prove a computed key free of side effects, so it keeps every such schema and
 * everything they reference: EC2's ~540 KB for the handful of operations the engine calls, all compiled
 * and evaluated at every cold start. Replacing each computed key by the literal string its constant holds
 * changes no value, and lets esbuild drop the schemas no command references.
 * @type {esbuild.Plugin}
 */
const treeShakeableSdkSchemas = {
  name: 'tree-shakeable-sdk-schemas',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/].*schemas[\\/]schemas_\d+\.js$/ },
      async (args) => {
        const source = await readFile(args.path, 'utf8');
        /** @type {Map<string, string>} */
        const strings = new Map();
        for (const m of source.matchAll(/^const (_\w+) = ("[^"\\]*");$/gm)) strings.set(m[1], m[2]);
        const contents = source.replace(/([{,]\s*)\[(_\w+)\]:/g, (whole, before, name) =>
          strings.has(name) ? `${before}${strings.get(name)}:` : whole,
        );
        return { contents, loader: 'js' };
      },
    );
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
 * Everything is bundled: the only requires left must be Node built-ins.
 * @param {string} name @param {esbuild.Metafile} metafile
 */
function assertOnlyBuiltins(name, metafile) {
  const externals = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) if (imp.external && !isBuiltin(imp.path)) externals.add(imp.path);
  }
  if (externals.size) throw new Error(`${name}: unbundled imports left: ${[...externals].join(', ')}`);
}

/**
 * @param {{ only?: string[]; outdir?: string; quiet?: boolean }} [options]
 * @returns {Promise<BundleResult[]>}
 */
export async function bundle({ only, outdir = path.join(root, 'build', 'bundle'), quiet = false } = {}) {
  /** @type {BundleResult[]} */
  const results = [];
  /** @type {string | undefined} */
  let v2Source;
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
      plugins: [
        treeShakeableSdkSchemas,
        staticSdkImports,
        ...(entry.usesLib ? [lazyAwsSdkV2(), nativeReplaceAll] : []),
      ],
    });
    if (entry.usesLib) writeFileSync(path.join(outDir, V2_FILE), (v2Source ??= await bundleAwsSdkV2()));
    assertOnlyBuiltins(entry.name, result.metafile);
    writeFileSync(path.join(outDir, 'meta.json'), JSON.stringify(result.metafile));
    const bytes = statSync(outfile).size;
    results.push({ name: entry.name, source: entry.source, outfile, bytes });
    if (!quiet)
      console.error(`bundle: ${entry.name} -> ${path.relative(process.cwd(), outfile)} (${bytes} bytes)`);
  }
  return results;
}

/**
 * The registration package content (what ResourceProvider.zip holds): dist/src/registry/handlers.js and,
 * beside it, the aws-sdk v2 it loads on first use; nothing else (no node_modules: nothing is external).
 */
/** @param {string} dir @param {BundleResult[]} results */
export function layout(dir, results) {
  const handlers = results.find((r) => r.name === 'handlers');
  if (!handlers) throw new Error('layout: the handlers bundle was not built');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'dist', 'src', 'registry'), { recursive: true });
  copyFileSync(handlers.outfile, path.join(dir, 'dist', 'src', 'registry', 'handlers.js'));
  copyFileSync(
    path.join(path.dirname(handlers.outfile), V2_FILE),
    path.join(dir, 'dist', 'src', 'registry', V2_FILE),
  );
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
