#!/usr/bin/env node
import { AwsClients, createClients } from '../aws/clients';
import { mapError } from '../aws/error-mapping';
import { redact } from '../engine/secret';
import { parseListenerArn } from '../engine/spec';
import { HELP, parseCommandLine, Parsed, UsageError } from './audit/args';
import { audit } from './audit/audit';
import { AuditReport, buildReport, renderReport } from './audit/report';
import { colourWanted, paint } from './audit/style';

/** `origin-lock audit`: the exit status is the verdict, so CI can gate on it. */

export const EXIT = { pass: 0, fail: 1, usage: 2, error: 3 } as const;

/** Everything the command touches outside itself, so tests run it in-process. */
export interface CliIo {
  /** Writes one line to standard output (the newline is added by the implementation). */
  stdout(line: string): void;
  stderr(line: string): void;
  /** For the region and colour choices (the SDK itself reads credentials and endpoint from process.env). */
  env: Record<string, string | undefined>;
  /** Whether standard output is a terminal (colour, wrapping). */
  isTTY: boolean;
  columns?: number;
  /** Builds the AWS clients; default: the SDK's default credential chain in `region`. */
  clients?(region: string): AwsClients;
}

export function processIo(): CliIo {
  return {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns,
  };
}

/** Same precedence as the AWS CLI, then the listener's own region (where it must be audited anyway). */
export const regionFor = (listenerArn: string, env: Record<string, string | undefined>): string =>
  env.AWS_REGION || env.AWS_DEFAULT_REGION || parseListenerArn(listenerArn).region;

/** The message the project's one error mapping gives (redacted); the exit status carries the rest. */
const describeError = (e: unknown): string => mapError(e).message;

export async function main(argv: string[], io: CliIo): Promise<number> {
  // Nothing printed may carry a header value; redact() scrubs any value this process has read.
  const out = (line: string): void => io.stdout(redact(line));
  const err = (line: string): void => io.stderr(redact(line));
  let parsed: Parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`origin-lock: ${e.message}`);
    err(`Try 'origin-lock --help'.`);
    return EXIT.usage;
  }
  if (parsed.kind === 'help') {
    HELP.trimEnd()
      .split('\n')
      .forEach((line) => out(line));
    return EXIT.pass;
  }

  const { options, json } = parsed;
  const region = regionFor(options.listenerArn, io.env);
  let report: AuditReport;
  try {
    const clients = io.clients ? io.clients(region) : createClients({ region });
    report = buildReport(options, await audit(clients, options));
  } catch (e) {
    err(`origin-lock: cannot audit: ${describeError(e)}`);
    return EXIT.error;
  }

  if (json) {
    JSON.stringify(report, null, 2)
      .split('\n')
      .forEach((line) => out(line));
  } else {
    const colour = colourWanted(io.isTTY, io.env);
    renderReport(report, paint(colour), io.isTTY ? io.columns : undefined).forEach((line) => out(line));
  }
  return report.verdict === 'fail' ? EXIT.fail : EXIT.pass;
}

if (require.main === module) {
  main(process.argv.slice(2), processIo()).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`origin-lock: internal error: ${describeError(e)}\n`);
      process.exitCode = EXIT.error;
    },
  );
}
