/**
 * Failures the engine raises on purpose. Each carries the handler error code it maps to, so the
 * mapping lives in one place (src/aws/error-mapping.ts) and handlers stay thin.
 */

/**
 * The handler error codes, as strings: the same values as the CloudFormation lib's HandlerErrorCode
 * (src/registry/handlers.ts converts, and fails to compile if the two ever differ). The engine, the
 * custom resource, rotation and the CLI use these, never the lib.
 */
export type HandlerCode =
  | 'NotUpdatable'
  | 'InvalidRequest'
  | 'AccessDenied'
  | 'InvalidCredentials'
  | 'AlreadyExists'
  | 'NotFound'
  | 'ResourceConflict'
  | 'Throttling'
  | 'ServiceLimitExceeded'
  | 'NotStabilized'
  | 'GeneralServiceException'
  | 'ServiceInternalError'
  | 'NetworkFailure'
  | 'InternalFailure'
  | 'InvalidTypeConfiguration';

export class LockError extends Error {
  constructor(
    readonly code: HandlerCode,
    message: string,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

export const invalid = (field: string, problem: string): LockError =>
  new LockError('InvalidRequest', `${field}: ${problem}`);

export const notFound = (field: string, problem: string): LockError =>
  new LockError('NotFound', `${field}: ${problem}`);
