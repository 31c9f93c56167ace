/**
 * A stand-in for `sam local start-lambda`: the Lambda Invoke API on a loopback port, serving the
 * built handler in-process, so `cfn test` and the tests run without Docker or SAM.
 *
 *   POST /2015-03-31/functions/{name}/invocations   (raw JSON body)
 *   -> 200 + the handler's JSON result
 *   -> 200 + `X-Amz-Function-Error: Unhandled` + {errorType, errorMessage, trace} when it throws
 *   -> 404 ResourceNotFoundException for an unknown function name
 *
 * Function names follow template.yml: TypeFunction -> `entrypoint`, TestEntrypoint -> `testEntrypoint`.
 * The handler module is loaded on first use (a build that lands after start-up is picked up) and
 * then cached, as a warm Lambda container would. It reaches AWS (moto) through the environment it
 * inherits, i.e. AWS_ENDPOINT_URL.
 *
 * CLI: node dist/bench/invoke-server.js [--port N] [--handler dist/src/registry/handlers.js]
 * It prints "listening <url>" once ready and logs one line per invocation (never bodies: they carry
 * credentials).
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import { repoRoot } from './paths';
import { LOOPBACK } from './ports';

export const FUNCTION_EXPORTS: Readonly<Record<string, string>> = {
  TypeFunction: 'entrypoint',
  TestEntrypoint: 'testEntrypoint',
};

export interface InvokeServerOptions {
  /** Port to listen on; 0 or absent: a free one chosen by the kernel. */
  port?: number;
  /** Path of the handler module; default the compiled `dist/src/registry/handlers.js` of this repository. */
  handlerModule?: string;
  /** Where to write the per-invocation log lines; default stderr. */
  log?: (line: string) => void;
}

export interface InvokeServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

type LambdaHandler = (event: unknown, context: LambdaContext, callback?: Callback) => unknown;
type Callback = (error?: unknown, result?: unknown) => void;

interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/** Lambda's own limit; the contract tests enforce tighter ones themselves. */
const TIMEOUT_MS = 15 * 60 * 1000;

function lambdaContext(functionName: string, startedAt: number): LambdaContext {
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, TIMEOUT_MS - (Date.now() - startedAt)),
  };
}

/** Runs a handler the way the Node.js Lambda runtime does: async, or callback-style with 3 params. */
function runHandler(handler: LambdaHandler, event: unknown, context: LambdaContext): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback: Callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (handler.length < 3 || (returned && typeof (returned as Promise<unknown>).then === 'function')) {
        Promise.resolve(returned).then(resolve, reject);
      }
    } catch (err) {
      reject(err);
    }
  });
}

function errorPayload(err: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const error = err instanceof Error ? err : new Error(String(err));
  return {
    errorType: error.name || 'Error',
    errorMessage: error.message,
    trace: (error.stack ?? '').split('\n'),
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export async function startInvokeServer(options: InvokeServerOptions = {}): Promise<InvokeServer> {
  const handlerModule = path.resolve(
    options.handlerModule ?? path.join(repoRoot(), 'dist', 'src', 'registry', 'handlers.js'),
  );
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let loaded: Record<string, unknown> | undefined;

  const resolveHandler = (functionName: string): LambdaHandler => {
    // require() is deliberate: the module is compiled CommonJS picked at run time, like Lambda does.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded ??= require(handlerModule) as Record<string, unknown>;
    const exported = loaded[FUNCTION_EXPORTS[functionName]];
    if (typeof exported !== 'function') {
      throw new Error(`${handlerModule} has no function export "${FUNCTION_EXPORTS[functionName]}"`);
    }
    return exported as LambdaHandler;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?(\?.*)?$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        send(res, 404, JSON.stringify({ message: `no route for ${req.method} ${req.url}` }));
        return;
      }
      const functionName = decodeURIComponent(match[1]);
      if (!(functionName in FUNCTION_EXPORTS)) {
        log(`invoke ${functionName}: unknown function`);
        send(res, 404, JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }), {
          'x-amzn-errortype': 'ResourceNotFoundException',
        });
        return;
      }
      const startedAt = Date.now();
      const raw = await readBody(req);
      let event: unknown;
      let action = '-';
      try {
        event = raw.trim() ? JSON.parse(raw) : {};
        if (event && typeof event === 'object' && 'action' in event) action = String(event.action);
      } catch (err) {
        log(`invoke ${functionName}: invalid JSON payload`);
        send(
          res,
          400,
          JSON.stringify({ Type: 'User', message: `Could not parse request body into json: ${err}` }),
          {
            'x-amzn-errortype': 'InvalidRequestContentException',
          },
        );
        return;
      }
      const context = lambdaContext(functionName, startedAt);
      try {
        const result = await runHandler(resolveHandler(functionName), event, context);
        // Lambda serialises with JSON.stringify (toJSON honoured); `undefined` becomes null.
        const body = JSON.stringify(result) ?? 'null';
        const status =
          result && typeof result === 'object' && 'status' in result ? String(result.status) : '-';
        log(`invoke ${functionName} ${action} -> ${status} (${Date.now() - startedAt} ms)`);
        send(res, 200, body, { 'x-amz-executed-version': '$LATEST' });
      } catch (err) {
        const payload = errorPayload(err);
        log(`invoke ${functionName} ${action} -> Unhandled ${payload.errorType}: ${payload.errorMessage}`);
        send(res, 200, JSON.stringify(payload), {
          'x-amz-function-error': 'Unhandled',
          'x-amz-executed-version': '$LATEST',
        });
      }
    })().catch((err: unknown) => {
      log(`invoke server error: ${String(err)}`);
      if (!res.headersSent) send(res, 500, JSON.stringify({ message: 'internal error' }));
    });
  });
  // Long handlers (CloudFront waits) must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function parseArgs(argv: string[]): InvokeServerOptions {
  const options: InvokeServerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--port' && value) options.port = Number(argv[++i]);
    else if (argv[i] === '--handler' && value) options.handlerModule = argv[++i];
    else throw new Error(`usage: invoke-server [--port N] [--handler path/to/handlers.js] (got ${argv[i]})`);
  }
  return options;
}

async function main(): Promise<void> {
  const server = await startInvokeServer(parseArgs(process.argv.slice(2)));
  // The bench scripts wait for this exact line.
  process.stdout.write(`listening ${server.url}\n`);
  const shutdown = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`invoke-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
