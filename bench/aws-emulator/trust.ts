import { WireError, wireError, WireRequest } from './wire';

/**
 * IAM's judgement of AssumeRole, which moto skips (it hands out credentials for any role ARN, in the
 * ARN's account). With a list of trusting roles, AssumeRole of any other role, or without the external
 * id a role's trust policy asks for (condition sts:ExternalId), is refused as AWS refuses it: 403
 * AccessDenied, whether the role is missing or just does not trust the caller.
 */
export interface TrustingRole {
  roleArn: string;
  /** The sts:ExternalId its trust policy requires, if any. */
  externalId?: string;
}

export function assumeRoleRefusal(r: WireRequest, trusting: readonly TrustingRole[]): WireError | undefined {
  if (r.service !== 'sts' || r.operation !== 'AssumeRole') return undefined;
  const roleArn = r.form.get('RoleArn') ?? '';
  const role = trusting.find((t) => t.roleArn === roleArn);
  if (role && (role.externalId === undefined || role.externalId === r.form.get('ExternalId')))
    return undefined;
  return wireError(
    'sts',
    403,
    'AccessDenied',
    `User: arn:aws:iam::123456789012:user/moto is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  );
}
