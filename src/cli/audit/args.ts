import { parseArgs } from 'node:util';
import { LockError } from '../../engine/errors';
import { isDistributionId } from '../../engine/rules/ids';
import {
  DEFAULT_HEADER_NAME,
  parseListenerArn,
  validateDistributionRole,
  validateHeaderName,
} from '../../engine/spec';
import { AuditOptions } from './audit';

/** Command-line parsing for `origin-lock`: node's own parseArgs, with messages a person can act on. */

export const HELP = `Usage: origin-lock audit --listener-arn ARN --distribution-id ID [options]

Checks, read-only, whether only the CloudFront distribution ID can reach the Application Load
Balancer listener ARN: no open ingress on the listener port, CloudFront's origin-facing prefix lists
admitted (and room for them under the rules-per-security-group quota), the secret header required
by every forwarding rule, a fixed-response deny as default action, the header sent by the origin
(compared with the secret with --secret-arn), HTTPS to the origin and the distribution Deployed.

Options:
  --listener-arn ARN      listener to audit (required)
  --distribution-id ID    CloudFront distribution in front of it (required)
  --secret-arn ARN        Secrets Manager secret holding the header value: compare the values
                          the origin sends and the rules accept with it (values are never printed)
  --secret-key KEY        the secret string is JSON and the value is under KEY
  --header-name NAME      name of the secret header (default ${DEFAULT_HEADER_NAME})
  --require-https         an origin that is not https-only fails instead of warning
  --distribution-role-arn ARN
                          the distribution is in another (edge) account: make every CloudFront
                          call through this role (the lock's DistributionRoleArn)
  --external-id ID        external id for assuming that role (DistributionRoleExternalId)
  --json                  print the report as JSON (docs/audit-output.schema.json)
  -h, --help              print this help

AWS access: the default credential chain, in the listener ARN's region (AWS_REGION and
AWS_DEFAULT_REGION are not used: the listener is audited where it lives; CloudFront is global);
AWS_ENDPOINT_URL is honoured. Only Describe/Get/List calls are made (and sts:AssumeRole with
--distribution-role-arn; load balancer, security groups and secret stay in the caller's account).

Exit status: 0 every control holds (warnings allowed), 1 a control fails, 2 usage error,
3 the audit could not run (for example the listener does not exist or access was denied).

See also: origin-lock plan --help (preview the steps a lock would make),
          origin-lock scan --help (find every distribution origin on a load balancer and audit it).
`;

const COMMANDS = 'the commands are audit, plan and scan';

export type Parsed =
  | { kind: 'help' }
  | { kind: 'audit'; options: AuditOptions & { headerName: string; requireHttps: boolean }; json: boolean };

/** A mistake in the command line: exit status 2. */
export class UsageError extends Error {}

/** The options that name a lock's listener, distribution, secret and header (audit and plan). */
export const LOCK_TARGET_OPTIONS = {
  'listener-arn': { type: 'string' },
  'distribution-id': { type: 'string' },
  'secret-arn': { type: 'string' },
  'secret-key': { type: 'string' },
  'header-name': { type: 'string' },
} as const;

const OPTIONS = {
  ...LOCK_TARGET_OPTIONS,
  'distribution-role-arn': { type: 'string' },
  'external-id': { type: 'string' },
  'require-https': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionSpecs = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function parseError(e: unknown, options: OptionSpecs): UsageError {
  const err = e as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(err.message ?? '')?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option '${option}'`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return options[option.replace(/^--/, '')]?.type === 'boolean'
        ? new UsageError(`option '${option}' takes no value`)
        : new UsageError(`option '${option}' needs a value`);
    default:
      return new UsageError(err.message ?? String(e));
  }
}

/** Re-labels an engine validation message ("ListenerArn: ...") with the flag the user typed. */
export function checked(flag: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof LockError) throw new UsageError(`${flag}: ${e.message.replace(/^[A-Za-z.]+: /, '')}`);
    throw e;
  }
}

/** --distribution-role-arn and --external-id (audit, plan): an external id only with a role, both valid. */
export function checkRoleFlags(roleArn: string | undefined, externalId: string | undefined): void {
  if (externalId !== undefined && roleArn === undefined) {
    throw new UsageError('--external-id: needs --distribution-role-arn (it is sent when assuming that role)');
  }
  checked('--distribution-role-arn', () => validateDistributionRole(roleArn, undefined));
  checked('--external-id', () => validateDistributionRole(roleArn, externalId));
}

/** node's parseArgs (strict, positionals allowed), its errors turned into usage errors a person can act on. */
export function parseOptions<T extends OptionSpecs>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw parseError(e, options);
  }
}

export function parseCommandLine(argv: string[]): Parsed {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (values.help) return { kind: 'help' };
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError(`missing command: ${COMMANDS}`);
  if (command !== 'audit') throw new UsageError(`unknown command '${command}': ${COMMANDS}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);

  const missing = (['listener-arn', 'distribution-id'] as const).filter((k) => !values[k]);
  if (missing.length > 0) {
    throw new UsageError(`missing required option ${missing.map((k) => `--${k}`).join(' and ')}`);
  }
  const listenerArn = values['listener-arn'] ?? '';
  const distributionId = values['distribution-id'] ?? '';
  const headerName = values['header-name'] ?? DEFAULT_HEADER_NAME;
  checked('--listener-arn', () => parseListenerArn(listenerArn));
  if (!isDistributionId(distributionId)) {
    throw new UsageError(
      `--distribution-id: '${distributionId}' is not a CloudFront distribution id (upper-case letters and digits, like E2QWRUHAPOMQZL)`,
    );
  }
  checked('--header-name', () => validateHeaderName(headerName));
  for (const k of ['secret-arn', 'secret-key', 'distribution-role-arn', 'external-id'] as const) {
    if (values[k] === '') throw new UsageError(`option '--${k}' needs a value`);
  }
  const roleArn = values['distribution-role-arn'];
  const externalId = values['external-id'];
  checkRoleFlags(roleArn, externalId);
  return {
    kind: 'audit',
    json: values.json ?? false,
    options: {
      listenerArn,
      distributionId,
      headerName,
      requireHttps: values['require-https'] ?? false,
      ...(values['secret-arn'] ? { secretArn: values['secret-arn'] } : {}),
      ...(values['secret-key'] ? { secretKey: values['secret-key'] } : {}),
      ...(roleArn ? { distributionRole: { roleArn, ...(externalId ? { externalId } : {}) } } : {}),
    },
  };
}
