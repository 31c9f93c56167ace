/**
 * The handler's end of invocation: the cfn lib sleeps a fixed second before waiting for its loggers;
 * our Resource waits only for the log delivery actually in flight. Nothing here is timed: the lib's
 * delay function and setTimeout are spied on, and a log publisher held open by the test shows the
 * handler still waits for delivery.
 */
import {
  BaseResource,
  LoggerProxy,
} from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import * as libUtils from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib/dist/utils';
import { entrypoint, resource } from '../src/registry/handlers';

/** A log publisher whose deliveries finish only when the test opens the gate. */
function gatedPublisher() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const delivered: string[] = [];
  const publisher = {
    addFilter: () => undefined,
    publishLogEvent: async (message: string) => {
      await gate;
      delivered.push(message);
    },
  };
  return { publisher, delivered, open };
}

const flushIo = () => new Promise((resolve) => setImmediate(resolve));

// The lib's platform logger writes to console.log: keep the test output quiet.
beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

test('entrypoint returns as soon as log delivery is done: no lib delay, no timer', async () => {
  const { publisher, delivered, open } = gatedPublisher();
  // Before initializeRuntime (a request without an account fails first) the lib logs to this proxy.
  const platform = (resource as unknown as { platformLoggerProxy: LoggerProxy }).platformLoggerProxy;
  platform.addLogPublisher(publisher as never);
  const delay = jest.spyOn(libUtils, 'delay');
  const timers = jest.spyOn(global, 'setTimeout');

  let settled = false;
  const progress = entrypoint({}, { awsRequestId: 'shutdown-test' } as never).then((p: unknown) => {
    settled = true;
    return p as { status: string; errorCode?: string };
  });
  for (let i = 0; i < 5; i++) await flushIo();
  expect(settled).toBe(false); // still waiting for the gated deliveries
  open();
  const result = await progress;

  expect(result.status).toBe('FAILED');
  expect(result.errorCode).toBe('InvalidRequest');
  expect(delivered.some((m) => m.includes('END RequestId: shutdown-test'))).toBe(true);
  expect(delay).not.toHaveBeenCalled();
  expect(timers).not.toHaveBeenCalled();
});

test('the spy sees the lib delay this handler avoids (the lib still has it)', async () => {
  const delay = jest.spyOn(libUtils, 'delay').mockResolvedValue(undefined);
  const fakeThis = { log: () => undefined, platformLoggerProxy: new LoggerProxy() };
  const libWait = (BaseResource.prototype as unknown as Record<string, () => Promise<void>>)
    .waitRunningProcesses;
  await libWait.call(fakeThis);
  expect(delay).toHaveBeenCalledWith(1);
});
