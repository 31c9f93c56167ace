import { isDistributionId } from '../../engine/rules/ids';
import { parseOptions, UsageError } from '../audit/args';

/** Command-line parsing for `origin-lock scan`. */

export const SCAN_HELP = `Usage: origin-lock scan [--regions r1,r2] [--distribution-id ID] [--org-role-name NAME]
                        [--json | --format asff]

Finds, read-only, every CloudFront distribution origin that is an Application Load Balancer, the
listener(s) its protocol policy and ports reach, and runs the audit's checks on each distribution +
listener pair. Also reports internet-facing load balancers carrying an Acme::Origin::Lock whose
distribution no longer points at them. A CloudFront VPC origin is private by design and passes.

Options:
  --regions r1,r2         regions whose load balancers are scanned (default: every region the account
                          has enabled, from ec2:DescribeRegions); an origin elsewhere is reported as
                          not scanned
  --distribution-id ID    scan only this distribution
  --org-role-name NAME    scan every ACTIVE account of the Organization (ListAccounts, from the
                          management or delegated administrator account), each through the role
                          arn:aws:iam::<account>:role/NAME; the caller's own account with its own
                          credentials; an account that cannot be entered is an error row (docs/scan.md)
  --json                  print one object per pair with every finding (docs/scan-output.schema.json)
  --format asff           print an AWS Security Finding Format array (for Security Hub BatchImportFindings)
  -h, --help              print this help

Only Describe/Get/List calls are made. Exit status: 0 every pair passes, 1 a pair fails, 2 usage
error, 3 the scan (or a pair's audit) could not run.
`;

export interface ScanOptions {
  /** Undefined: every region the account has enabled (EC2 DescribeRegions). */
  regions?: string[];
  distributionId?: string;
  /** Organization mode: the role assumed in every account but the caller's. */
  orgRoleName?: string;
}

export type ScanFormat = 'table' | 'json' | 'asff';

export type ParsedScan = { kind: 'help' } | { kind: 'scan'; options: ScanOptions; format: ScanFormat };

const OPTIONS = {
  regions: { type: 'string' },
  'distribution-id': { type: 'string' },
  'org-role-name': { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** IAM role names: 1-64 of [A-Za-z0-9+=,.@_-] (a path is not part of the name). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function parseScanCommandLine(argv: string[]): ParsedScan {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (values.help) return { kind: 'help' };
  const [, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);

  if (values.format !== undefined && values.format !== 'asff') {
    throw new UsageError(`--format: '${values.format}' is not a known format (the one format is asff)`);
  }
  if (values.json && values.format) throw new UsageError('--json and --format cannot be combined');
  const options: ScanOptions = {};
  if (values.regions !== undefined) {
    const regions = [...new Set(values.regions.split(',').map((r) => r.trim()))];
    const bad = regions.find((r) => !REGION.test(r));
    if (bad !== undefined) throw new UsageError(`--regions: '${bad}' is not a region name (like eu-west-1)`);
    options.regions = regions;
  }
  const id = values['distribution-id'];
  if (id !== undefined) {
    if (!isDistributionId(id)) {
      throw new UsageError(
        `--distribution-id: '${id}' is not a CloudFront distribution id (like E2QWRUHAPOMQZL)`,
      );
    }
    options.distributionId = id;
  }
  const role = values['org-role-name'];
  if (role !== undefined) {
    if (!ROLE_NAME.test(role)) throw new UsageError(`--org-role-name: '${role}' is not an IAM role name`);
    options.orgRoleName = role;
  }
  const format: ScanFormat = values.format === 'asff' ? 'asff' : values.json ? 'json' : 'table';
  return { kind: 'scan', options, format };
}
