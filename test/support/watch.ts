import { AwsClients } from '../../src/aws/clients';

type AnyClient = AwsClients[keyof AwsClients];
const READ = /^(Describe|Get|List)/;

export const isWrite = (commandName: string): boolean => !READ.test(commandName.replace(/Command$/, ''));

/**
 * Adds SDK middleware to every client: `before` may throw to inject a fault (before the call reaches
 * AWS), `after` runs once a write succeeded (the no-outage oracle hooks in here).
 */
export function instrument(
  clients: AwsClients,
  hooks: {
    before?: (command: string, input: unknown) => void | Promise<void>;
    after?: (command: string) => void | Promise<void>;
    /** Rewrites a response (e.g. to model a distribution that stays InProgress). */
    output?: (command: string, output: unknown) => unknown;
  },
): void {
  for (const client of Object.values(clients) as AnyClient[]) {
    (
      client.middlewareStack as unknown as {
        add: (mw: unknown, opts: { step: string; name: string; override?: boolean }) => void;
      }
    ).add(
      (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: { input: unknown }) => {
          const name = (context.commandName ?? '').replace(/Command$/, '');
          await hooks.before?.(name, args.input);
          const result = (await next(args)) as { output?: unknown };
          if (isWrite(name)) await hooks.after?.(name);
          if (hooks.output && result && typeof result === 'object')
            result.output = hooks.output(name, result.output);
          return result;
        },
      { step: 'initialize', name: 'acme-test-instrument', override: true },
    );
  }
}

/** An error shaped like an AWS SDK service exception. */
export function awsError(name: string, message = name): Error {
  const e = new Error(message);
  e.name = name;
  Object.assign(e, { $metadata: { httpStatusCode: 400 }, $fault: 'client' });
  return e;
}

/**
 * Fails the first `times` attempts of `command` inside the SDK's retry loop (deserialize step), so the
 * client's own retry strategy sees them, as it would a real throttling answer.
 */
export function failAttempts(
  clients: AwsClients,
  command: string,
  times: number,
  error: () => Error,
): { attempts: number } {
  const seen = { attempts: 0 };
  for (const client of Object.values(clients) as AnyClient[]) {
    (
      client.middlewareStack as unknown as {
        add: (mw: unknown, opts: { step: string; name: string; override?: boolean }) => void;
      }
    ).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          if ((context.commandName ?? '').replace(/Command$/, '') === command && seen.attempts++ < times)
            throw error();
          return next(args);
        },
      { step: 'deserialize', name: 'acme-test-fail-attempts', override: true },
    );
  }
  return seen;
}
