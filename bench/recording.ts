/**
 * Parser for moto's request recording (`GET /moto-api/recorder/download-recording`).
 *
 * Format (moto 5.2.5, moto/moto_api/_internal/recorder/models.py): JSON Lines, one object per request
 * received while recording was on, in arrival order:
 *   {"headers": {...}, "method": "POST", "url": "http://127.0.0.1:PORT/path?query",
 *    "body": "<text, or base64 when body_encoded>", "body_encoded": true|false}
 * Requests to /moto-api/recorder/* are not recorded; other /moto-api calls (reset, state-manager) are.
 * There is no service or operation field, so both are derived here from what the SDK sent:
 *   - service: the SigV4 credential scope in `Authorization` (ec2, elasticloadbalancing, cloudfront,
 *     secretsmanager, sts, tagging);
 *   - action: `X-Amz-Target` (JSON protocols: Secrets Manager, tagging), else the `Action` form or
 *     query parameter (query protocols: EC2, ELBv2, STS), else a method+path table (CloudFront's
 *     REST-XML API), else "METHOD /path".
 */

export interface RecordedCall {
  service: string;
  action: string;
  method: string;
  path: string;
}

interface RawEntry {
  headers?: Record<string, string>;
  method?: string;
  url?: string;
  body?: string | null;
  body_encoded?: boolean;
}

/** CloudFront REST routes (path after the API version segment) that the bench and the engine use. */
const CLOUDFRONT_ROUTES: ReadonlyArray<[method: string, pattern: RegExp, action: string]> = [
  ['POST', /^\/distribution$/, 'CreateDistribution'],
  ['GET', /^\/distribution$/, 'ListDistributions'],
  ['GET', /^\/distribution\/[^/]+$/, 'GetDistribution'],
  ['DELETE', /^\/distribution\/[^/]+$/, 'DeleteDistribution'],
  ['GET', /^\/distribution\/[^/]+\/config$/, 'GetDistributionConfig'],
  ['PUT', /^\/distribution\/[^/]+\/config$/, 'UpdateDistribution'],
  ['POST', /^\/distribution\/[^/]+\/invalidation$/, 'CreateInvalidation'],
  ['GET', /^\/distribution\/[^/]+\/invalidation$/, 'ListInvalidations'],
  ['GET', /^\/distribution\/[^/]+\/invalidation\/[^/]+$/, 'GetInvalidation'],
  ['GET', /^\/tagging$/, 'ListTagsForResource'],
];

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

function decodeBody(entry: RawEntry): string {
  if (!entry.body) return '';
  return entry.body_encoded ? Buffer.from(entry.body, 'base64').toString('utf8') : entry.body;
}

function serviceOf(entry: RawEntry, path: string): string {
  const auth = header(entry.headers, 'authorization') ?? '';
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
  if (scope) return scope[1];
  return path.startsWith('/moto-api/') ? 'moto-api' : 'unknown';
}

function cloudFrontAction(method: string, path: string, query: URLSearchParams): string | undefined {
  const rest = path.replace(/^\/\d{4}-\d{2}-\d{2}/, '');
  if (rest === '/tagging' && method === 'POST') {
    return query.get('Operation') === 'Untag' ? 'UntagResource' : 'TagResource';
  }
  if (rest === '/distribution' && method === 'POST' && query.has('WithTags'))
    return 'CreateDistributionWithTags';
  for (const [routeMethod, pattern, action] of CLOUDFRONT_ROUTES) {
    if (routeMethod === method && pattern.test(rest)) return action;
  }
  return undefined;
}

function actionOf(entry: RawEntry, service: string, method: string, url: URL): string {
  const target = header(entry.headers, 'x-amz-target');
  if (target) return target.slice(target.lastIndexOf('.') + 1);
  const fromQuery = url.searchParams.get('Action');
  if (fromQuery) return fromQuery;
  const contentType = header(entry.headers, 'content-type') ?? '';
  if (contentType.includes('x-www-form-urlencoded')) {
    const fromForm = new URLSearchParams(decodeBody(entry)).get('Action');
    if (fromForm) return fromForm;
  }
  if (service === 'cloudfront') {
    const action = cloudFrontAction(method, url.pathname, url.searchParams);
    if (action) return action;
  }
  return `${method} ${url.pathname}`;
}

/** Parses a downloaded recording into one entry per request, in arrival order. */
export function parseRecording(text: string): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as RawEntry;
    const method = (entry.method ?? 'GET').toUpperCase();
    const url = new URL(entry.url ?? '/', 'http://moto.invalid');
    const service = serviceOf(entry, url.pathname);
    calls.push({ service, action: actionOf(entry, service, method, url), method, path: url.pathname });
  }
  return calls;
}

/**
 * True when a call can change AWS state. Reads are named Describe*, Get* or List* in every API the
 * lock touches; an unnamed REST call counts as a read only for GET/HEAD.
 */
export function isMutating(call: RecordedCall): boolean {
  if (call.service === 'moto-api') return false;
  if (/^(Describe|Get|List)[A-Z]/.test(call.action)) return false;
  if (call.action.startsWith(`${call.method} `)) return call.method !== 'GET' && call.method !== 'HEAD';
  return true;
}
