import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { LockError } from '../engine/errors';
import { redact } from '../engine/secret';

/** AWS error names → handler error codes. Anything else from AWS is a GeneralServiceException. */
const AWS_ERRORS: [RegExp, HandlerErrorCode][] = [
  [
    /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthFailure|UnrecognizedClientException)$/,
    HandlerErrorCode.AccessDenied,
  ],
  [
    /^(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|SlowDown)$/,
    HandlerErrorCode.Throttling,
  ],
  [
    /^(RulesPerSecurityGroupLimitExceeded|TooManyRules|TooManyTags|TooManyOriginCustomHeaders|SecurityGroupLimitExceeded)/,
    HandlerErrorCode.ServiceLimitExceeded,
  ],
  [
    /^(PreconditionFailed|PriorityInUse|InvalidIfMatchVersion|ConcurrentModification|ResourceInUse)/,
    HandlerErrorCode.ResourceConflict,
  ],
  [/(NotFound|NoSuch)/, HandlerErrorCode.NotFound],
  [
    /^(ValidationError|InvalidParameter|InvalidRequest|InvalidArgument|InvalidConfiguration)/,
    HandlerErrorCode.InvalidRequest,
  ],
];

export interface MappedError {
  code: HandlerErrorCode;
  message: string;
}

/** The one place where any failure becomes a handler error code and a scrubbed message. */
export function mapError(e: unknown): MappedError {
  const name = (e as { name?: string } | undefined)?.name ?? '';
  const raw = e instanceof Error ? e.message : String(e);
  if (e instanceof LockError) return { code: HandlerErrorCode[e.code], message: redact(raw) };
  const isAws = typeof (e as { $metadata?: unknown } | undefined)?.$metadata === 'object';
  const code = isAws
    ? (AWS_ERRORS.find(([re]) => re.test(name))?.[1] ?? HandlerErrorCode.GeneralServiceException)
    : HandlerErrorCode.InternalFailure;
  return { code, message: redact(name ? `${name}: ${raw}` : raw) };
}
