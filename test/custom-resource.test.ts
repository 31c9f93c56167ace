/**
 * Custom::OriginLock end to end against moto: the handler drives the real lock engine, and a local
 * HTTP server plays the pre-signed ResponseURL that CloudFormation waits on.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients, createClients } from '../src/aws/clients';
import { createHandler, HandlerOptions, notCreatedId } from '../src/custom-resource/handler';
import { invokeSelf } from '../src/custom-resource/index';
import {
  NESTED_PROPERTIES,
  READ_ONLY_PROPERTIES,
  toData,
  toModel,
  WRITABLE_PROPERTIES,
} from '../src/custom-resource/properties';
import { MAX_RESPONSE_BYTES, responseBody } from '../src/custom-resource/respond';
import { CustomResourceEvent, LambdaContext, RequestType } from '../src/custom-resource/types';
import { buildFixture, Fixture, TEST_CREDENTIALS, TEST_REGION } from '../bench/fixtures';
import { MotoServer, startMoto } from '../bench/moto';
import { repoRoot } from '../bench/paths';
import { readLock } from '../src/engine/lifecycle';
import { ResponseServer, startResponseServer } from './support/response-server';
import { captureState } from './support/state';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:origin-lock-provider';
const STACK_ID =
  'arn:aws:cloudformation:us-east-1:123456789012:stack/locks/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

let moto: MotoServer;
let responses: ResponseServer;
let logs: string[] = [];
/** Every secret value a test used: no response body may ever contain one. */
const secrets = new Set<string>();

beforeAll(async () => {
  moto = await startMoto();
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  responses = await startResponseServer();
});

afterAll(async () => {
  await responses?.close();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  responses.clear();
  logs = [];
});

afterEach(() => {
  for (const r of responses.received) {
    for (const secret of secrets) expect(r.body.toLowerCase()).not.toContain(secret.toLowerCase());
  }
  for (const line of logs) {
    for (const secret of secrets) expect(line.toLowerCase()).not.toContain(secret.toLowerCase());
  }
});

async function fixture(): Promise<Fixture> {
  const f = await buildFixture({ extraRules: ['host', 'path'] });
  secrets.add(f.secretValue);
  return f;
}

const propsOf = (f: Fixture, extra: Record<string, unknown> = {}) => ({
  ListenerArn: f.listenerArn,
  DistributionId: f.distributionId,
  SecretArn: f.secretArn,
  ...extra,
});

function requestOf(
  type: RequestType,
  properties: Record<string, unknown>,
  extra: Partial<CustomResourceEvent> = {},
): CustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: FUNCTION_ARN,
    ResponseURL: responses.url(),
    StackId: STACK_ID,
    RequestId: randomUUID(),
    ResourceType: 'Custom::OriginLock',
    LogicalResourceId: 'Lock',
    ResourceProperties: { ServiceToken: FUNCTION_ARN, ...properties },
    ...extra,
  };
}

/** A Lambda context with `budgetMs` from now on the given clock. */
function contextOf(budgetMs = 5 * 60_000, clock: () => number = Date.now): LambdaContext {
  const start = clock();
  return {
    getRemainingTimeInMillis: () => budgetMs - (clock() - start),
    invokedFunctionArn: FUNCTION_ARN,
    functionName: 'origin-lock-provider',
    logStreamName: '2026/11/21/[$LATEST]0123456789abcdef',
    awsRequestId: randomUUID(),
  };
}

const testClients = (customize?: (c: AwsClients) => void) => (region: string) =>
  createClients({ region, credentials: { ...TEST_CREDENTIALS }, customize });

function handlerWith(options: HandlerOptions = {}) {
  return createHandler({
    clients: testClients(),
    log: (line) => logs.push(line),
    // The engine asks for a 20 s pause between CloudFront polls; moto needs none.
    maxPollMs: 0,
    putBackoffMs: 5,
    reinvoke: () => Promise.reject(new Error('this test expects no re-invocation')),
    ...options,
  });
}

/** Runs one request and returns the single answer CloudFormation received. */
async function answerTo(event: CustomResourceEvent, options: HandlerOptions = {}) {
  const before = responses.accepted().length;
  await handlerWith(options)(event, contextOf());
  const answers = responses.accepted().slice(before);
  expect(answers).toHaveLength(1);
  return answers[0] as {
    Status: string;
    Reason?: string;
    PhysicalResourceId: string;
    StackId: string;
    RequestId: string;
    LogicalResourceId: string;
    Data?: Record<string, string>;
  };
}

function expectEnvelope(answer: Record<string, unknown>, event: CustomResourceEvent) {
  expect(answer).toMatchObject({
    StackId: STACK_ID,
    RequestId: event.RequestId,
    LogicalResourceId: 'Lock',
  });
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

/** Adds an initialize-step middleware to every client (the SDK's own types are per client). */
function intercept(clients: AwsClients, name: string, middleware: Middleware) {
  for (const client of Object.values(clients) as {
    middlewareStack: { add(mw: Middleware, options: { step: 'initialize'; name: string }): void };
  }[]) {
    client.middlewareStack.add(middleware, { step: 'initialize', name });
  }
}

/**
 * Makes every AWS call of the engine that matches `command` throw `error` (before it is sent), like a
 * crash inside the engine.
 */
function failing(command: RegExp, error: () => Error) {
  return (clients: AwsClients) =>
    intercept(clients, 'injectFailure', (next, context) => async (args) => {
      if (command.test(context.commandName ?? '')) throw error();
      return next(args);
    });
}

describe('properties', () => {
  const schema = JSON.parse(
    readFileSync(path.join(repoRoot(), 'schema', 'acme-origin-lock.json'), 'utf8'),
  ) as {
    properties: Record<string, unknown>;
    readOnlyProperties: string[];
    definitions: Record<string, { properties: Record<string, unknown> }>;
  };

  test('are exactly the type schema properties', () => {
    const readOnly = schema.readOnlyProperties.map((p) => p.replace('/properties/', ''));
    expect([...READ_ONLY_PROPERTIES].sort()).toEqual([...readOnly].sort());
    const writable = Object.keys(schema.properties).filter((p) => !readOnly.includes(p));
    expect([...WRITABLE_PROPERTIES].sort()).toEqual(writable.sort());
    for (const [name, keys] of Object.entries(NESTED_PROPERTIES)) {
      expect([...keys].sort()).toEqual(Object.keys(schema.definitions[name].properties).sort());
    }
  });

  test('ServiceToken and ServiceTimeout are ignored; Data values are strings, every key present', () => {
    expect(toModel({ ServiceToken: 'arn:x', ServiceTimeout: '3600', ListenerArn: 'l' })).toEqual({
      ListenerArn: 'l',
    });
    expect(toData({ SecurityGroupIds: ['sg-1', 'sg-2'], LoadBalancerArn: 'arn:lb' })).toEqual({
      LoadBalancerArn: 'arn:lb',
      ForwardRuleArn: '',
      SecurityGroupIds: 'sg-1,sg-2',
      PrefixListIds: '',
      GuardedRuleArns: '',
      OriginIds: '',
      DedicatedSecurityGroupId: '',
    });
  });

  test('an over-long Reason is cut to CloudFormation’s 4096-byte limit', () => {
    const body = responseBody({
      Status: 'FAILED',
      Reason: 'x'.repeat(10_000),
      PhysicalResourceId: 'id',
      StackId: STACK_ID,
      RequestId: 'r',
      LogicalResourceId: 'Lock',
    });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(JSON.parse(body).Reason).toMatch(/\(truncated\)$/);
  });
});

describe('Create, Update, Delete', () => {
  test('the lock lifecycle answers SUCCESS with the listener ARN and the read-only properties', async () => {
    const f = await fixture();
    // CloudFormation passes template booleans and numbers as strings.
    const props = propsOf(f, { Enforce: { HttpsOrigin: 'false' }, DenyResponse: { StatusCode: '403' } });
    const create = requestOf('Create', props);
    const created = await answerTo(create);
    expectEnvelope(created, create);
    expect(created.Status).toBe('SUCCESS');
    expect(created.PhysicalResourceId).toBe(f.listenerArn);
    expect(created.Data).toEqual({
      LoadBalancerArn: f.loadBalancerArn,
      ForwardRuleArn: expect.stringContaining(':listener-rule/app/'),
      SecurityGroupIds: f.securityGroupId,
      PrefixListIds: f.prefixListIds.ipv4,
      GuardedRuleArns: expect.stringMatching(/^arn:.*listener-rule.*,arn:.*listener-rule/),
      OriginIds: f.albOriginIds.join(','),
      DedicatedSecurityGroupId: '',
    });
    for (const value of Object.values(created.Data ?? {})) expect(typeof value).toBe('string');
    // The PUT as CloudFormation's pre-signed S3 URL needs it: empty content type, the query kept.
    const put = responses.received[responses.received.length - 1];
    expect(put.method).toBe('PUT');
    expect(put.headers['content-type']).toBe('');
    expect(put.path).toContain('X-Amz-Signature=');
    const locked = await readLock(
      testClients()(TEST_REGION),
      { ListenerArn: f.listenerArn },
      () => undefined,
    );
    expect(locked.status).toBe(OperationStatus.Success);

    const update = requestOf(
      'Update',
      propsOf(f, { DenyResponse: { StatusCode: '404', MessageBody: 'Nope' } }),
      {
        PhysicalResourceId: f.listenerArn,
        OldResourceProperties: { ServiceToken: FUNCTION_ARN, ...props },
      },
    );
    const updated = await answerTo(update);
    expectEnvelope(updated, update);
    expect(updated).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: f.listenerArn });
    expect(updated.Data?.LoadBalancerArn).toBe(f.loadBalancerArn);
    const after = await readLock(testClients()(TEST_REGION), { ListenerArn: f.listenerArn }, () => undefined);
    expect(after.model?.DenyResponse).toMatchObject({ StatusCode: '404', MessageBody: 'Nope' });

    const del = requestOf('Delete', propsOf(f), { PhysicalResourceId: f.listenerArn });
    const deleted = await answerTo(del);
    expectEnvelope(deleted, del);
    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: f.listenerArn });
    const gone = await readLock(testClients()(TEST_REGION), { ListenerArn: f.listenerArn }, () => undefined);
    expect(gone).toMatchObject({ status: OperationStatus.Failed, errorCode: 'NotFound' });

    // A Delete CloudFormation repeats (or one for a lock already gone) still succeeds.
    const again = await answerTo(requestOf('Delete', propsOf(f), { PhysicalResourceId: f.listenerArn }));
    expect(again).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: f.listenerArn });
  });

  test('an Update that changes ListenerArn creates the new lock under a new physical id', async () => {
    const f = await fixture();
    const created = await answerTo(requestOf('Create', propsOf(f)));
    expect(created.Status).toBe('SUCCESS');
    const second = await buildFixture({ name: 'second' });
    secrets.add(second.secretValue);
    const moved = await answerTo(
      requestOf('Update', propsOf(second), {
        PhysicalResourceId: f.listenerArn,
        OldResourceProperties: { ServiceToken: FUNCTION_ARN, ...propsOf(f) },
      }),
    );
    expect(moved).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: second.listenerArn });
    expect(moved.Data?.LoadBalancerArn).toBe(second.loadBalancerArn);
    // CloudFormation then deletes the old physical id.
    const old = await answerTo(requestOf('Delete', propsOf(f), { PhysicalResourceId: f.listenerArn }));
    expect(old.Status).toBe('SUCCESS');
    const clients = testClients()(TEST_REGION);
    expect((await readLock(clients, { ListenerArn: f.listenerArn }, () => undefined)).status).toBe(
      OperationStatus.Failed,
    );
    expect((await readLock(clients, { ListenerArn: second.listenerArn }, () => undefined)).status).toBe(
      OperationStatus.Success,
    );
  });

  test('a replacement that fails half-way releases its partial lock and keeps the old physical id', async () => {
    const f = await fixture();
    expect((await answerTo(requestOf('Create', propsOf(f)))).Status).toBe('SUCCESS');
    const second = await buildFixture({ name: 'second' });
    secrets.add(second.secretValue);
    let crashes = 0;
    const crashOnce = failing(/^ModifyListenerCommand$/, () => {
      crashes++;
      return new TypeError('engine exploded');
    });
    // Only the first ModifyListener call of the replacement crashes; the undo runs normally.
    const clients = (region: string) =>
      createClients({
        region,
        credentials: { ...TEST_CREDENTIALS },
        customize: (c) => {
          if (crashes === 0) crashOnce(c);
        },
      });
    const moved = await answerTo(
      requestOf('Update', propsOf(second), {
        PhysicalResourceId: f.listenerArn,
        OldResourceProperties: { ServiceToken: FUNCTION_ARN, ...propsOf(f) },
      }),
      { clients },
    );
    expect(crashes).toBe(1);
    expect(moved.Status).toBe('FAILED');
    expect(moved.PhysicalResourceId).toBe(f.listenerArn);
    expect(moved.Reason).toMatch(
      new RegExp(
        `^InternalFailure: .*engine exploded; the partial lock on listener '${second.listenerArn}' was released`,
      ),
    );
    const plain = testClients()(TEST_REGION);
    expect((await readLock(plain, { ListenerArn: second.listenerArn }, () => undefined)).status).toBe(
      OperationStatus.Failed,
    );
    expect((await readLock(plain, { ListenerArn: f.listenerArn }, () => undefined)).status).toBe(
      OperationStatus.Success,
    );
  });

  test('a Delete after a failed Create (physical id not a listener ARN) succeeds without AWS calls', async () => {
    const answer = await answerTo(
      requestOf('Delete', { ListenerArn: 'not-an-arn' }, { PhysicalResourceId: notCreatedId('r-1') }),
      {
        clients: () => {
          throw new Error('this Delete must not build AWS clients');
        },
      },
    );
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: notCreatedId('r-1') });
  });

  test('a Delete for a listener without a lock, or one that no longer exists, succeeds', async () => {
    const f = await fixture();
    const unlocked = await answerTo(requestOf('Delete', propsOf(f), { PhysicalResourceId: f.listenerArn }));
    expect(unlocked).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: f.listenerArn });
    const missing = f.listenerArn.replace(/\/[0-9a-f]{16}$/, '/0123456789abcdef');
    const gone = await answerTo(requestOf('Delete', propsOf(f), { PhysicalResourceId: missing }));
    expect(gone).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: missing });
  });
});

describe('failures still answer CloudFormation', () => {
  test.each([
    [{ DistributionId: 'not a distribution' }, /^InvalidRequest: DistributionId: /],
    [{ SecretArn: 'arn:aws:s3:::bucket' }, /^InvalidRequest: SecretArn: /],
    [{ Colour: 'blue' }, /^InvalidRequest: Colour: is not a property of Custom::OriginLock/],
    [{ LoadBalancerArn: 'arn:aws:x' }, /^InvalidRequest: LoadBalancerArn: is read-only/],
    [
      { Enforce: { SecurityGroup: 'maybe' } },
      /^InvalidRequest: Enforce.SecurityGroup: must be true or false/,
    ],
    [
      { Enforce: { Everything: 'true' } },
      /^InvalidRequest: Enforce.Everything: is not a property of Enforce/,
    ],
  ])('bad input %j → FAILED with a reason naming the field', async (bad, reason) => {
    const f = await fixture();
    const event = requestOf('Create', propsOf(f, bad));
    const answer = await answerTo(event);
    expectEnvelope(answer, event);
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(reason);
    // Nothing was locked: the physical id keeps the rollback's Delete away from the listener.
    expect(answer.PhysicalResourceId).toBe(notCreatedId(event.RequestId));
    expect(answer.Data).toBeUndefined();
  });

  test('a listener that already has a lock → FAILED AlreadyExists, and its lock is not touched', async () => {
    const f = await fixture();
    expect((await answerTo(requestOf('Create', propsOf(f)))).Status).toBe('SUCCESS');
    const second = requestOf('Create', propsOf(f));
    const answer = await answerTo(second);
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/^AlreadyExists: ListenerArn: /);
    expect(answer.PhysicalResourceId).toBe(notCreatedId(second.RequestId));
  });

  test('a crash inside the engine → FAILED after the partial lock is released; the rollback Delete has nothing left', async () => {
    const f = await fixture();
    const before = await captureState(testClients()(TEST_REGION), f);
    const event = requestOf('Create', propsOf(f));
    let crashes = 0;
    const answer = await answerTo(event, {
      // Only the lock's deny crashes; the release that follows restores the default normally.
      clients: testClients((clients) =>
        intercept(clients, 'injectFailure', (next, context) => async (args) => {
          if (context.commandName === 'ModifyListenerCommand' && crashes++ === 0)
            throw new TypeError('engine exploded');
          return next(args);
        }),
      ),
    });
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(
      /^InternalFailure: .*engine exploded; the partial lock on listener .* was released/,
    );
    expect(answer.Reason).toContain('log stream 2026/11/21/[$LATEST]0123456789abcdef');
    // Nothing of this request is left, so the physical id says so and the rollback Delete skips it.
    expect(answer.PhysicalResourceId).toBe(notCreatedId(event.RequestId));
    expect(await captureState(testClients()(TEST_REGION), f)).toEqual(before);
    const rollback = await answerTo(
      requestOf('Delete', propsOf(f), { PhysicalResourceId: answer.PhysicalResourceId }),
    );
    expect(rollback.Status).toBe('SUCCESS');
  });

  test('an error that quotes the secret value is answered redacted', async () => {
    const f = await fixture();
    const answer = await answerTo(requestOf('Create', propsOf(f)), {
      clients: testClients(
        failing(/^(CreateRule|ModifyRule|ModifyListener)Command$/, () => {
          const e = new Error(`ValidationError: header value '${f.secretValue}' is not allowed`);
          e.name = 'ValidationError';
          return e;
        }),
      ),
    });
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toContain('<redacted>');
    expect(answer.Reason?.toLowerCase()).not.toContain(f.secretValue.toLowerCase());
  });

  test('a crash outside the engine (clients cannot be built) → FAILED', async () => {
    const f = await fixture();
    const answer = await answerTo(requestOf('Create', propsOf(f)), {
      clients: () => {
        throw new Error('no credentials in this Lambda');
      },
    });
    expect(answer).toMatchObject({ Status: 'FAILED' });
    expect(answer.Reason).toMatch(/^InternalFailure: Error: no credentials in this Lambda/);
  });

  test('a refused response PUT is retried with back-off', async () => {
    const f = await fixture();
    responses.failNext(2);
    await handlerWith()(requestOf('Create', propsOf(f)), contextOf());
    expect(responses.received.map((r) => r.method)).toEqual(['PUT', 'PUT', 'PUT']);
    expect(responses.accepted()).toHaveLength(1);
    expect(responses.accepted()[0].Status).toBe('SUCCESS');
  });

  test('too little Lambda time for one engine call → FAILED at once, naming the timeout', async () => {
    const f = await fixture();
    const event = requestOf('Create', propsOf(f));
    await handlerWith()(event, contextOf(30_000));
    const [answer] = responses.accepted();
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/Lambda timeout is too short: each invocation needs at least 75 s/);
  });

  test('an engine call that would overrun the Lambda timeout → FAILED before the timeout', async () => {
    const f = await fixture();
    const event = requestOf('Create', propsOf(f));
    // The engine's first AWS call hangs until the test lets go: an answer can only come from the
    // handler giving up on it, not from the call finishing.
    let letGo = (): void => {};
    const held = new Promise<void>((resolve) => (letGo = resolve));
    let stalled = 0;
    let returned = 0;
    const hanging = (clients: AwsClients) =>
      intercept(clients, 'hanging', () => async () => {
        stalled++;
        await held;
        returned++;
        throw new Error('released after the test');
      });
    try {
      await handlerWith({ clients: testClients(hanging), engineCallMs: 500, responseReserveMs: 1000 })(
        event,
        contextOf(2500),
      );
      const [answer] = responses.accepted();
      expect(answer.Status).toBe('FAILED');
      expect(answer.Reason).toMatch(
        /^InternalFailure: the create step was still running 1 s before the Lambda timeout/,
      );
      // Answered while the call was still in flight: the handler did not wait for it.
      expect(stalled).toBeGreaterThan(0);
      expect(returned).toBe(0);
    } finally {
      letGo();
    }
  });
});

describe('waiting for CloudFront across invocations', () => {
  test('a long Deployed wait continues in self re-invocations carrying the progress, then answers', async () => {
    await moto.setCloudFrontTransition({ progression: 'manual', times: 12 });
    const f = await fixture();
    // A fake clock: pauses pass instantly, and the Lambda time budget follows the clock.
    let clock = 1_000_000;
    const now = () => clock;
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const reinvocations: CustomResourceEvent[] = [];
    const handler = handlerWith({
      now,
      sleep,
      maxPollMs: undefined, // the engine's own 20 s pause, on the fake clock
      engineCallMs: 30_000,
      responseReserveMs: 5_000,
      reinvoke: async (event) => {
        reinvocations.push(JSON.parse(JSON.stringify(event)) as CustomResourceEvent);
      },
    });
    // 30 + 5 s for an engine call and the answer, + 20 s pause, + 5 s: one pause per invocation.
    const budget = 60_000;
    const first = requestOf('Create', propsOf(f));
    let pending: CustomResourceEvent | undefined = first;
    let invocations = 0;
    while (pending && invocations < 40) {
      invocations++;
      const before = reinvocations.length;
      await handler(pending, contextOf(budget, now));
      pending = reinvocations.length > before ? reinvocations[reinvocations.length - 1] : undefined;
      if (pending) expect(responses.accepted()).toHaveLength(0);
    }
    expect(reinvocations.length).toBeGreaterThanOrEqual(2);
    expect(reinvocations.map((e) => e.OriginLockProgress?.invocation)).toEqual(
      reinvocations.map((_, i) => i + 2),
    );
    const [progressEvent] = reinvocations;
    // The original event travels on unchanged, plus the progress.
    expect(progressEvent).toMatchObject({
      RequestType: 'Create',
      RequestId: first.RequestId,
      ResponseURL: first.ResponseURL,
      StackId: STACK_ID,
      ResourceProperties: first.ResourceProperties,
    });
    expect(progressEvent.OriginLockProgress).toMatchObject({
      v: 1,
      operation: 'create',
      invocation: 2,
      firstInvokedAt: 1_000_000,
      deadline: 1_000_000 + 50 * 60_000,
      callbackContext: { started: true },
      waitingFor: expect.stringContaining(f.distributionId),
    });
    const answers = responses.accepted();
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: f.listenerArn,
      RequestId: first.RequestId,
    });
  });

  test('past the overall deadline a re-invocation answers FAILED with what it was waiting for', async () => {
    await moto.setCloudFrontTransition({ progression: 'manual', times: 1_000_000 });
    const f = await fixture();
    let clock = 5_000_000;
    const now = () => clock;
    const reinvocations: CustomResourceEvent[] = [];
    const handler = handlerWith({
      now,
      sleep: async (ms) => {
        clock += ms;
      },
      maxPollMs: undefined,
      engineCallMs: 30_000,
      responseReserveMs: 5_000,
      overallMs: 3 * 60_000,
      reinvoke: async (event) => {
        reinvocations.push(JSON.parse(JSON.stringify(event)) as CustomResourceEvent);
      },
    });
    let pending: CustomResourceEvent | undefined = requestOf('Create', propsOf(f));
    for (let i = 0; pending && i < 40; i++) {
      const before = reinvocations.length;
      await handler(pending, contextOf(60_000, now));
      pending = reinvocations.length > before ? reinvocations[reinvocations.length - 1] : undefined;
    }
    const answers = responses.accepted();
    expect(answers).toHaveLength(1);
    expect(answers[0].Status).toBe('FAILED');
    expect(answers[0].Reason).toMatch(
      new RegExp(
        `^NotStabilized: gave up after 3 minutes; still waiting for CloudFront distribution ${f.distributionId}`,
      ),
    );
    // What this request locked so far is the rollback Delete's to release.
    expect(answers[0].PhysicalResourceId).toBe(f.listenerArn);
  });

  test('a failed self re-invocation answers FAILED instead of leaving the stack waiting', async () => {
    await moto.setCloudFrontTransition({ progression: 'manual', times: 1_000_000 });
    const f = await fixture();
    let clock = 0;
    const handler = handlerWith({
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      maxPollMs: undefined,
      engineCallMs: 30_000,
      responseReserveMs: 5_000,
      reinvoke: () => Promise.reject(new Error('AccessDeniedException: lambda:InvokeFunction')),
    });
    await handler(
      requestOf('Create', propsOf(f)),
      contextOf(60_000, () => clock),
    );
    const [answer] = responses.accepted();
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/^InternalFailure: could not continue in a new invocation: .*AccessDenied/);
  });
});

describe('self re-invocation', () => {
  test('invokeSelf sends an asynchronous Lambda Invoke of the same function ARN with the event', async () => {
    const calls: { url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
    const lambda = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls.push({ url: req.url, headers: req.headers, body });
        res.writeHead(202, { 'content-type': 'application/json' }).end();
      });
    });
    await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
    const address = lambda.address();
    const saved = process.env.AWS_ENDPOINT_URL;
    // The module's Lambda client is created on first use, from the environment at that time.
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const event = requestOf('Create', { ListenerArn: 'x' });
      await invokeSelf({ ...event, OriginLockProgress: undefined }, contextOf());
      expect(calls).toHaveLength(1);
      expect(calls[0].url).toBe(`/2015-03-31/functions/${encodeURIComponent(FUNCTION_ARN)}/invocations`);
      expect(calls[0].headers['x-amz-invocation-type']).toBe('Event');
      expect(JSON.parse(calls[0].body)).toMatchObject({
        RequestId: event.RequestId,
        ResponseURL: event.ResponseURL,
      });
    } finally {
      process.env.AWS_ENDPOINT_URL = saved;
      await new Promise<void>((resolve) => lambda.close(() => resolve()));
    }
  });
});
