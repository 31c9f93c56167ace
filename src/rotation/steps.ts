import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { AwsClients, withDistributionRole } from '../aws/clients';
import { distributionRoleOf } from '../aws/distribution-role';
import { headerValues, subsetOf } from '../engine/rules/alb';
import { catchAllOf } from '../engine/plan/controls/listener-rules';
import { converge, userSentValues } from '../engine/converge';
import { LockError } from '../engine/errors';
import { observe, observeDistribution } from '../engine/observe';
import { clockWith, finished, retryAfter, waitFor } from '../engine/rules/deadline';
import { readSecretValues, secretValueList } from '../engine/secret';
import { LockSpec } from '../engine/spec';
import { locksUsingSecret } from './affected-locks';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export interface RotationEvent {
  Step: RotationStep;
  SecretId: string;
  ClientRequestToken: string;
}

export interface RotationEnv {
  clients: AwsClients;
  log: (message: string) => void;
  /** Milliseconds this invocation may still use (Lambda's getRemainingTimeInMillis). */
  remainingMs: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Length of generated values (lowercase letters and digits). */
  valueLength?: number;
  pollMs?: number;
}

interface SecretState {
  arn: string;
  stages: Record<string, string[]>;
  currentVersion?: string;
}

async function describe(env: RotationEnv, secretId: string): Promise<SecretState> {
  const d = await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const stages = d.VersionIdsToStages ?? {};
  const currentVersion = Object.keys(stages).find((v) => stages[v].includes('AWSCURRENT'));
  return { arn: d.ARN ?? secretId, stages, currentVersion };
}

/** createSecret: a new random value staged AWSPENDING, in the secret's JSON shape when locks use a key. */
async function createSecret(
  env: RotationEnv,
  s: SecretState,
  token: string,
  locks: LockSpec[],
): Promise<void> {
  try {
    await env.clients.secrets.send(
      new GetSecretValueCommand({ SecretId: s.arn, VersionId: token, VersionStage: 'AWSPENDING' }),
    );
    env.log('createSecret: the pending version already exists');
    return;
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  }
  const random = await env.clients.secrets.send(
    new GetRandomPasswordCommand({
      PasswordLength: env.valueLength ?? 64,
      // ALB header matching is case-insensitive and treats * and ? as wildcards: [a-z0-9] only.
      ExcludeUppercase: true,
      ExcludePunctuation: true,
      IncludeSpace: false,
      RequireEachIncludedType: true,
    }),
  );
  const value = random.RandomPassword ?? '';
  const key = locks.find((l) => l.SecretKey !== undefined)?.SecretKey;
  let secretString = value;
  if (key !== undefined) {
    const current = await env.clients.secrets.send(
      new GetSecretValueCommand({ SecretId: s.arn, VersionStage: 'AWSCURRENT' }),
    );
    const shape = JSON.parse(current.SecretString ?? '{}') as Record<string, unknown>;
    secretString = JSON.stringify({ ...shape, [key]: value });
  }
  await env.clients.secrets.send(
    new PutSecretValueCommand({
      SecretId: s.arn,
      ClientRequestToken: token,
      SecretString: secretString,
      VersionStages: ['AWSPENDING'],
    }),
  );
  env.log('createSecret: staged a new AWSPENDING value');
}

/** Converges one lock with the step's name in its progress lines; origins send AWSPENDING if asked. */
const convergeFor = (env: RotationEnv, step: RotationStep, spec: LockSpec, sendPending: boolean) =>
  converge(env.clients, spec.ListenerArn, spec, (m) => env.log(`${step} ${spec.ListenerArn}: ${m}`), {
    sendValue: sendPending ? (v) => v.pending : undefined,
  });

/**
 * A lock that does not stamp its origins (Enforce.OriginHeader false, e.g. a stack-owned distribution)
 * keeps accepting what they send only while it is one of the secret's versions. If they still send the
 * value of the rotation before (AWSPREVIOUS), this rotation would retire it: refuse before any write.
 */
async function checkOriginsCaughtUp(env: RotationEnv, spec: LockSpec): Promise<void> {
  const observed = await observe(env.clients, spec.ListenerArn, [spec.DistributionId]);
  const sent = userSentValues(spec, observed);
  if (sent.length === 0) return;
  const secret = await readSecretValues(env.clients.secrets, spec.SecretArn, spec.SecretKey);
  if (!subsetOf(sent, secretValueList(secret))) {
    throw new LockError(
      'InvalidRequest',
      `setSecret: the origins of distribution ${spec.DistributionId} do not send the secret's current value yet, and the lock on ${spec.ListenerArn} does not stamp them (Enforce.OriginHeader is false); update the stack that owns the distribution so that it sends the current value, then retry the rotation`,
    );
  }
}

/**
 * setSecret: every lock accepts both values, then its origins send the pending one. A lock that does
 * not stamp its origins only widens: its origins keep sending their value until their owner updates them.
 */
async function setSecret(env: RotationEnv, locks: LockSpec[]): Promise<void> {
  for (const spec of locks.filter((l) => !l.Enforce.OriginHeader)) await checkOriginsCaughtUp(env, spec);
  for (const spec of locks) {
    const r = await convergeFor(env, 'setSecret', spec, spec.Enforce.OriginHeader);
    env.log(
      `setSecret: ${spec.ListenerArn} ${r.state === 'done' ? 'converged' : 'origin update propagating'}`,
    );
  }
}

/** Polls a distribution until it is Deployed; out of Lambda time, the step fails and is retried. */
async function awaitDeployed(env: RotationEnv, spec: LockSpec): Promise<void> {
  const id = spec.DistributionId;
  // The distribution lives in the account of the lock's DistributionRoleArn (none: this account).
  const clients = withDistributionRole(env.clients, distributionRoleOf(spec));
  let status = '';
  const result = await waitFor(
    async () => {
      const d = await observeDistribution(clients, id);
      if (!d || d.status === 'Deployed') return finished(undefined);
      status = d.status;
      env.log(`testSecret: distribution ${id} is ${d.status}, waiting`);
      return retryAfter(env.pollMs ?? 10_000);
    },
    // Keep a margin after the next poll for the checks that follow.
    { clock: clockWith({ sleep: env.sleep }), remainingMs: env.remainingMs, attemptMs: 5_000 },
  );
  if (result.state !== 'done') {
    // Failing the step makes Secrets Manager retry it later; finishing early would drop requests.
    throw new LockError(
      'NotStabilized',
      `testSecret: distribution ${id} is still ${status}; the step will be retried`,
    );
  }
}

/**
 * testSecret: wait (bounded) for every distribution to be Deployed, then check listeners accept the
 * pending value, and also the value the origins send for a lock that does not stamp them.
 */
async function testSecret(env: RotationEnv, locks: LockSpec[]): Promise<void> {
  // A distribution is named by its id within the account its lock's role reaches.
  const byDistribution = new Map(locks.map((l) => [`${l.DistributionRoleArn ?? ''} ${l.DistributionId}`, l]));
  for (const spec of byDistribution.values()) await awaitDeployed(env, spec);
  for (const spec of locks) {
    const r = await convergeFor(env, 'testSecret', spec, true);
    if (r.state !== 'done')
      throw new LockError('NotStabilized', `testSecret: ${spec.ListenerArn} is not settled yet`);
    // converge() ends on an observation that planned nothing: check that one, no second read.
    const catchAll = catchAllOf(r.observed);
    const { pending = '' } = await readSecretValues(env.clients.secrets, spec.SecretArn, spec.SecretKey);
    const sent = userSentValues(spec, r.observed);
    if (catchAll && !subsetOf([pending, ...sent], headerValues(catchAll.conditions, spec.HeaderName))) {
      throw new LockError(
        'NotStabilized',
        `testSecret: listener ${spec.ListenerArn} does not accept the pending value${sent.length > 0 ? ' and the value its origins send' : ''}`,
      );
    }
  }
  env.log(`testSecret: ${locks.length} lock(s) accept the pending value`);
}

const currentValue = async (env: RotationEnv, spec: LockSpec): Promise<string> =>
  (await readSecretValues(env.clients.secrets, spec.SecretArn, spec.SecretKey)).current;

/**
 * finishSecret: AWSCURRENT moves to the new version, then every lock narrows to it. A lock that does not
 * stamp its origins keeps accepting the previous value while they send it (converge keeps it): it
 * narrows on the first converge after their owner switches them to the new value.
 */
async function finishSecret(
  env: RotationEnv,
  s: SecretState,
  token: string,
  locks: LockSpec[],
): Promise<void> {
  if (s.currentVersion !== token) {
    await env.clients.secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: s.arn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        RemoveFromVersionId: s.currentVersion,
      }),
    );
    env.log('finishSecret: AWSCURRENT moved to the new version');
  }
  let lagging = 0;
  for (const spec of locks) {
    const r = await convergeFor(env, 'finishSecret', spec, false);
    if (r.state !== 'done')
      throw new LockError('NotStabilized', `finishSecret: ${spec.ListenerArn} is not settled yet`);
    // Only a lock that does not stamp its origins can be left with origins sending the previous value.
    const sent = userSentValues(spec, r.observed);
    if (sent.length > 0 && !subsetOf(sent, [await currentValue(env, spec)])) {
      lagging++;
      env.log(
        `finishSecret: ${spec.ListenerArn} still accepts the previous value: the origins of distribution ${spec.DistributionId} send it until the stack that owns it is updated`,
      );
    }
  }
  env.log(
    lagging === 0
      ? `finishSecret: ${locks.length} lock(s) accept only the new value`
      : `finishSecret: ${locks.length - lagging} lock(s) accept only the new value, ${lagging} also the previous one until their distribution sends the new one`,
  );
}

export async function runRotationStep(event: RotationEvent, env: RotationEnv): Promise<void> {
  const s = await describe(env, event.SecretId);
  // createSecret may run before the version exists; every later step needs it staged.
  const stages = s.stages[event.ClientRequestToken] ?? [];
  if (stages.includes('AWSCURRENT') && event.Step !== 'finishSecret') {
    env.log(`${event.Step}: version is already AWSCURRENT, nothing to do`);
    return;
  }
  if (!stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT') && event.Step !== 'createSecret') {
    throw new LockError(
      'InvalidRequest',
      `ClientRequestToken: version ${event.ClientRequestToken} is not AWSPENDING`,
    );
  }
  const locks = await locksUsingSecret(env.clients, s.arn);
  env.log(`${event.Step}: secret ${s.arn} is used by ${locks.length} lock(s)`);
  switch (event.Step) {
    case 'createSecret':
      return createSecret(env, s, event.ClientRequestToken, locks);
    case 'setSecret':
      return setSecret(env, locks);
    case 'testSecret':
      return testSecret(env, locks);
    case 'finishSecret':
      return finishSecret(env, s, event.ClientRequestToken, locks);
    default:
      throw new LockError('InvalidRequest', `Step: unknown rotation step '${String(event.Step)}'`);
  }
}
