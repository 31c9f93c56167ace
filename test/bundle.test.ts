/**
 * The esbuild bundles (tools/bundle.mjs) are what Lambda runs: each is copied out of the repository
 * (so no node_modules can be found) and run in a fresh Node process against moto.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { buildFixture, Fixture, TEST_CREDENTIALS, TEST_REGION } from '../bench/fixtures';
import { handlerRequest, testRequest } from '../bench/handler-request';
import { MotoServer, startMoto } from '../bench/moto';
import { repoRoot } from '../bench/paths';
import { ResponseServer, startResponseServer } from './support/response-server';

const run = promisify(execFile);
const root = repoRoot();
let scratch: string;
let moto: MotoServer;
let responses: ResponseServer;
let fixture: Fixture;
const bundles: Record<string, string> = {};

/** Calls `exportName(event, context)` of `modulePath` in a new Node process; returns what it returned. */
async function callInChild(modulePath: string, exportName: string, event: unknown): Promise<unknown> {
  const script = `
    const mod = require(process.env.BUNDLE);
    const context = {
      getRemainingTimeInMillis: () => 300000,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bundle-test',
      functionName: 'bundle-test',
      logStreamName: 'bundle-test-stream',
      awsRequestId: 'bundle-test-request',
    };
    Promise.resolve(mod[process.env.EXPORT](JSON.parse(process.env.EVENT), context)).then(
      (result) => process.stdout.write('\\nRESULT ' + JSON.stringify(result === undefined ? null : result) + '\\n'),
      (error) => { process.stdout.write('\\nTHREW ' + String(error && error.stack || error) + '\\n'); process.exitCode = 1; },
    );`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    cwd: scratch,
    env: {
      PATH: process.env.PATH,
      BUNDLE: modulePath,
      EXPORT: exportName,
      EVENT: JSON.stringify(event),
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      ORIGIN_LOCK_WAIT_SECONDS: '0',
      // No NODE_PATH and a cwd outside the repository: a require the bundle missed cannot be found.
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from ${exportName}:\n${stdout.slice(-3000)}`);
  return JSON.parse(line.slice('RESULT '.length));
}

beforeAll(async () => {
  // Bundled into a scratch directory outside the repository (no node_modules above it), so parallel
  // runs do not share build/bundle/ and a require the bundle missed cannot be found.
  scratch = mkdtempSync(path.join(os.tmpdir(), 'origin-lock-bundles-'));
  await run(process.execPath, [path.join(root, 'tools', 'bundle.mjs'), '--quiet', '--outdir', scratch], {
    cwd: root,
  });
  for (const name of ['handlers', 'custom-resource', 'rotation', 'guardian']) {
    const built = path.join(scratch, name, 'index.js');
    if (existsSync(built)) bundles[name] = built;
  }
  moto = await startMoto();
  responses = await startResponseServer();
  fixture = await buildFixture({}, { endpoint: moto.endpoint });
});

afterAll(async () => {
  await responses?.close();
  await moto?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('type handler bundle', () => {
  test('keeps nothing external: only Node built-ins are required', () => {
    const meta = JSON.parse(readFileSync(path.join(scratch, 'handlers', 'meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    };
    const externals = Object.values(meta.outputs)
      .flatMap((o) => o.imports)
      .filter((i) => i.external)
      .map((i) => i.path.replace(/^node:/, '').split('/')[0]);
    for (const name of externals) expect(builtinModules).toContain(name);
  });

  test('testEntrypoint READ of a listener without a lock → FAILED NotFound', async () => {
    const event = testRequest({ action: 'READ', properties: { ListenerArn: fixture.listenerArn } });
    const result = (await callInChild(bundles.handlers, 'testEntrypoint', event)) as Record<string, unknown>;
    expect(result).toMatchObject({ status: 'FAILED', errorCode: 'NotFound' });
    expect(String(result.message)).toContain(fixture.listenerArn);
  });

  test('the lib still derives error codes from exception class names (keepNames)', async () => {
    // No awsAccountId: the lib throws its InvalidRequest exception, whose errorCode is
    // HandlerErrorCode[this.constructor.name]; a mangled class name would leave it undefined.
    const event = handlerRequest({ action: 'READ', properties: { ListenerArn: fixture.listenerArn } });
    delete (event as Record<string, unknown>).awsAccountId;
    const result = await callInChild(bundles.handlers, 'entrypoint', event);
    expect(result).toMatchObject({ status: 'FAILED', errorCode: 'InvalidRequest' });
  });

  test("the lib's aws-sdk v2 clients (metrics, log delivery) still load and send from the bundle", async () => {
    // tools/bundle.mjs loads v2 only when the lib first constructs a client: with providerCredentials the
    // lib publishes metrics (CloudWatch) and sets up log delivery (CloudWatch Logs, S3). No network: the
    // child's DNS answers ENOTFOUND and records each host, which shows each client was built and sent.
    const script = `
      const dns = require('node:dns');
      const hosts = new Set();
      dns.lookup = (host, options, callback) => {
        hosts.add(host);
        (callback ?? options)(Object.assign(new Error('getaddrinfo ENOTFOUND ' + host), { code: 'ENOTFOUND' }));
      };
      const out = process.stdout.write.bind(process.stdout);
      console.log = console.error = () => undefined;
      const event = {
        requestData: {
          callerCredentials: { accessKeyId: 'AKIDCALLER', secretAccessKey: 'x', sessionToken: 't' },
          providerCredentials: { accessKeyId: 'AKIDPROVIDER', secretAccessKey: 'y', sessionToken: 't' },
          providerLogGroupName: 'bundle-test', resourceProperties: {}, logicalResourceId: 'Lock',
        },
        region: 'us-east-1', awsAccountId: '123456789012', action: 'READ', bearerToken: 'token',
        resourceType: 'Acme::Origin::Lock',
      };
      require(process.argv[1]).entrypoint(event, { awsRequestId: 'request', logStreamName: 'stream' })
        .then(() => out('\\nHOSTS ' + JSON.stringify([...hosts].sort()) + '\\n'));`;
    const { stdout } = await run(process.execPath, ['-e', script, bundles.handlers], {
      cwd: scratch,
      env: { PATH: process.env.PATH, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
    });
    const line = stdout.split('\n').find((l) => l.startsWith('HOSTS '));
    expect(JSON.parse(line?.slice('HOSTS '.length) ?? '[]')).toEqual([
      'bundle-test-123456789012.s3.amazonaws.com',
      'logs.us-east-1.amazonaws.com',
      'monitoring.us-east-1.amazonaws.com',
    ]);
  }, 30_000);

  test('entrypoint CREATE and DELETE through the bundle', async () => {
    const f = await buildFixture({ name: 'entry' }, { endpoint: moto.endpoint });
    const properties = {
      ListenerArn: f.listenerArn,
      DistributionId: f.distributionId,
      SecretArn: f.secretArn,
    };
    const drive = async (action: 'CREATE' | 'DELETE') => {
      let callbackContext: Record<string, unknown> | null = null;
      const token = randomUUID();
      for (let i = 0; i < 10; i++) {
        const result = (await callInChild(
          bundles.handlers,
          'entrypoint',
          handlerRequest({ action, properties, callbackContext, bearerToken: token }),
        )) as { status: string; callbackContext?: Record<string, unknown> };
        if (result.status !== 'IN_PROGRESS') return result;
        callbackContext = result.callbackContext ?? null;
      }
      throw new Error(`${action} did not finish`);
    };
    const created = await drive('CREATE');
    expect(created).toMatchObject({ status: 'SUCCESS', resourceModel: { ListenerArn: f.listenerArn } });
    expect(JSON.stringify(created)).not.toContain(f.secretValue);
    expect(await drive('DELETE')).toMatchObject({ status: 'SUCCESS' });
  });
});

describe('custom resource bundle', () => {
  test('Create answers SUCCESS at the ResponseURL', async () => {
    const f = await buildFixture({ name: 'custom' }, { endpoint: moto.endpoint });
    const event = {
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:bundle-test',
      ResponseURL: responses.url(),
      StackId:
        'arn:aws:cloudformation:us-east-1:123456789012:stack/bundle/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      RequestId: randomUUID(),
      ResourceType: 'Custom::OriginLock',
      LogicalResourceId: 'Lock',
      ResourceProperties: {
        ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:bundle-test',
        ListenerArn: f.listenerArn,
        DistributionId: f.distributionId,
        SecretArn: f.secretArn,
      },
    };
    await callInChild(bundles['custom-resource'], 'handler', event);
    const answer = responses.accepted().find((a) => a.RequestId === event.RequestId);
    expect(answer).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: f.listenerArn,
      RequestId: event.RequestId,
      Data: { LoadBalancerArn: f.loadBalancerArn },
    });
    expect(JSON.stringify(answer)).not.toContain(f.secretValue);
  });

  test('a bad input answers FAILED with the engine error code (the lib enums resolve)', async () => {
    const event = {
      RequestType: 'Create',
      ResponseURL: responses.url('/bad-input'),
      StackId:
        'arn:aws:cloudformation:us-east-1:123456789012:stack/bundle/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      RequestId: randomUUID(),
      LogicalResourceId: 'Lock',
      ResourceProperties: {
        ListenerArn: fixture.listenerArn,
        DistributionId: 'not a distribution',
        SecretArn: fixture.secretArn,
      },
    };
    await callInChild(bundles['custom-resource'], 'handler', event);
    const answer = responses.accepted().find((a) => a.RequestId === event.RequestId);
    expect(answer).toMatchObject({ Status: 'FAILED' });
    expect(String(answer?.Reason)).toMatch(/^InvalidRequest: DistributionId: /);
  });

  test('carries no aws-sdk v2 (the lib is reduced to its interface module)', () => {
    const meta = readFileSync(path.join(scratch, 'custom-resource', 'meta.json'), 'utf8');
    expect(meta).not.toContain('node_modules/aws-sdk/');
  });
});

describe('rotation bundle', () => {
  test('loads and exports the handler', async () => {
    if (!bundles.rotation) return; // src/rotation/index.ts not written yet
    const { stdout } = await run(
      process.execPath,
      ['-e', 'process.stdout.write(typeof require(process.argv[1]).handler)', bundles.rotation],
      { cwd: scratch, env: { PATH: process.env.PATH } },
    );
    expect(stdout).toBe('function');
  });
});

describe('guardian bundle', () => {
  test('sweeps the region through moto with the real clients and sink, and answers without throwing', async () => {
    expect(bundles.guardian).toBeDefined();
    const out = await callInChild(bundles.guardian, 'handler', {
      source: 'aws.scheduler',
      'detail-type': 'Scheduled Event',
      detail: {},
    });
    // Other tests of this file may have left locks in this moto: whatever it finds, it answers.
    expect(out).toEqual({ checked: expect.any(Array), findings: expect.any(Number) });
  });

  test('carries no aws-sdk v2', () => {
    const meta = readFileSync(path.join(scratch, 'guardian', 'meta.json'), 'utf8');
    expect(meta).not.toContain('node_modules/aws-sdk/');
  });
});
