import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { invalid, LockError, notFound } from './errors';

/**
 * The header values a lock accepts: the secret's AWSCURRENT value and, while a rotation is in
 * flight, its AWSPENDING value. Values stay in memory only; nothing here is ever logged.
 */
export interface SecretValues {
  current: string;
  pending?: string;
}

export const secretValueList = (s: SecretValues): string[] =>
  s.pending ? [s.current, s.pending] : [s.current];

// ALB header matching is case-insensitive and treats * and ? as wildcards, so neither may appear.
const VALID_VALUE = /^[\x21-\x7e]{32,128}$/;

/** Checks a header value without ever echoing it. */
export function checkHeaderValue(value: string, field: string): void {
  if (value.length < 32 || value.length > 128) {
    throw invalid(field, `the header value must be 32 to 128 characters long (it has ${value.length})`);
  }
  if (!VALID_VALUE.test(value)) {
    throw invalid(field, 'the header value must be printable ASCII without whitespace');
  }
  if (value.includes('*') || value.includes('?')) {
    throw invalid(field, "the header value must not contain '*' or '?' (ALB treats them as wildcards)");
  }
}

/** Extracts the header value from a secret string, JSON-aware when a key is given. */
export function extractValue(secretString: string, secretKey: string | undefined): string {
  if (secretKey === undefined) return secretString;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw invalid('SecretKey', 'is set but the secret string is not a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('SecretKey', 'is set but the secret string is not a JSON object');
  }
  const v = (parsed as Record<string, unknown>)[secretKey];
  if (typeof v !== 'string') {
    throw invalid('SecretKey', `the secret's JSON has no string value under the key '${secretKey}'`);
  }
  return v;
}

async function valueAtStage(
  client: SecretsManagerClient,
  secretArn: string,
  stage: 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS',
  secretKey: string | undefined,
): Promise<string | undefined> {
  // Ask for the stage explicitly: without it moto (and caches) can serve a stale version.
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage }));
  if (out.SecretString === undefined) {
    if (stage !== 'AWSCURRENT') return undefined;
    throw invalid('SecretArn', 'the secret has no current string value (binary secrets are not supported)');
  }
  const value = extractValue(out.SecretString, secretKey);
  checkHeaderValue(value, stage === 'AWSCURRENT' ? 'SecretArn' : `SecretArn (${stage} version)`);
  return value;
}

export async function readSecretValues(
  client: SecretsManagerClient,
  secretArn: string,
  secretKey: string | undefined,
): Promise<SecretValues> {
  let stages: Record<string, string[]>;
  try {
    const d = await client.send(new DescribeSecretCommand({ SecretId: secretArn }));
    if (d.DeletedDate) throw notFound('SecretArn', `secret '${secretArn}' is scheduled for deletion`);
    stages = d.VersionIdsToStages ?? {};
  } catch (e) {
    if (e instanceof ResourceNotFoundException)
      throw notFound('SecretArn', `secret '${secretArn}' does not exist`);
    throw e;
  }
  const all = Object.values(stages);
  if (!all.some((s) => s.includes('AWSCURRENT'))) {
    throw invalid('SecretArn', `secret '${secretArn}' has no AWSCURRENT version`);
  }
  const current = await valueAtStage(client, secretArn, 'AWSCURRENT', secretKey);
  if (current === undefined) throw new LockError('InternalFailure', 'secret current value missing');
  const pendingOnly = all.some((s) => s.includes('AWSPENDING') && !s.includes('AWSCURRENT'));
  const pending = pendingOnly ? await valueAtStage(client, secretArn, 'AWSPENDING', secretKey) : undefined;
  rememberValues(pending ? [current, pending] : [current]);
  return pending && pending.toLowerCase() !== current.toLowerCase() ? { current, pending } : { current };
}

/**
 * The secret's AWSPREVIOUS value, or undefined when there is none (or it is not a usable header
 * value). Read only for a lock whose origins still send a value that is neither AWSCURRENT nor
 * AWSPENDING: the distribution's owner has not picked up the last rotation yet.
 */
export async function readPreviousValue(
  client: SecretsManagerClient,
  secretArn: string,
  secretKey: string | undefined,
): Promise<string | undefined> {
  try {
    const value = await valueAtStage(client, secretArn, 'AWSPREVIOUS', secretKey);
    if (value !== undefined) rememberValues([value]);
    return value;
  } catch (e) {
    // No AWSPREVIOUS version, or one the lock could not have accepted anyway: nothing to keep.
    if (e instanceof ResourceNotFoundException || e instanceof LockError) return undefined;
    throw e;
  }
}

// Every header value this process has seen, so any outgoing text can be scrubbed as a last line of
// defence (messages are built not to contain values in the first place).
const seen = new Set<string>();
export function rememberValues(values: string[]): void {
  for (const v of values) if (v.length >= 8) seen.add(v);
}

export function redact(text: string): string {
  let out = text;
  // Case-insensitive: ALB matches header values that way, so any casing is the secret too.
  for (const v of seen) {
    const re = new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
    out = out.replace(re, '<redacted>');
  }
  return out;
}
