import { IncomingHttpHeaders } from 'node:http';

/**
 * How each AWS service the lock uses puts a request and an error on the wire, so the emulator can tell
 * which operation a request is and answer an error exactly as AWS would (the SDK's deserializers, and
 * so the lock's error mapping, then see what they would see from AWS).
 */

export type Service =
  | 'ec2'
  | 'elasticloadbalancing'
  | 'cloudfront'
  | 'secretsmanager'
  | 'tagging'
  | 'servicequotas'
  | 'sts'
  | 'cloudformation';

export interface WireRequest {
  service: Service | 'other';
  /** The region the request was signed for (SigV4 credential scope); '' when unsigned. */
  region: string;
  /** Operation name as AWS spells it (DescribeRules, UpdateDistribution2020_05_31 → UpdateDistribution). */
  operation: string;
  /** Query-protocol parameters (EC2, ELBv2, STS, CloudFormation): the form fields. */
  form: URLSearchParams;
  method: string;
  path: string;
  body: Buffer;
}

// SigV4 credential scope: Credential=AKID/20260101/us-east-1/elasticloadbalancing/aws4_request
const SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

const CLOUDFRONT_ROUTES: [string, RegExp, string][] = [
  ['GET', /\/distribution\/[^/]+\/config$/, 'GetDistributionConfig'],
  ['PUT', /\/distribution\/[^/]+\/config$/, 'UpdateDistribution'],
  ['GET', /\/distribution\/[^/]+$/, 'GetDistribution'],
  ['GET', /\/distribution$/, 'ListDistributions'],
  ['POST', /\/distribution$/, 'CreateDistribution'],
  ['DELETE', /\/distribution\/[^/]+$/, 'DeleteDistribution'],
  ['GET', /\/tagging$/, 'ListTagsForResource'],
];

export function classify(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): WireRequest {
  const signed = SCOPE.exec(String(headers.authorization ?? ''));
  const scope = signed?.[2] ?? '';
  const base = { method, path, body, form: new URLSearchParams(), region: signed?.[1] ?? '' };
  const target = String(headers['x-amz-target'] ?? '');
  if (scope === 'secretsmanager' || target.startsWith('secretsmanager.'))
    return { ...base, service: 'secretsmanager', operation: target.split('.')[1] ?? '' };
  if (scope === 'servicequotas' || target.startsWith('ServiceQuotas'))
    return { ...base, service: 'servicequotas', operation: target.split('.')[1] ?? '' };
  if (scope === 'tagging' || target.startsWith('ResourceGroupsTaggingAPI'))
    return { ...base, service: 'tagging', operation: target.split('.')[1] ?? '' };
  if (scope === 'cloudfront') {
    const clean = path.split('?')[0];
    const route = CLOUDFRONT_ROUTES.find(([m, re]) => m === method && re.test(clean));
    return { ...base, service: 'cloudfront', operation: route?.[2] ?? `${method} ${clean}` };
  }
  if (scope === 'ec2' || scope === 'elasticloadbalancing' || scope === 'sts' || scope === 'cloudformation') {
    const form = new URLSearchParams(body.toString('utf8'));
    return { ...base, service: scope, form, operation: form.get('Action') ?? '' };
  }
  return { ...base, service: 'other', operation: '' };
}

/** Calls that change nothing in the account (AssumeRole only hands out credentials). */
export const isRead = (operation: string): boolean =>
  /^(Describe|Get|List)/.test(operation) || operation === 'AssumeRole';

export interface WireError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const requestId = (): string => `emu-${Math.random().toString(16).slice(2, 10)}`;
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const NAMESPACES: Partial<Record<Service, string>> = {
  elasticloadbalancing: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  cloudfront: 'http://cloudfront.amazonaws.com/doc/2020-05-31/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  cloudformation: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
};

/** An error response in the service's own protocol (ec2, awsQuery, restXml or awsJson1_1). */
export function wireError(
  service: Service | 'other',
  status: number,
  code: string,
  message: string,
): WireError {
  if (service === 'secretsmanager' || service === 'tagging' || service === 'servicequotas') {
    return {
      status,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-errortype': code,
        'x-amzn-requestid': requestId(),
      },
      body: JSON.stringify({ __type: code, message }),
    };
  }
  const xml =
    service === 'ec2'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>`
      : `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${NAMESPACES[service as Service] ?? ''}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;
  return { status, headers: { 'content-type': 'text/xml' }, body: xml };
}

/** The throttling answer each service gives (EC2 says RequestLimitExceeded with HTTP 503). */
export function throttling(service: Service | 'other'): WireError {
  if (service === 'ec2') return wireError(service, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
  if (service === 'secretsmanager' || service === 'tagging' || service === 'servicequotas')
    return wireError(service, 400, 'ThrottlingException', 'Rate exceeded');
  return wireError(service, 400, 'Throttling', 'Rate exceeded');
}

/** Access denied as each service reports it. */
export function accessDenied(service: Service | 'other'): WireError {
  if (service === 'ec2')
    return wireError(
      service,
      403,
      'UnauthorizedOperation',
      'You are not authorized to perform this operation.',
    );
  if (service === 'secretsmanager' || service === 'tagging' || service === 'servicequotas')
    return wireError(service, 400, 'AccessDeniedException', 'User is not authorized to perform this action');
  return wireError(service, 403, 'AccessDenied', 'User is not authorized to perform this action');
}

/** A server-side failure as each service reports it. */
export function serverError(service: Service | 'other'): WireError {
  if (service === 'ec2') return wireError(service, 500, 'InternalError', 'An internal error has occurred');
  if (service === 'secretsmanager')
    return wireError(service, 500, 'InternalServiceError', 'Internal service error');
  if (service === 'tagging')
    return wireError(service, 500, 'InternalServiceException', 'Internal service error');
  if (service === 'cloudfront') return wireError(service, 503, 'ServiceUnavailable', 'Service unavailable');
  return wireError(service, 500, 'InternalFailure', 'An internal failure occurred');
}
