/**
 * Builders for the two payloads the handler accepts, so tests and tools speak the same shapes as the
 * callers that matter:
 *   - `handlerRequest`: what CloudFormation (and `cfn test`, rpdk/core/contract/resource_client.py
 *     make_request) sends to `entrypoint` (function TypeFunction);
 *   - `testRequest`: the `sam local invoke TestEntrypoint` shape that the lib's `testEntrypoint`
 *     parses ({credentials, action, request, callbackContext, region}).
 */
import { randomUUID } from 'node:crypto';
import { TEST_CREDENTIALS, TEST_REGION } from './fixtures';

export type HandlerAction = 'CREATE' | 'READ' | 'UPDATE' | 'DELETE' | 'LIST';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RequestOptions {
  action: HandlerAction;
  properties: Record<string, unknown>;
  previousProperties?: Record<string, unknown>;
  callbackContext?: Record<string, unknown> | null;
  region?: string;
  accountId?: string;
  credentials?: Credentials;
  typeName?: string;
  /** Same value for every call of one operation (CloudFormation reuses it on callbacks). */
  bearerToken?: string;
  logicalResourceId?: string;
  nextToken?: string;
}

const DEFAULT_ACCOUNT = '123456789012';
const TYPE_NAME = 'Acme::Origin::Lock';

function credentialsOf(options: RequestOptions): Credentials {
  return options.credentials ?? { ...TEST_CREDENTIALS, sessionToken: 'testing' };
}

/** The `entrypoint` request, as `cfn test` builds it (no providerCredentials: no log delivery). */
export function handlerRequest(options: RequestOptions): Record<string, unknown> {
  const token = options.bearerToken ?? randomUUID();
  return {
    requestData: {
      callerCredentials: credentialsOf(options),
      resourceProperties: options.properties,
      previousResourceProperties: options.previousProperties ?? null,
      logicalResourceId: options.logicalResourceId ?? 'MyLock',
      typeConfiguration: null,
    },
    region: options.region ?? TEST_REGION,
    awsAccountId: options.accountId ?? DEFAULT_ACCOUNT,
    action: options.action,
    callbackContext: options.callbackContext ?? null,
    bearerToken: token,
    resourceType: options.typeName ?? TYPE_NAME,
    ...(options.nextToken ? { nextToken: options.nextToken } : {}),
  };
}

/** The `testEntrypoint` event (the format of the files in sam-tests/). */
export function testRequest(options: RequestOptions): Record<string, unknown> {
  return {
    credentials: credentialsOf(options),
    action: options.action,
    request: {
      clientRequestToken: options.bearerToken ?? randomUUID(),
      desiredResourceState: options.properties,
      previousResourceState: options.previousProperties ?? null,
      logicalResourceIdentifier: options.logicalResourceId ?? 'MyLock',
      awsAccountId: options.accountId ?? DEFAULT_ACCOUNT,
      region: options.region ?? TEST_REGION,
      ...(options.nextToken ? { nextToken: options.nextToken } : {}),
    },
    callbackContext: options.callbackContext ?? null,
    region: options.region ?? TEST_REGION,
  };
}

/** The progress event the handler returns (lib ProgressEvent.serialize()). */
export interface ProgressEvent {
  status: 'IN_PROGRESS' | 'SUCCESS' | 'FAILED';
  errorCode?: string;
  message?: string;
  resourceModel?: Record<string, unknown>;
  resourceModels?: Record<string, unknown>[];
  callbackContext?: Record<string, unknown>;
  callbackDelaySeconds?: number;
  nextToken?: string;
}

/** POSTs a payload to an Invoke endpoint; throws on a function error, returns the parsed reply. */
export async function invoke(
  url: string,
  functionName: 'TypeFunction' | 'TestEntrypoint',
  payload: unknown,
): Promise<ProgressEvent> {
  const response = await fetch(`${url}/2015-03-31/functions/${functionName}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const text = await response.text();
  if (!response.ok || response.headers.get('x-amz-function-error')) {
    throw new Error(`invoke ${functionName}: HTTP ${response.status} ${text.slice(0, 2000)}`);
  }
  return JSON.parse(text) as ProgressEvent;
}
