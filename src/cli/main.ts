#!/usr/bin/env node
import { AwsClients, createClients } from '../aws/clients';
import { mapError } from '../aws/error-mapping';
import { redact } from '../engine/secret';
import { parseListenerArn } from '../engine/spec';
import { HELP, parseCommandLine, Parsed, UsageError } from './audit/args';
import { audit } from './audit/audit';
import { AuditReport, buildReport, renderReport } from './audit/report';
import { colourWanted, paint } from './audit/style';
import { PlanFailed, runPlan } from './plan/command';
import { runScan, ScanFailed } from './scan/command';

/** `origin-lock audit`, `origin-lock plan` and `origin-lock scan`: the exit status is the verdict, so CI can gate on it. */

export const EXIT = { pass: 0, fail: 1, usage: 2, error: 3 } as const;

/** Everything the command touches outside itself, so tests run it in-process. */
export interface CliIo {
  /** Writes one line to standard output (the newline is added by the implementation). */
  stdout(line: string): void;
  stderr(line: string): void;
  /** For the colour choice (the SDK itself reads credentials and endpoint from process.env). */
  env: Record<string, string | undefined>;
  /** Whether standard output is a terminal (colour, wrapping). */
  isTTY: boolean;
  /** Whether standard error is a terminal (scan's progress indicator); default false. */
  stderrIsTTY?: boolean;
  /** Writes to standard error as is (no newline added): the progress indicator redraws one line. */
  stderrRaw?(text: string): void;
  columns?: number;
  /** Builds the AWS clients; default: the SDK's default credential chain in `region`. */
  clients?(region: string): AwsClients;
}

/**
 * A writer that falls silent once the reader is gone: `origin-lock … | head` closes the pipe early, and
 * the output left is then pointless, not an error (no EPIPE stack trace; the exit status stays the verdict).
 */
export function pipeSafe(stream: {
  write(text: string): unknown;
  on(event: 'error', listener: (e: NodeJS.ErrnoException) => void): unknown;
}): (text: string) => void {
  let readerGone = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    readerGone = true;
  });
  return (text) => {
    if (!readerGone) stream.write(text);
  };
}

export function processIo(): CliIo {
  const stdout = pipeSafe(process.stdout);
  const stderr = pipeSafe(process.stderr);
  return {
    stdout: (line) => stdout(`${line}\n`),
    stderr: (line) => stderr(`${line}\n`),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stderrRaw: stderr,
    columns: process.stdout.columns,
  };
}

/**
 * The listener's own region: the load balancer, its security groups and its rules live nowhere else, so
 * AWS_REGION or AWS_DEFAULT_REGION (set for other work) must not send the audit to another region.
 */
export const regionFor = (listenerArn: string): string => parseListenerArn(listenerArn).region;

/** The message the project's one error mapping gives (redacted); the exit status carries the rest. */
const describeError = (e: unknown): string => mapError(e).message;

export async function main(argv: string[], io: CliIo): Promise<number> {
  // Nothing printed may carry a header value; redact() scrubs any value this process has read.
  const out = (line: string): void => io.stdout(redact(line));
  const err = (line: string): void => io.stderr(redact(line));
  const usage = (e: UsageError): number => {
    err(`origin-lock: ${e.message}`);
    err(`Try 'origin-lock --help'.`);
    return EXIT.usage;
  };
  if (argv[0] === 'plan') {
    try {
      return await runPlan(argv, { out, clients: io.clients });
    } catch (e) {
      if (e instanceof UsageError) return usage(e);
      if (!(e instanceof PlanFailed)) throw e;
      err(`origin-lock: cannot plan: ${e.message}`);
      return EXIT.error;
    }
  }
  if (argv[0] === 'scan') {
    try {
      return await runScan(argv, {
        out,
        err,
        env: io.env,
        isTTY: io.isTTY,
        stderrIsTTY: io.stderrIsTTY,
        errRaw: io.stderrRaw ? (text) => io.stderrRaw?.(redact(text)) : undefined,
        columns: io.columns,
        clients: io.clients,
      });
    } catch (e) {
      if (e instanceof UsageError) return usage(e);
      if (!(e instanceof ScanFailed)) throw e;
      err(`origin-lock: cannot scan: ${e.message}`);
      return EXIT.error;
    }
  }
  let parsed: Parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usage(e);
  }
  if (parsed.kind === 'help') {
    HELP.trimEnd()
      .split('\n')
      .forEach((line) => out(line));
    return EXIT.pass;
  }

  const { options, json } = parsed;
  const region = regionFor(options.listenerArn);
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

/** The command as a process runs it (`node dist/src/cli/main.js`, or the bin's launcher tools/origin-lock.js). */
export function run(): void {
  main(process.argv.slice(2), processIo()).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`origin-lock: internal error: ${describeError(e)}\n`);
      process.exitCode = EXIT.error;
    },
  );
}

if (require.main === module) run();
