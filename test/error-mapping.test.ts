import { mapError } from '../src/aws/error-mapping';
import { LockError } from '../src/engine/errors';
import { DistributionRoleError } from '../src/aws/distribution-role';

/** What CloudFormation sees for each kind of failure: transient ones retried, the rest precise. */

const awsFailure = (name: string, status?: number, fault?: 'client' | 'server') =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: status === undefined ? { attempts: 7 } : { httpStatusCode: status },
    ...(fault ? { $fault: fault } : {}),
  });

test.each([
  ['a throttled EC2 call (503 RequestLimitExceeded)', awsFailure('RequestLimitExceeded', 503), 'Throttling'],
  ['a throttled ELB call', awsFailure('Throttling', 400), 'Throttling'],
  ['EC2 InternalError', awsFailure('InternalError', 500, 'server'), 'ServiceInternalError'],
  ['CloudFront ServiceUnavailable', awsFailure('ServiceUnavailable', 503, 'server'), 'ServiceInternalError'],
  ['any other 5xx', awsFailure('SomethingNew', 502, 'server'), 'ServiceInternalError'],
  ['an SDK wrapper with no HTTP answer', awsFailure('Error', undefined), 'NetworkFailure'],
  ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'NetworkFailure'],
  ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'NetworkFailure'],
  ['a sub-resource gone mid-run (RuleNotFound)', awsFailure('RuleNotFound', 400), 'ResourceConflict'],
  ['InvalidGroup.NotFound', awsFailure('InvalidGroup.NotFound', 400), 'ResourceConflict'],
  ['AccessDenied', awsFailure('AccessDenied', 403), 'AccessDenied'],
  ['a limit AWS enforced', awsFailure('TooManyRules', 400), 'ServiceLimitExceeded'],
  ['a bug', new TypeError('x is undefined'), 'InternalFailure'],
  ["the lock's own NotFound", new LockError('NotFound', 'ListenerArn: gone'), 'NotFound'],
  [
    'the distribution role refused (AccessDenied from STS)',
    new DistributionRoleError('arn:aws:iam::222222222222:role/edge', awsFailure('AccessDenied', 403)),
    'InvalidRequest',
  ],
  [
    'the distribution role throttled',
    new DistributionRoleError('arn:aws:iam::222222222222:role/edge', awsFailure('Throttling', 400)),
    'Throttling',
  ],
])('%s → %s', (_what, error, code) => {
  expect(mapError(error).code).toBe(code);
});

test('a refused distribution role names DistributionRoleArn and the role', () => {
  const e = new DistributionRoleError('arn:aws:iam::222222222222:role/edge', awsFailure('AccessDenied', 403));
  expect(mapError(e).message).toMatch(
    /^DistributionRoleArn: cannot assume role 'arn:aws:iam::222222222222:role\/edge' for CloudFront: AccessDenied: /,
  );
});
