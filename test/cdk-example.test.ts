/**
 * examples/cdk/app.ts synthesized offline, in process (no cdk CLI, no credentials), once with each
 * provider, and each template checked like the YAML examples: cfn-lint with this type's schema
 * (tools/cfn-lint-examples.sh) and the Guard rules (tools/guard-check.sh).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildApp } from '../examples/cdk/app';
import { CUSTOM_RESOURCE_BUNDLE_CONTEXT } from '../packages/cdk/src';
import { stubCustomResourceBundle } from './support/stub-bundle';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

const outdirs: string[] = [];
const bundle = stubCustomResourceBundle();

/** The LockedWeb template synthesized with `context` (its path). */
function synth(context: Record<string, string>): string {
  const outdir = mkdtempSync(join(tmpdir(), 'origin-lock-cdk-'));
  outdirs.push(outdir);
  return buildApp(outdir, context).synth().getStackByName('LockedWeb').templateFullPath;
}

const resourcesOf = (templatePath: string): Resource[] =>
  Object.values(
    (JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, Resource> }).Resources,
  );

// KEEP_CDK_OUT=1 keeps the cloud assemblies to look at.
afterAll(() => {
  bundle.remove();
  if (!process.env.KEEP_CDK_OUT) for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['registry', 'Acme::Origin::Lock', {}],
  [
    'custom-resource',
    'Custom::OriginLock',
    { provider: 'custom-resource', [CUSTOM_RESOURCE_BUNDLE_CONTEXT]: bundle.dir },
  ],
])('provider %s', (_provider, lockType, context: Record<string, string>) => {
  let templatePath: string;
  beforeAll(() => {
    templatePath = synth(context);
  });

  test('the example declares the lock, a generated secret and the header on the distribution', () => {
    const types = resourcesOf(templatePath).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining([lockType, 'AWS::SecretsManager::Secret', 'AWS::CloudFront::Distribution']),
    );
  });

  test('cfn-lint with the Acme::Origin::Lock schema finds nothing', async () => {
    const { stdout } = await run('bash', ['tools/cfn-lint-examples.sh', templatePath], { cwd: ROOT });
    expect(stdout).toContain('1 templates clean');
  });

  test('the Guard rules pass', async () => {
    const { stdout } = await run('bash', ['tools/guard-check.sh', templatePath], { cwd: ROOT });
    expect(stdout).toContain(`PASS ${templatePath}`);
  });
});

test('provider custom-resource: the function is the lock provider, nothing is registered', () => {
  const resources = resourcesOf(
    synth({ provider: 'custom-resource', [CUSTOM_RESOURCE_BUNDLE_CONTEXT]: bundle.dir }),
  );
  expect(resources.filter((r) => r.Type === 'Acme::Origin::Lock')).toHaveLength(0);
  expect(resources.filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(1);
});
