/**
 * Tests that go through the Invoke endpoint run the compiled handler (dist/), as Lambda would. This
 * rebuilds dist/ when it is missing or older than any source file, so `npx jest` on its own cannot
 * test stale code; `make jest`/`make test` build first, and then this is a cheap mtime scan.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../bench/paths';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Outputs the benches need; the oldest of them must be newer than every file in src/. */
const OUTPUTS = ['dist/src/registry/handlers.js', 'dist/bench/invoke-server.js'];

export function ensureBuilt(): void {
  const root = repoRoot();
  const outputs = OUTPUTS.map((file) => path.join(root, file));
  const stale =
    outputs.some((file) => !existsSync(file)) ||
    Math.min(...outputs.map((file) => statSync(file).mtimeMs)) <
      Math.max(...['src', 'bench', 'demo'].map((dir) => newestMtime(path.join(root, dir))));
  if (!stale) return;
  try {
    execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (err) {
    // tsc still emits JavaScript on type errors; the typecheck stage reports those. Only a build that
    // produced nothing is fatal here.
    if (outputs.some((file) => !existsSync(file))) {
      const output = (err as { stdout?: Buffer }).stdout?.toString() ?? String(err);
      throw new Error(`build failed (npx tsc -p tsconfig.build.json):\n${output}`);
    }
  }
}
