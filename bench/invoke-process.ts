/**
 * Runs the invoke server (dist/bench/invoke-server.js) as a child process, as the contract bench does.
 * Why a separate process in tests: the handler then gets its own module cache and environment
 * (AWS_ENDPOINT_URL pointing at the test's moto) like a Lambda container, and its verbose lib
 * logging stays out of the test output (kept in `output()` instead).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './paths';

export interface InvokeProcess {
  url: string;
  pid: number;
  /** Everything the server and the handler printed so far (stdout and stderr interleaved). */
  output(): string;
  stop(): Promise<void>;
}

export interface SpawnInvokeOptions {
  /** moto endpoint the handler must use (becomes AWS_ENDPOINT_URL). */
  awsEndpoint: string;
  handlerModule?: string;
  startTimeoutMs?: number;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function spawnInvokeServer(options: SpawnInvokeOptions): Promise<InvokeProcess> {
  const root = repoRoot();
  const args = [path.join(root, 'dist', 'bench', 'invoke-server.js'), '--port', '0'];
  if (options.handlerModule) args.push('--handler', options.handlerModule);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: options.awsEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`invoke server did not start:\n${output}`)),
      options.startTimeoutMs ?? 10_000,
    );
    const check = (): void => {
      const match = /^listening (http:\/\/\S+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`invoke server exited with ${code}:\n${output}`));
    });
  });

  return {
    url,
    pid: child.pid ?? -1,
    output: () => output,
    stop: async () => {
      if (exited(child)) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await done;
      clearTimeout(timer);
    },
  };
}
