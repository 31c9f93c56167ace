import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { LOOPBACK } from '../ports';
import { answerCloudFormation, EmulatedStack } from './cloudformation';
import { enforceLimits, StateClients, withoutClientSecrets } from './limits';
import { assumeRoleRefusal, TrustingRole } from './trust';
import {
  accessDenied,
  classify,
  isRead,
  serverError,
  Service,
  throttling,
  WireError,
  WireRequest,
} from './wire';
import { VpcOriginDeclaration, withVpcOrigins } from './vpc-origins';

/**
 * A loopback proxy in front of moto that behaves the way real AWS does where moto is lenient: it
 * enforces AWS's quotas and validations (limits.ts), hides what AWS never returns (OIDC client
 * secrets), keeps CloudFront configuration members the SDK does not model, returns the VPC origins moto
 * drops (vpc-origins.ts), and, on request, throttles,
 * fails with 5xx, resets connections, loses the response of a write that landed, or serves a read that
 * lags behind the last write. Code under test reaches it through AWS_ENDPOINT_URL like any endpoint.
 */

export type Fault =
  /** The call never reaches moto: AWS answers throttling / a 5xx, or the connection is reset. */
  | { kind: 'throttle' | 'server-error' | 'reset' | 'deny'; operation: string; times?: number }
  /** The write reaches moto and lands, then the connection is dropped before the answer. */
  | { kind: 'lose-response'; operation: string; times?: number }
  /**
   * The next `times` calls of `operation` lag behind the writes: each answers what the same request was
   * first answered (ELB, EC2 and CloudFront reads are eventually consistent).
   */
  | { kind: 'stale-read'; operation: string; times?: number };

export interface EmulatorEvent {
  service: Service | 'other';
  operation: string;
  /** The region the call was signed for (CloudFront: us-east-1). */
  region: string;
  /** forwarded, or what the emulator did instead / as well. */
  what:
    | 'forwarded'
    | 'throttled'
    | 'server-error'
    | 'denied'
    | 'reset'
    | 'response-lost'
    | 'stale'
    | 'limit'
    | 'emulated';
  status?: number;
}

/** Members of a CloudFront configuration that the pinned SDK does not model, as AWS would return them. */
export const UNMODELED_ORIGIN_MEMBER = '<OriginHttpVersion>http2</OriginHttpVersion>';
export const UNMODELED_CONFIG_MEMBER =
  '<AcmeFutureSetting><Enabled>true</Enabled><Mode>strict</Mode></AcmeFutureSetting>';

export interface Emulator {
  endpoint: string;
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Everything the emulator saw, in order. */
  events: EmulatorEvent[];
  /** Turn AWS quota/validation enforcement off (on by default). */
  enforceLimits: boolean;
  sts: {
    /** When set, AssumeRole succeeds only for these roles (trust.ts); unset, moto's any-role behaviour. */
    trustingRoles?: TrustingRole[];
  };
  cloudfront: {
    /** Add members the SDK does not model to every configuration read (off by default). */
    unmodeledMembers: boolean;
    /** Bodies of GetDistributionConfig answers and UpdateDistribution requests, in order. */
    configsRead: string[];
    configsSent: string[];
    /**
     * Origins that are CloudFront VPC origins: every answer carrying one shows its VpcOriginConfig, as
     * AWS would (moto drops the member). Empty by default; clearFaults() leaves it.
     */
    vpcOrigins: VpcOriginDeclaration[];
  };
  cloudformation: {
    /**
     * Stacks moto cannot hold (lock resources, operations in progress), answered by DescribeStackResources
     * and DescribeStacks (cloudformation.ts); a test edits them, e.g. to finish an operation.
     */
    stacks: EmulatedStack[];
  };
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function forward(target: URL, req: http.IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const stripUnmodeled = (xml: string): string =>
  xml.split(UNMODELED_ORIGIN_MEMBER).join('').split(UNMODELED_CONFIG_MEMBER).join('');

const withUnmodeled = (xml: string): string =>
  xml
    .replace(/<\/CustomOriginConfig>/g, `${UNMODELED_ORIGIN_MEMBER}</CustomOriginConfig>`)
    .replace(/<\/DistributionConfig>/g, `${UNMODELED_CONFIG_MEMBER}</DistributionConfig>`);

export async function startEmulator(opts: {
  target: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}): Promise<Emulator> {
  const target = new URL(opts.target);
  const state: StateClients = {
    ec2: new EC2Client({ region: opts.region, endpoint: opts.target, credentials: opts.credentials }),
    elbv2: new ElasticLoadBalancingV2Client({
      region: opts.region,
      endpoint: opts.target,
      credentials: opts.credentials,
    }),
  };
  let faults: (Fault & { left: number })[] = [];
  const firstReads = new Map<string, Answer>();
  const events: EmulatorEvent[] = [];

  const take = (kind: Fault['kind'], operation: string): boolean => {
    const f = faults.find(
      (x) => x.kind === kind && 'operation' in x && x.operation === operation && x.left > 0,
    );
    if (!f) return false;
    f.left -= 1;
    return true;
  };
  const key = (r: WireRequest): string =>
    `${r.service} ${r.region} ${r.method} ${r.path} ${r.body.toString('utf8')}`;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const r = classify(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    const note = (what: EmulatorEvent['what'], status?: number) =>
      events.push({ service: r.service, operation: r.operation, region: r.region, what, status });
    const send = (a: {
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: string | Buffer;
    }) => {
      const payload = typeof a.body === 'string' ? Buffer.from(a.body) : a.body;
      const headers: Record<string, string | string[] | undefined> = {
        ...a.headers,
        'content-length': String(payload.length),
      };
      delete headers['transfer-encoding'];
      res.writeHead(a.status, headers as http.OutgoingHttpHeaders);
      res.end(payload);
    };
    const fail = (e: WireError, what: EmulatorEvent['what']) => {
      note(what, e.status);
      send(e);
    };

    if (take('throttle', r.operation)) return fail(throttling(r.service), 'throttled');
    if (take('server-error', r.operation)) return fail(serverError(r.service), 'server-error');
    if (take('deny', r.operation)) return fail(accessDenied(r.service), 'denied');
    const untrusted = emulator.sts.trustingRoles && assumeRoleRefusal(r, emulator.sts.trustingRoles);
    if (untrusted) return fail(untrusted, 'denied');
    if (take('reset', r.operation)) {
      note('reset');
      req.socket.destroy();
      return;
    }
    if (isRead(r.operation)) {
      const first = firstReads.get(key(r));
      if (first && take('stale-read', r.operation)) {
        note('stale', first.status);
        return send(first);
      }
    } else if (emulator.enforceLimits && r.service !== 'other') {
      const limit = await enforceLimits(state, r);
      if (limit) return fail(limit, 'limit');
    }

    if (r.service === 'cloudformation') {
      const emulated = answerCloudFormation(r, emulator.cloudformation.stacks, opts.region);
      if (emulated) {
        note('emulated', emulated.status);
        return send(emulated);
      }
    }

    let sendBody = body;
    if (r.service === 'cloudfront' && r.operation === 'UpdateDistribution') {
      emulator.cloudfront.configsSent.push(body.toString('utf8'));
      sendBody = Buffer.from(stripUnmodeled(body.toString('utf8')));
    }
    const answer = await forward(target, req, sendBody);
    if (r.service === 'elasticloadbalancing' && /^Describe(Rules|Listeners)$/.test(r.operation))
      answer.body = Buffer.from(withoutClientSecrets(answer.body.toString('utf8')));
    if (
      r.service === 'cloudfront' &&
      /^Get(Distribution|DistributionConfig)$/.test(r.operation) &&
      emulator.cloudfront.unmodeledMembers
    )
      answer.body = Buffer.from(withUnmodeled(answer.body.toString('utf8')));
    if (r.service === 'cloudfront' && answer.status < 300 && emulator.cloudfront.vpcOrigins.length > 0) {
      const path = req.url ?? '/';
      const xml = answer.body.toString('utf8');
      answer.body = Buffer.from(withVpcOrigins(r.operation, path, xml, emulator.cloudfront.vpcOrigins));
    }
    if (r.service === 'cloudfront' && r.operation === 'GetDistributionConfig')
      emulator.cloudfront.configsRead.push(answer.body.toString('utf8'));

    if (isRead(r.operation)) {
      if (answer.status < 300 && !firstReads.has(key(r))) firstReads.set(key(r), answer);
    } else if (answer.status < 300) {
      if (take('lose-response', r.operation)) {
        note('response-lost', answer.status);
        req.socket.destroy();
        return;
      }
    }
    note('forwarded', answer.status);
    send(answer);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`emulator: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const port = (server.address() as AddressInfo).port;

  const emulator: Emulator = {
    endpoint: `http://${LOOPBACK}:${port}`,
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults = [];
      firstReads.clear();
      emulator.sts.trustingRoles = undefined;
    },
    events,
    enforceLimits: true,
    sts: {},
    cloudfront: { unmodeledMembers: false, configsRead: [], configsSent: [], vpcOrigins: [] },
    cloudformation: { stacks: [] },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        state.ec2.destroy();
        state.elbv2.destroy();
      }),
  };
  return emulator;
}
