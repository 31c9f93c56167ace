import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { LockError } from '../engine/errors';

/**
 * The edge-account role: some organisations keep CloudFront in a central account, so a lock names a
 * role there (DistributionRoleArn, DistributionRoleExternalId) and every CloudFront call assumes it,
 * while the load balancer, its security groups and the secret stay in the caller's account.
 */
export interface DistributionRole {
  roleArn: string;
  externalId?: string;
}

/** The session name CloudTrail shows in the edge account for the lock's CloudFront calls. */
export const ROLE_SESSION_NAME = 'acme-origin-lock';

type RoleProperties = { DistributionRoleArn?: unknown; DistributionRoleExternalId?: unknown };

/** The role a lock's properties (or recorded spec) name; parseSpec validates the values themselves. */
export function distributionRoleOf(props: RoleProperties | undefined): DistributionRole | undefined {
  const roleArn = props?.DistributionRoleArn;
  if (typeof roleArn !== 'string' || roleArn === '') return undefined;
  const externalId = props?.DistributionRoleExternalId;
  return typeof externalId === 'string' && externalId !== '' ? { roleArn, externalId } : { roleArn };
}

/** AssumeRole of the distribution role failed; error-mapping.ts names DistributionRoleArn for it. */
export class DistributionRoleError extends Error {
  constructor(
    readonly roleArn: string,
    /** What STS answered (or why the answer was unusable). */
    readonly failure: unknown,
  ) {
    super(`could not assume role '${roleArn}'`);
    this.name = 'DistributionRoleError';
  }
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * A credentials provider for `role`, assumed with the STS client's (the caller's) credentials. The SDK
 * memoizes a credentials function per client and calls it again shortly before `expiration`, so one
 * AssumeRole serves every CloudFront call of an invocation. Credentials never reach a message or log.
 */
export function assumedRoleCredentials(
  sts: STSClient,
  role: DistributionRole,
): () => Promise<TemporaryCredentials> {
  return async () => {
    let credentials;
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: ROLE_SESSION_NAME,
          ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
        }),
      );
      credentials = out.Credentials;
    } catch (e) {
      throw new DistributionRoleError(role.roleArn, e);
    }
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
      throw new DistributionRoleError(role.roleArn, new Error('AssumeRole answered without credentials'));
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
      ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
    };
  };
}

/**
 * The role of an existing lock never changes (createOnly in the schema): the origins it stamped live in
 * the role's account, and only that role can find them again to release them. A changed role would
 * stamp through the new one and lose the old stamps, leaving the old distribution able to reach the
 * load balancer. Replace the lock instead (delete it, then create it with the new role).
 */
export function checkRoleUnchanged(previous: RoleProperties | undefined, desired: RoleProperties): void {
  if (!previous) return;
  const before = distributionRoleOf(previous)?.roleArn;
  const after = distributionRoleOf(desired)?.roleArn;
  if (before === after) return;
  throw new LockError(
    'NotUpdatable',
    `DistributionRoleArn: cannot change on an existing lock (from ${before ?? 'none'} to ${after ?? 'none'}): the origins it stamped are in the old role's account; delete the lock, then create it with the new role`,
  );
}
