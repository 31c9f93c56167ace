import { CliIo, main } from '../../src/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `origin-lock` in-process with captured output, and checks that no header value the test put in
 * AWS appears in it, in any casing (ALB matches header values case-insensitively).
 */
export async function runCli(
  argv: string[],
  secrets: readonly string[],
  io: Partial<CliIo> = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    env: process.env,
    isTTY: false,
    ...io,
  });
  const run = { code, stdout: out.join('\n'), stderr: err.join('\n') };
  for (const v of secrets)
    expect(`${run.stdout}\n${run.stderr}`.toLowerCase()).not.toContain(v.toLowerCase());
  return run;
}
