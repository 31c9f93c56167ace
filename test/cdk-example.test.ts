/**
 * examples/cdk/app.ts synthesized offline, in process (no cdk CLI, no credentials), and its template
 * checked like the YAML examples: cfn-lint with this type's schema (tools/cfn-lint-examples.sh) and the
 * Guard rules (tools/guard-check.sh).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildApp } from '../examples/cdk/app';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');

let outdir: string;
let templatePath: string;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'origin-lock-cdk-'));
  templatePath = buildApp(outdir).synth().getStackByName('LockedWeb').templateFullPath;
});
// KEEP_CDK_OUT=1 keeps the cloud assembly to look at.
afterAll(() => {
  if (!process.env.KEEP_CDK_OUT) rmSync(outdir, { recursive: true, force: true });
});

test('the example declares the lock, a generated secret and the header on the distribution', () => {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const types = Object.values(template.Resources).map((r) => r.Type);
  expect(types).toEqual(
    expect.arrayContaining([
      'Acme::Origin::Lock',
      'AWS::SecretsManager::Secret',
      'AWS::CloudFront::Distribution',
    ]),
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
