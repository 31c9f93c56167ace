import {
  Action,
  BaseResource,
  HandlerErrorCode,
  handlerEvent,
  LoggerProxy,
  OperationStatus,
  Optional,
  ProgressEvent,
  ResourceHandlerRequest,
  SessionProxy,
} from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients, keptClients } from '../aws/clients';
import {
  CallbackContext,
  createLock,
  deleteLock,
  listLocks,
  Logger,
  Outcome,
  OutcomeStatus,
  readLock,
  updateLock,
} from '../engine/lifecycle';
import { LockProperties } from '../engine/converge';
import { HandlerCode } from '../engine/errors';
import { ResourceModel } from '../models';

type Event = ProgressEvent<ResourceModel, CallbackContext>;

/**
 * SDK v3 clients for the caller's credentials that the lib hands us in its v2 session; a warm invocation
 * with the same credentials reuses them (and their connections).
 */
function clientsFor(session: Optional<SessionProxy>, region: string): AwsClients {
  const creds = session?.configuration?.credentials as
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    | undefined;
  return keptClients({
    region: session?.configuration?.region ?? region,
    credentials: creds?.accessKeyId ? creds : undefined,
  });
}

const plain = (model: Optional<ResourceModel>): LockProperties =>
  model ? (model.serialize() as LockProperties) : {};
// The request and callback context arrive deep-frozen: work on copies.
const copy = <T>(v: T): T => (v ? (JSON.parse(JSON.stringify(v)) as T) : v);

/*
 * The engine's own status and code strings → the lib's enums. Both directions are checked at compile
 * time: a code the lib lacks fails the lookup below, a lib code the engine lacks fails this line.
 */
const STATUS: Record<OutcomeStatus, OperationStatus> = {
  SUCCESS: OperationStatus.Success,
  FAILED: OperationStatus.Failed,
  IN_PROGRESS: OperationStatus.InProgress,
};
const libCode = (code: HandlerCode): HandlerErrorCode => HandlerErrorCode[code];
const _engineKnowsEveryLibCode = (code: `${HandlerErrorCode}`): HandlerCode => code;

function toEvent(outcome: Outcome): Event {
  const event = ProgressEvent.builder<Event>()
    .status(STATUS[outcome.status])
    .message(outcome.message ?? '')
    .callbackDelaySeconds(outcome.callbackDelaySeconds ?? 0)
    .build();
  if (outcome.errorCode) event.errorCode = libCode(outcome.errorCode);
  if (outcome.model) event.resourceModel = ResourceModel.deserialize(outcome.model);
  if (outcome.models) event.resourceModels = outcome.models.map((m) => ResourceModel.deserialize(m));
  if (outcome.callbackContext) event.callbackContext = outcome.callbackContext;
  return event;
}

const logTo =
  (logger: LoggerProxy): Logger =>
  (message) =>
    logger.log(message);

type Operation = (clients: AwsClients, ctx: CallbackContext, log: Logger) => Promise<Outcome>;

/** Every handler: SDK v3 clients for the caller, a thawed callback context, the lib's logger. */
async function run(
  session: Optional<SessionProxy>,
  request: ResourceHandlerRequest<ResourceModel>,
  callbackContext: CallbackContext,
  logger: LoggerProxy,
  operation: Operation,
): Promise<Event> {
  const ctx = copy(callbackContext) ?? {};
  return toEvent(await operation(clientsFor(session, request.region), ctx, logTo(logger)));
}

/** The lib's private hook that `entrypoint` and `testEntrypoint` await before they return. */
interface LibShutdown {
  waitRunningProcesses(): Promise<void>;
}

class Resource extends BaseResource<ResourceModel> {
  constructor() {
    super(ResourceModel.TYPE_NAME, ResourceModel);
    /*
     * The lib's waitRunningProcesses sleeps a fixed second before it waits for its log proxies, on every
     * invocation. Its loggers count each message they start (ProgressTracker) and waitCompletion resolves
     * once every started message is delivered or failed, so the sleep adds nothing: wait for exactly that
     * work instead. The method is private in the lib's typings, hence the instance property.
     */
    (this as unknown as LibShutdown).waitRunningProcesses = () => this.drainLogsAndMetrics();
  }

  /** What the lib's waitRunningProcesses waits for, minus its `delay(1)`. */
  protected async drainLogsAndMetrics(): Promise<void> {
    // Metrics are awaited where they are published; log delivery is fire-and-forget, tracked per proxy.
    if (this.loggerProxy) await this.loggerProxy.waitCompletion();
    await this.platformLoggerProxy.waitCompletion();
    if (this.workerPool) await this.workerPool.shutdown();
  }

  @handlerEvent(Action.Create)
  async create(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const desired = plain(request.desiredResourceState);
    return run(session, request, callbackContext, logger, (clients, ctx, log) =>
      createLock(clients, desired, ctx, log, request.clientRequestToken),
    );
  }

  @handlerEvent(Action.Update)
  async update(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const desired = plain(request.desiredResourceState);
    const previous = request.previousResourceState ? plain(request.previousResourceState) : undefined;
    return run(session, request, callbackContext, logger, (clients, ctx, log) =>
      updateLock(clients, desired, previous, ctx, log),
    );
  }

  @handlerEvent(Action.Delete)
  async delete(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const current = plain(request.desiredResourceState);
    return run(session, request, callbackContext, logger, (clients, ctx, log) =>
      deleteLock(clients, current, ctx, log),
    );
  }

  @handlerEvent(Action.Read)
  async read(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const current = plain(request.desiredResourceState);
    return run(session, request, callbackContext, logger, (clients, _ctx, log) =>
      readLock(clients, current, log),
    );
  }

  @handlerEvent(Action.List)
  async list(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    return run(session, request, callbackContext, logger, (clients, _ctx, log) => listLocks(clients, log));
  }
}

export const resource = new Resource();

// Entrypoints for the Lambda runtime (registered type) and for `cfn test`/SAM local testing.
export const entrypoint = resource.entrypoint;
export const testEntrypoint = resource.testEntrypoint;
