import * as http from 'node:http';

/**
 * Stands in for the pre-signed S3 ResponseURL CloudFormation hands a custom resource: records every
 * request (method, headers, body) and can refuse the first N with HTTP 500 to exercise retries.
 */
export interface ReceivedResponse {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ResponseServer {
  url(path?: string): string;
  received: ReceivedResponse[];
  /** The parsed bodies of the accepted PUTs. */
  accepted(): Record<string, unknown>[];
  failNext(count: number): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startResponseServer(): Promise<ResponseServer> {
  const received: ReceivedResponse[] = [];
  const acceptedBodies: string[] = [];
  let failures = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (failures > 0) {
        failures--;
        res.writeHead(500).end('try again');
        return;
      }
      acceptedBodies.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: (path = '/response') => `http://127.0.0.1:${port}${path}?X-Amz-Signature=not-a-real-one`,
    received,
    accepted: () => acceptedBodies.map((b) => JSON.parse(b) as Record<string, unknown>),
    failNext: (count) => {
      failures = count;
    },
    clear: () => {
      received.length = 0;
      acceptedBodies.length = 0;
      failures = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
