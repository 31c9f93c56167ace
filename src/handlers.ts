import {
  Action,
  BaseResource,
  handlerEvent,
  LoggerProxy,
  Optional,
  ProgressEvent,
  ResourceHandlerRequest,
  SessionProxy,
} from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients, createClients } from './aws/clients';
import {
  CallbackContext,
  createLock,
  deleteLock,
  listLocks,
  Logger,
  Outcome,
  readLock,
  updateLock,
} from './lifecycle';
import { LockModel } from './lock/engine';
import { ResourceModel } from './models';

type Event = ProgressEvent<ResourceModel, CallbackContext>;

/** SDK v3 clients built from the caller's credentials that the lib hands us in its v2 session. */
function clientsFor(session: Optional<SessionProxy>, region: string): AwsClients {
  const creds = session?.configuration?.credentials as
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    | undefined;
  return createClients({
    region: session?.configuration?.region ?? region,
    credentials: creds?.accessKeyId ? creds : undefined,
  });
}

const plain = (model: Optional<ResourceModel>): LockModel => (model ? (model.serialize() as LockModel) : {});
// The request and callback context arrive deep-frozen: work on copies.
const copy = <T>(v: T): T => (v ? (JSON.parse(JSON.stringify(v)) as T) : v);

function toEvent(outcome: Outcome): Event {
  const event = ProgressEvent.builder<Event>()
    .status(outcome.status)
    .message(outcome.message ?? '')
    .callbackDelaySeconds(outcome.callbackDelaySeconds ?? 0)
    .build();
  if (outcome.errorCode) event.errorCode = outcome.errorCode;
  if (outcome.model) event.resourceModel = ResourceModel.deserialize(outcome.model);
  if (outcome.models) event.resourceModels = outcome.models.map((m) => ResourceModel.deserialize(m));
  if (outcome.callbackContext) event.callbackContext = outcome.callbackContext;
  return event;
}

const logTo =
  (logger: LoggerProxy): Logger =>
  (message) =>
    logger.log(message);

class Resource extends BaseResource<ResourceModel> {
  @handlerEvent(Action.Create)
  async create(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const clients = clientsFor(session, request.region);
    return toEvent(
      await createLock(
        clients,
        plain(request.desiredResourceState),
        copy(callbackContext) ?? {},
        logTo(logger),
        request.clientRequestToken,
      ),
    );
  }

  @handlerEvent(Action.Update)
  async update(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const clients = clientsFor(session, request.region);
    const previous = request.previousResourceState ? plain(request.previousResourceState) : undefined;
    return toEvent(
      await updateLock(
        clients,
        plain(request.desiredResourceState),
        previous,
        copy(callbackContext) ?? {},
        logTo(logger),
      ),
    );
  }

  @handlerEvent(Action.Delete)
  async delete(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const clients = clientsFor(session, request.region);
    return toEvent(
      await deleteLock(
        clients,
        plain(request.desiredResourceState),
        copy(callbackContext) ?? {},
        logTo(logger),
      ),
    );
  }

  @handlerEvent(Action.Read)
  async read(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    _callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const clients = clientsFor(session, request.region);
    return toEvent(await readLock(clients, plain(request.desiredResourceState), logTo(logger)));
  }

  @handlerEvent(Action.List)
  async list(
    session: Optional<SessionProxy>,
    request: ResourceHandlerRequest<ResourceModel>,
    _callbackContext: CallbackContext,
    logger: LoggerProxy,
  ): Promise<Event> {
    const clients = clientsFor(session, request.region);
    return toEvent(await listLocks(clients, logTo(logger)));
  }
}

export const resource = new Resource(ResourceModel.TYPE_NAME, ResourceModel);

// Entrypoints for the Lambda runtime (registered type) and for `cfn test`/SAM local testing.
export const entrypoint = resource.entrypoint;
export const testEntrypoint = resource.testEntrypoint;
