/**
 * The identifier formats the lock accepts, defined once for the engine, the custom resource and the
 * CLI (schema/acme-origin-lock.json carries the same patterns for the registered type).
 */

/** Any Elastic Load Balancing listener ARN; group 3 is the load balancer kind (app, net or gwy). */
export const LISTENER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):listener\/(app|net|gwy)\/([A-Za-z0-9-]{1,32})\/([0-9a-f]{16})\/([0-9a-f]{16})$/;
export const DISTRIBUTION_ID = /^[A-Z0-9]{1,32}$/;
export const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]+$/;

/** An Application Load Balancer listener ARN: the only kind a lock (and so its physical id) can be. */
export const isAlbListenerArn = (value: unknown): value is string =>
  typeof value === 'string' && LISTENER_ARN.exec(value)?.[3] === 'app';

export const isDistributionId = (value: unknown): value is string =>
  typeof value === 'string' && DISTRIBUTION_ID.test(value);

export const isSecretArn = (value: unknown): value is string =>
  typeof value === 'string' && SECRET_ARN.test(value);
