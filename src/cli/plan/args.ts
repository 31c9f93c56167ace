import { LockProperties } from '../../engine/converge';
import { LockError } from '../../engine/errors';
import { DEFAULT_DENY, DEFAULT_ENFORCE, DEFAULT_HEADER_NAME, LockSpec, parseSpec } from '../../engine/spec';
import { checkRoleFlags, LOCK_TARGET_OPTIONS, parseOptions, UsageError } from '../audit/args';

/** Command-line parsing for `origin-lock plan`: the lock's properties as flags, checked by the engine's parseSpec. */

const ENFORCE_NAMES = Object.keys(DEFAULT_ENFORCE);

export const PLAN_HELP = `Usage: origin-lock plan --listener-arn ARN --distribution-id ID --secret-arn ARN [options]

Prints, without writing anything, the ordered steps an Acme::Origin::Lock with these properties would
make on the Application Load Balancer listener ARN: a CREATE, or an UPDATE when the listener already
has a lock. The steps come from the lock's own engine (the same reads, planner and refusals): what it
admits, revokes, guards and stamps, and where it waits for the CloudFront distribution to be Deployed.
A lock that would refuse prints the refusal instead. Header values are never printed.

Options (the lock's properties; see docs/enforce.md and docs/denyresponse.md):
  --listener-arn ARN         listener to lock (required)
  --distribution-id ID       CloudFront distribution in front of it (required)
  --secret-arn ARN           Secrets Manager secret holding the header value (required)
  --secret-key KEY           the secret string is JSON and the value is under KEY
  --header-name NAME         name of the secret header (default ${DEFAULT_HEADER_NAME})
  --origin-id ID             the distribution's origin to stamp (default: every origin on the ALB)
  --allowed-source SOURCE    a CIDR or prefix-list id that may still reach the listener ports
                             (repeatable)
  --deny-status CODE         status of the fixed-response deny (default ${DEFAULT_DENY.StatusCode})
  --deny-content-type TYPE   its content type (default ${DEFAULT_DENY.ContentType})
  --deny-body TEXT           its body (default ${DEFAULT_DENY.MessageBody})
  --enforce NAME=true|false  set one Enforce flag (repeatable): ${ENFORCE_NAMES.join(', ')}
  --distribution-role-arn ARN
                             the distribution is in another (edge) account: every CloudFront call
                             through this role (DistributionRoleArn)
  --external-id ID           external id for assuming that role (DistributionRoleExternalId)
  --json                     print the plan as JSON (docs/plan-output.schema.json)
  -h, --help                 print this help

AWS access: the default credential chain, in the listener ARN's region; AWS_ENDPOINT_URL is honoured.
Only Describe/Get/List calls are made (and sts:AssumeRole with --distribution-role-arn).

Exit status: 0 the plan was made (its steps printed), 1 the lock would refuse (the reason printed),
2 usage error, 3 the plan could not be made (for example the listener does not exist or access was
denied).
`;

export type ParsedPlan = { kind: 'help' } | { kind: 'plan'; spec: LockSpec; json: boolean };

const OPTIONS = {
  ...LOCK_TARGET_OPTIONS,
  'origin-id': { type: 'string' },
  'allowed-source': { type: 'string', multiple: true },
  'deny-status': { type: 'string' },
  'deny-content-type': { type: 'string' },
  'deny-body': { type: 'string' },
  enforce: { type: 'string', multiple: true },
  'distribution-role-arn': { type: 'string' },
  'external-id': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flag that sets a property parseSpec names in its messages ("DenyResponse.StatusCode: ..."). */
const FLAG_OF: [RegExp, string][] = [
  [/^ListenerArn$/, '--listener-arn'],
  [/^DistributionId$/, '--distribution-id'],
  [/^SecretArn$/, '--secret-arn'],
  [/^SecretKey$/, '--secret-key'],
  [/^HeaderName$/, '--header-name'],
  [/^OriginId$/, '--origin-id'],
  [/^AllowedSources/, '--allowed-source'],
  [/^DenyResponse\.StatusCode$/, '--deny-status'],
  [/^DenyResponse\.ContentType$/, '--deny-content-type'],
  [/^DenyResponse\.MessageBody$/, '--deny-body'],
  [/^DistributionRoleArn$/, '--distribution-role-arn'],
  [/^DistributionRoleExternalId$/, '--external-id'],
];

function asUsageError(e: unknown): unknown {
  if (!(e instanceof LockError)) return e;
  const [, field = '', problem = e.message] = /^([A-Za-z.[\]0-9]+): (.*)$/s.exec(e.message) ?? [];
  const enforce = /^Enforce\.(\w+)$/.exec(field)?.[1];
  const flag = enforce ? `--enforce ${enforce}` : FLAG_OF.find(([re]) => re.test(field))?.[1];
  return new UsageError(flag ? `${flag}: ${problem}` : e.message);
}

/** `--enforce Name=true|false`, repeatable, into the Enforce property. */
function enforceFlags(settings: readonly string[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const setting of settings) {
    const [, name = '', value] = /^([A-Za-z]+)=(true|false)$/.exec(setting) ?? [];
    if (!value) throw new UsageError(`--enforce: '${setting}' is not NAME=true or NAME=false`);
    if (!ENFORCE_NAMES.includes(name))
      throw new UsageError(`--enforce: unknown flag '${name}' (one of ${ENFORCE_NAMES.join(', ')})`);
    out[name] = value === 'true';
  }
  return out;
}

export function parsePlanCommandLine(argv: string[]): ParsedPlan {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (values.help) return { kind: 'help' };
  const [command, ...extra] = positionals;
  if (command !== 'plan') throw new UsageError(`expected the command plan, got '${command ?? ''}'`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const missing = (['listener-arn', 'distribution-id', 'secret-arn'] as const).filter((k) => !values[k]);
  if (missing.length > 0)
    throw new UsageError(`missing required option ${missing.map((k) => `--${k}`).join(', ')}`);
  for (const k of [
    'secret-key',
    'origin-id',
    'header-name',
    'deny-status',
    'deny-content-type',
    'distribution-role-arn',
    'external-id',
  ] as const)
    if (values[k] === '') throw new UsageError(`option '--${k}' needs a value`);
  checkRoleFlags(values['distribution-role-arn'], values['external-id']);

  const deny = {
    ...(values['deny-status'] !== undefined ? { StatusCode: values['deny-status'] } : {}),
    ...(values['deny-content-type'] !== undefined ? { ContentType: values['deny-content-type'] } : {}),
    ...(values['deny-body'] !== undefined ? { MessageBody: values['deny-body'] } : {}),
  };
  const properties: LockProperties = {
    ListenerArn: values['listener-arn'],
    DistributionId: values['distribution-id'],
    SecretArn: values['secret-arn'],
    SecretKey: values['secret-key'],
    HeaderName: values['header-name'],
    OriginId: values['origin-id'],
    AllowedSources: values['allowed-source'],
    DenyResponse: deny,
    Enforce: enforceFlags(values.enforce ?? []),
    DistributionRoleArn: values['distribution-role-arn'],
    DistributionRoleExternalId: values['external-id'],
  };
  try {
    return { kind: 'plan', spec: parseSpec(properties), json: values.json ?? false };
  } catch (e) {
    throw asUsageError(e);
  }
}
