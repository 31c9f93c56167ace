import { HandlerCode, LockError } from '../engine/errors';
import { redact } from '../engine/secret';

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
  [/(NotFound|NoSuch)/, 'NotFound'],
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
  const isAws = typeof (e as { $metadata?: unknown } | undefined)?.$metadata === 'object';
  const code = isAws
    ? (AWS_ERRORS.find(([re]) => re.test(name))?.[1] ?? 'GeneralServiceException')
    : 'InternalFailure';
  return { code, message: redact(name ? `${name}: ${raw}` : raw) };
}

/** `Code: message`, the one line every deliverable shows for a failure (custom resource Reason, logs). */
export const formatFailure = (failure: MappedError): string => redact(`${failure.code}: ${failure.message}`);

export const formatError = (e: unknown): string => formatFailure(mapError(e));
