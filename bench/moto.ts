/**
 * Starts and drives a private moto server (AWS emulator) for tests, the demo and the contract bench.
 *
 * One moto_server process per caller, on a free 127.0.0.1 port, so parallel jest workers never share
 * state. SDK v3 clients reach it through AWS_ENDPOINT_URL (or an explicit `endpoint`).
 *
 * CloudFront distribution status in moto 5.2.5 (moto/cloudfront/models.py, moto/moto_api/__init__.py):
 * a Distribution is a ManagedState with the single transition InProgress -> Deployed, and the
 * registered default transition is {"progression": "manual", "times": 1}. Every GetDistribution,
 * GetDistributionConfig, ListDistributions and UpdateDistribution call counts one "tick"; the status
 * is re-evaluated when it is serialised, and flips once ticks >= times. So by default:
 *   - the CreateDistribution response says InProgress, and the first Get/GetConfig/List/Update after
 *     it already reports Deployed;
 *   - with set-transition {"progression":"manual","times":N} the status stays InProgress until N such
 *     calls have been made (e.g. N = 3: two reads still see InProgress, the third sees Deployed);
 *   - UpdateDistribution never moves a Deployed distribution back to InProgress, whatever the
 *     transition: the "wait for Deployed after an update" path cannot be observed in moto alone and
 *     needs a fault layer in front of it (the ETag never changes and IfMatch is not checked either);
 *   - {"progression":"immediate"} makes even the create response say Deployed.
 * POST /moto-api/reset does NOT clear transitions set through the API; `reset()` below unsets the
 * ones this handle set so that each test starts from moto's defaults.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, venvBin } from './paths';
import { freePort, LOOPBACK, sleep } from './ports';
import { isMutating, parseRecording, RecordedCall } from './recording';

export type { RecordedCall } from './recording';

/** moto's state-manager transition configurations (docs.getmoto.org, "State Transitions"). */
export type MotoTransition =
  | { progression: 'immediate' }
  | { progression: 'manual'; times: number }
  | { progression: 'time'; seconds: number };

export const CLOUDFRONT_DISTRIBUTION_MODEL = 'cloudfront::distribution';

export interface MotoServer {
  port: number;
  endpoint: string;
  pid: number;
  /** Kills the server (SIGTERM, SIGKILL after 5 s) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
  /** Clears every moto backend and the transitions this handle set; keeps the recorder as it is. */
  reset(): Promise<void>;
  recorder: MotoRecorder;
  /** Sets the state-manager transition of a moto model, e.g. CLOUDFRONT_DISTRIBUTION_MODEL. */
  setTransition(modelName: string, transition: MotoTransition): Promise<void>;
  unsetTransition(modelName: string): Promise<void>;
  /** Shorthand for setTransition(CLOUDFRONT_DISTRIBUTION_MODEL, transition). */
  setCloudFrontTransition(transition: MotoTransition): Promise<void>;
}

export interface MotoRecorder {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Empties the recording (the on/off state is unchanged). */
  reset(): Promise<void>;
  /** Every request recorded so far, in order. */
  calls(): Promise<RecordedCall[]>;
  /** The recorded calls that can change AWS state (not Describe*, Get*, List*). */
  mutatingCalls(): Promise<RecordedCall[]>;
}

export interface StartMotoOptions {
  /** Port to bind; default: a free loopback port (retried if another process takes it first). */
  port?: number;
  /** Milliseconds to wait for the server to answer. Default 20 000. */
  startTimeoutMs?: number;
}

async function motoApi(endpoint: string, route: string, init: RequestInit = {}): Promise<string> {
  const response = await fetch(`${endpoint}/moto-api/${route}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`moto ${route}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return text;
}

function postJson(endpoint: string, route: string, body: unknown): Promise<string> {
  return motoApi(endpoint, route, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function launch(port: number, workDir: string, timeoutMs: number): Promise<ChildProcess> {
  const logFile = path.join(workDir, `moto-${port}.log`);
  const logFd = openSync(logFile, 'a');
  // The recording goes to a per-server file: moto's default is ./moto_recording in its cwd, which
  // parallel servers would share.
  // exit-with-parent.py arms a parent-death signal and then execs moto_server (same pid): a jest
  // worker killed without running 'exit' handlers cannot leave the server behind.
  const wrapper = path.join(repoRoot(), 'tools', 'lib', 'exit-with-parent.py');
  // bench/moto-server.py is moto_server with AWS's 50-tag ELB limit (moto's own is 10).
  const server = path.join(repoRoot(), 'bench', 'moto-server.py');
  const args = [wrapper, String(process.pid), venvBin('python'), server, '-H', LOOPBACK, '-p', String(port)];
  const child = spawn(venvBin('python'), args, {
    cwd: workDir,
    env: { ...process.env, MOTO_RECORDER_FILEPATH: path.join(workDir, 'recording.jsonl') },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const endpoint = `http://${LOOPBACK}:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto_server exited early (code ${child.exitCode}):\n${tail(logFile)}`);
    }
    try {
      // A cheap moto-api route that exists in every moto 5 server.
      await motoApi(endpoint, `state-manager/get-transition?model_name=${CLOUDFRONT_DISTRIBUTION_MODEL}`);
      return child;
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms:\n${tail(logFile)}`);
}

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  repoRoot(); // fail fast with a clear message outside the repository
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'acme-moto-'));
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; !child; attempt++) {
    port = options.port ?? (await freePort());
    try {
      child = await launch(port, workDir, timeoutMs);
    } catch (err) {
      // A port taken between freePort() and bind() shows up as an early exit: try another port.
      if (options.port !== undefined || attempt >= 3) {
        rmSync(workDir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const proc = child;
  const endpoint = `http://${LOOPBACK}:${port}`;
  // Best effort: do not leave an orphan moto behind if the test process exits without stop().
  const onExit = (): void => {
    proc.kill('SIGKILL');
  };
  process.once('exit', onExit);

  const transitionsSet = new Set<string>();
  let stopped: Promise<void> | undefined;

  const recorder: MotoRecorder = {
    start: async () => void (await motoApi(endpoint, 'recorder/start-recording', { method: 'POST' })),
    stop: async () => void (await motoApi(endpoint, 'recorder/stop-recording', { method: 'POST' })),
    reset: async () => void (await motoApi(endpoint, 'recorder/reset-recording', { method: 'POST' })),
    calls: async () => parseRecording(await motoApi(endpoint, 'recorder/download-recording')),
    mutatingCalls: async () => (await recorder.calls()).filter(isMutating),
  };
  // download-recording fails until the file exists; create it empty up front.
  await recorder.reset();

  const server: MotoServer = {
    port,
    endpoint,
    pid: proc.pid ?? -1,
    recorder,
    stop: () => {
      stopped ??= (async () => {
        process.removeListener('exit', onExit);
        proc.kill('SIGTERM');
        if (!(await waitForExit(proc, 5_000))) {
          proc.kill('SIGKILL');
          await waitForExit(proc, 5_000);
        }
        rmSync(workDir, { recursive: true, force: true });
      })();
      return stopped;
    },
    reset: async () => {
      await motoApi(endpoint, 'reset', { method: 'POST' });
      for (const model of transitionsSet) await server.unsetTransition(model);
    },
    setTransition: async (modelName, transition) => {
      await postJson(endpoint, 'state-manager/set-transition', { model_name: modelName, transition });
      transitionsSet.add(modelName);
    },
    unsetTransition: async (modelName) => {
      await postJson(endpoint, 'state-manager/unset-transition', { model_name: modelName });
      transitionsSet.delete(modelName);
    },
    setCloudFrontTransition: (transition) => server.setTransition(CLOUDFRONT_DISTRIBUTION_MODEL, transition),
  };
  return server;
}
