import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root, found by walking up from this file to the directory holding `.rpdk-config`.
 * Why walk instead of a fixed `../..`: the same code runs from `bench/` under ts-jest and from
 * `dist/bench/` once compiled, and a marker file keeps working if either layout changes.
 */
export function repoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, '.rpdk-config'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no .rpdk-config above ${start}: cannot locate the repository root`);
    dir = parent;
  }
}

/** A file in the project's Python virtualenv (moto, cfn-cli), e.g. `venvBin('moto_server')`. */
export function venvBin(name: string): string {
  return path.join(repoRoot(), '.venv', 'bin', name);
}
