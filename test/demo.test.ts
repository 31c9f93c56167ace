/**
 * `make demo` end to end: the compiled demo runs as a user would run it (its own moto, the real handler
 * entrypoint), exits 0, tells the before/after story and never prints the secret. The test's own timeout
 * stops a demo that hangs; how long it takes is not asserted (a loaded machine must not fail it).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../bench/paths';
import { SecretLeak, Terminal } from '../demo/terminal';
import { ensureBuilt } from './support/build';

const DEMO = path.join(repoRoot(), 'dist', 'demo', 'main.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function startDemo(env: NodeJS.ProcessEnv = {}): {
  child: ChildProcess;
  done: Promise<Run>;
  output: () => string;
} {
  const child = spawn(process.execPath, [DEMO], {
    cwd: repoRoot(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<Run>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, done, output: () => output };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const motoPid = (output: string): number =>
  Number(/embedded AWS: moto on \S+ \(pid (\d+)\)/.exec(output)?.[1] ?? NaN);

beforeAll(() => {
  ensureBuilt();
  if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing after the build`);
});

test('the demo runs end to end: exit 0, before/after verdicts, no secret, moto stopped', async () => {
  const run = await startDemo().done;
  const out = run.output;
  if (run.code !== 0) throw new Error(`demo exited ${run.code}:\n${out}`);

  // Before: the lock's four controls fail with reasons; after: every control holds.
  expect(out).toContain('Verdict: FAIL - 5 of 9 controls fail, 2 warnings');
  expect(out).toMatch(/^ {3}FAIL {4}open-ingress {11}sg-\S+ admits 0\.0\.0\.0\/0 on port 80/m);
  expect(out).toContain('Verdict: PASS - every control holds, 1 warning');
  // The wait for Deployed is visible, then CREATE succeeds.
  expect(out).toMatch(/IN_PROGRESS waiting for CloudFront distribution \S+ to be Deployed \(check 3\)/);
  expect(out).toMatch(/CREATE SUCCESS after/);
  // Drift: READ names the broken controls, UPDATE heals, DELETE restores.
  expect(out).toContain('READ reports Enforce.SecurityGroup, Enforce.ListenerRules false.');
  expect(out).toMatch(/UPDATE SUCCESS after/);
  // The guardian: a new debug route, READ sees it, the guardian reports who did it and heals it.
  expect(out).toContain('6. Continuous enforcement: the guardian heals a new debug route');
  expect(out).toMatch(/--priority 21 --conditions Field=path-pattern,Values='\/internal\/debug\/\*'/);
  expect(out).toMatch(/READ right after the change:[\s\S]*READ reports Enforce\.ListenerRules false\./);
  expect(out).toContain(
    'Finding published to EventBridge (source acme.origin-lock, detail-type "Origin Lock Drift")',
  );
  expect(out).toMatch(
    /In words: CreateRule by arn:aws:iam::\d{12}:user\/alice \(event [0-9a-f-]{36}\) broke Enforce\.ListenerRules; the guardian healed it\./,
  );
  expect(out).toMatch(/READ a moment later:[\s\S]*READ reports every requested control holds again/);
  expect(out).toMatch(/guardian +HEALED +CreateRule by arn:aws:iam::\d{12}:user\/alice/);
  expect(out).toMatch(/DELETE SUCCESS after/);
  expect(out).toMatch(/lock deleted +FAIL +the same controls fail as before the lock/);
  expect(out).not.toContain('CHANGED');
  expect(out).toContain('Demo finished');

  // The secret is a 48-character [a-z0-9] value (fixtures.randomHeaderValue): no such run may appear.
  expect(out).not.toMatch(/[a-z0-9]{48}/i);
  // Not a terminal: no colour.
  expect(out).not.toContain('\x1b[');
  const pid = motoPid(out);
  expect(out).toContain(`stopped moto (pid ${pid})`);
  expect(alive(pid)).toBe(false);
}, 150_000);

test('SIGINT stops moto by its pid and exits 130', async () => {
  const demo = startDemo();
  const deadline = Date.now() + 30_000;
  while (Number.isNaN(motoPid(demo.output())) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  const pid = motoPid(demo.output());
  expect(alive(pid)).toBe(true);
  demo.child.kill('SIGINT');
  const run = await demo.done;
  expect(run.code).toBe(130);
  expect(run.output).toContain(`interrupted (SIGINT): stopping moto (pid ${pid})`);
  expect(alive(pid)).toBe(false);
}, 60_000);

test('the terminal refuses a line that holds the guarded value, in any case', () => {
  const written: string[] = [];
  const term = new Terminal((t) => written.push(t), false);
  const secret = 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijkl';
  term.guard(secret);
  term.line('harmless');
  expect(() => term.line(`header=${secret}`)).toThrow(SecretLeak);
  expect(() => term.line(secret.toUpperCase())).toThrow(SecretLeak);
  expect(written).toEqual(['harmless\n']);
  expect(new SecretLeak().message).not.toContain(secret);
});
