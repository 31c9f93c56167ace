import { LockModel, LockProperties } from '../engine/converge';
import { invalid } from '../engine/errors';

/**
 * The custom resource takes the same properties as Acme::Origin::Lock (schema/acme-origin-lock.json),
 * plus CloudFormation's own ServiceToken and ServiceTimeout, which it ignores. test/custom-resource.test.ts checks these lists against the
 * schema, so the two cannot drift apart.
 */
export const WRITABLE_PROPERTIES = [
  'ListenerArn',
  'DistributionId',
  'SecretArn',
  'SecretKey',
  'HeaderName',
  'OriginId',
  'DenyResponse',
  'Enforce',
  'AllowedSources',
  'DistributionRoleArn',
  'DistributionRoleExternalId',
] as const;

export const READ_ONLY_PROPERTIES = [
  'LoadBalancerArn',
  'ForwardRuleArn',
  'SecurityGroupIds',
  'PrefixListIds',
  'GuardedRuleArns',
  'OriginIds',
  'DedicatedSecurityGroupId',
] as const;

export const NESTED_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  DenyResponse: ['StatusCode', 'ContentType', 'MessageBody'],
  Enforce: [
    'SecurityGroup',
    'ListenerRules',
    'DenyDefault',
    'OriginHeader',
    'HttpsOrigin',
    'DedicatedSecurityGroup',
    'SharedSecurityGroups',
  ],
};

/** Properties CloudFormation itself consumes; they reach the function too. */
export const CLOUDFORMATION_PROPERTIES = ['ServiceToken', 'ServiceTimeout'] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * ResourceProperties → the lock's properties (schema names). ServiceToken and ServiceTimeout are
 * dropped; unknown and read-only properties are refused here with an InvalidRequest LockError naming
 * them (the registered type gets that from its schema's `additionalProperties: false`). Values are
 * validated by the engine (parseSpec), which also accepts the strings CloudFormation turns template
 * booleans into.
 */
export function toModel(properties: Record<string, unknown> | undefined): LockProperties {
  const props = properties ?? {};
  const model: Record<string, unknown> = {};
  const writable = new Set<string>(WRITABLE_PROPERTIES);
  const readOnly = new Set<string>(READ_ONLY_PROPERTIES);
  const ignored = new Set<string>(CLOUDFORMATION_PROPERTIES);
  for (const [key, value] of Object.entries(props)) {
    if (ignored.has(key)) continue;
    if (readOnly.has(key)) {
      throw invalid(key, 'is read-only; read it with Fn::GetAtt instead of setting it');
    }
    if (!writable.has(key)) {
      throw invalid(
        key,
        `is not a property of Custom::OriginLock (allowed: ${WRITABLE_PROPERTIES.join(', ')})`,
      );
    }
    const nested = NESTED_PROPERTIES[key];
    if (nested) {
      if (!isObject(value)) throw invalid(key, 'must be an object');
      const unknown = Object.keys(value).filter((k) => !nested.includes(k));
      if (unknown.length) {
        throw invalid(`${key}.${unknown[0]}`, `is not a property of ${key} (allowed: ${nested.join(', ')})`);
      }
    }
    model[key] = value;
  }
  return model;
}

/** Like toModel, but never refuses: for the previous properties of an Update, which were accepted once. */
export function toModelLenient(properties: Record<string, unknown> | undefined): LockProperties {
  const model: LockProperties = {};
  for (const key of WRITABLE_PROPERTIES) {
    if (properties && properties[key] !== undefined) model[key] = properties[key];
  }
  return model;
}

/** The read-only properties as Fn::GetAtt attributes: always every key, always a string. */
export function toData(model: LockModel | LockProperties | undefined): Record<string, string> {
  const data: Record<string, string> = {};
  for (const key of READ_ONLY_PROPERTIES) {
    const value = model?.[key];
    if (Array.isArray(value)) data[key] = value.map(String).join(',');
    else data[key] = value === undefined || value === null ? '' : String(value);
  }
  return data;
}
