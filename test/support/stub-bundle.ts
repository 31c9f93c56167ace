import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in for build/bundle/custom-resource/ (what `make bundle` writes), so that synthesizing an
 * OriginLock with provider 'custom-resource' needs no build: synthesis only copies and hashes the
 * directory. test/bundle.test.ts runs the real bundle.
 */
export function stubCustomResourceBundle(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'origin-lock-bundle-'));
  writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => undefined;\n');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
