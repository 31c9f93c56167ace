/**
 * Failures the engine raises on purpose. Each carries the CloudFormation handler error code it maps
 * to, so the mapping lives in one place (src/aws/error-mapping.ts) and handlers stay thin.
 */
export type LockErrorCode =
  | 'InvalidRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'ServiceLimitExceeded'
  | 'AccessDenied'
  | 'Throttling'
  | 'ResourceConflict'
  | 'NotStabilized'
  | 'GeneralServiceException'
  | 'InternalFailure';

export class LockError extends Error {
  constructor(
    readonly code: LockErrorCode,
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
