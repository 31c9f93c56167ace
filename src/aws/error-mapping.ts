import { HandlerCode, LockError } from '../engine/errors';
import { redact } from '../engine/secret';
import { DistributionRoleError } from './distribution-role';

/** AWS error names → handler error codes. Anything else from AWS is a GeneralServiceException. */
const AWS_ERRORS: [RegExp, HandlerCode][] = [
  [
    /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthFailure|UnrecognizedClientException)$/,
    'AccessDenied',
  ],
  [/^(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|SlowDown)$/, 'Throttling'],
  [
    /^(RulesPerSecurityGroupLimitExceeded|TooManyRules|TooManyTags|TooManyOriginCustomHeaders|SecurityGroupLimitExceeded)/,
    'ServiceLimitExceeded',
  ],
  [
    /^(PreconditionFailed|PriorityInUse|InvalidIfMatchVersion|ConcurrentModification|ResourceInUse)/,
    'ResourceConflict',
  ],
  [
    /^(InternalError|InternalFailure|InternalServiceError|InternalServiceException|ServiceUnavailable)/,
    'ServiceInternalError',
  ],
  // The handler's NotFound means the lock (or a resource its model names), which the engine reports
  // itself; an AWS NotFound inside an operation is a sub-resource that changed under the lock.
  [/(NotFound|NoSuch)/, 'ResourceConflict'],
  [
    /^(ValidationError|InvalidParameter|InvalidRequest|InvalidArgument|InvalidConfiguration)/,
    'InvalidRequest',
  ],
];

export interface MappedError {
  code: HandlerCode;
  /** Redacted: never carries a header value. */
  message: string;
}

/**
 * The one place where any failure becomes a handler error code and a scrubbed message: a LockError
 * keeps its code and message; an AWS SDK error is mapped by name; anything else is an InternalFailure.
 * Other error names are kept in the message (`TypeError: ...`) because they say what broke.
 */
export function mapError(e: unknown): MappedError {
  const name = (e as { name?: string } | undefined)?.name ?? '';
  const raw = e instanceof Error ? e.message : String(e);
  if (e instanceof LockError) return { code: e.code, message: redact(raw) };
  if (e instanceof DistributionRoleError) return roleFailure(e);
  const meta = (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  const code: HandlerCode = meta
    ? (AWS_ERRORS.find(([re]) => re.test(name))?.[1] ??
      // What AWS answers with a 5xx is its own failure: CloudFormation retries ServiceInternalError.
      ((meta.httpStatusCode ?? 0) >= 500 || (e as { $fault?: string }).$fault === 'server'
        ? 'ServiceInternalError'
        : // No HTTP status: the SDK gave up without an answer (it wraps socket errors and timeouts).
          meta.httpStatusCode === undefined || isNetworkFailure(e)
          ? 'NetworkFailure'
          : 'GeneralServiceException'))
    : isNetworkFailure(e)
      ? 'NetworkFailure'
      : 'InternalFailure';
  return { code, message: redact(name ? `${name}: ${raw}` : raw) };
}

/** Codes of an AssumeRole failure that a retry cannot fix: the role, its trust policy or the external id. */
const ROLE_REFUSALS = new Set<HandlerCode>(['AccessDenied', 'InvalidRequest', 'GeneralServiceException']);

/**
 * The credential provider of the distribution role could not assume it. A refusal (AccessDenied: the
 * role does not exist, does not trust this account, or wants another external id) is the template's
 * mistake: InvalidRequest naming DistributionRoleArn, raised before the first write because CloudFront
 * is first read. Throttling, 5xx and network failures keep their codes, so they are retried.
 */
function roleFailure(e: DistributionRoleError): MappedError {
  const sts = mapError(e.failure);
  const refused = ROLE_REFUSALS.has(sts.code);
  const advice = refused
    ? `; the role must exist and its trust policy must allow sts:AssumeRole from this account (with the condition sts:ExternalId = DistributionRoleExternalId when it has one)`
    : '';
  return {
    code: refused ? 'InvalidRequest' : sts.code,
    message: redact(
      `DistributionRoleArn: cannot assume role '${e.roleArn}' for CloudFront: ${sts.message}${advice}`,
    ),
  };
}

// Node's socket errors and the SDK's timeouts: the request never got an answer from AWS.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function isNetworkFailure(e: unknown): boolean {
  const err = e as { code?: string; name?: string; message?: string } | undefined;
  return (
    NETWORK_CODES.has(err?.code ?? '') ||
    err?.name === 'TimeoutError' ||
    /socket hang up|ECONNRESET|ETIMEDOUT/.test(err?.message ?? '')
  );
}

/** `Code: message`, the one line every deliverable shows for a failure (custom resource Reason, logs). */
export const formatFailure = (failure: MappedError): string => redact(`${failure.code}: ${failure.message}`);

export const formatError = (e: unknown): string => formatFailure(mapError(e));
