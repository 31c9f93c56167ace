import { ScanPair } from './scan';

/**
 * The scan as AWS Security Finding Format findings (Security Hub BatchImportFindings): one per scanned
 * row, with every required top-level attribute. Passing pairs are sent as INFORMATIONAL/PASSED so
 * Security Hub resolves an earlier failure of the same Id.
 */

export interface AsffFinding {
  SchemaVersion: '2018-10-08';
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' };
  Title: string;
  Description: string;
  Resources: { Type: string; Id: string; Partition: string; Region: string }[];
  Compliance: { Status: 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE' };
  RecordState: 'ACTIVE';
}

const GENERATOR = 'acme-origin-lock/scan';

/** The account the row belongs to: its own, else from the load balancer's ARN, else the distribution's. */
function accountOf(pair: ScanPair, distributionArns: Map<string, string>): string {
  if (pair.accountId) return pair.accountId;
  const arn = pair.loadBalancerArn ?? distributionArns.get(pair.distributionId) ?? '';
  return arn.split(':')[4] ?? '';
}

const SEVERITY = {
  pass: 'INFORMATIONAL',
  fail: 'HIGH',
  warn: 'MEDIUM',
  'not-scanned': 'LOW',
  error: 'LOW',
} as const;
const COMPLIANCE = {
  pass: 'PASSED',
  fail: 'FAILED',
  warn: 'WARNING',
  'not-scanned': 'NOT_AVAILABLE',
  error: 'NOT_AVAILABLE',
} as const;

export function toAsff(pairs: ScanPair[], distributionArns: Map<string, string>, now: Date): AsffFinding[] {
  const at = now.toISOString();
  return pairs.map((pair) => {
    const account = accountOf(pair, distributionArns);
    const where = pair.listenerArn ?? pair.loadBalancerArn ?? `origin ${pair.originId ?? '?'}`;
    const failing = pair.findings.filter((f) => f.status === 'fail');
    const description =
      failing.length > 0
        ? failing.map((f) => `${f.control}: ${f.reason}`).join(' ')
        : pair.reason || 'Every control of the origin lock holds.';
    const distributionArn = distributionArns.get(pair.distributionId);
    if (pair.kind === 'account') return accountFinding(pair, at);
    return {
      ...envelope(
        `${GENERATOR}/${pair.kind}/${pair.distributionId}/${pair.originId ?? '-'}/${pair.listenerArn ?? '-'}`,
        pair.region,
        account,
        at,
      ),
      Severity: { Label: SEVERITY[pair.verdict] },
      Title:
        pair.kind === 'stale-lock'
          ? `Origin lock on ${where} names a distribution that no longer uses it`
          : `Origin ${pair.originId ?? '?'} of CloudFront distribution ${pair.distributionId}: ${pair.verdict}`,
      // Security Hub caps Description at 1024 characters.
      Description: description.slice(0, 1024),
      Resources: [
        ...((pair.listenerArn ?? pair.loadBalancerArn)
          ? [
              {
                Type: pair.listenerArn ? 'Other' : 'AwsElbv2LoadBalancer',
                Id: pair.listenerArn ?? pair.loadBalancerArn ?? '',
                Partition: 'aws',
                Region: pair.region,
              },
            ]
          : []),
        ...(distributionArn
          ? [
              {
                Type: 'AwsCloudFrontDistribution',
                Id: distributionArn,
                Partition: 'aws',
                Region: 'us-east-1',
              },
            ]
          : []),
      ],
      Compliance: { Status: COMPLIANCE[pair.verdict] },
      RecordState: 'ACTIVE',
    };
  });
}

/** The attributes every finding of this product carries, whatever it is about. */
type Envelope = Pick<
  AsffFinding,
  'SchemaVersion' | 'Id' | 'ProductArn' | 'GeneratorId' | 'AwsAccountId' | 'Types' | 'CreatedAt' | 'UpdatedAt'
>;
const envelope = (id: string, region: string, account: string, at: string): Envelope =>
  ({
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: `arn:aws:securityhub:${region}:${account}:product/${account}/default`,
    GeneratorId: GENERATOR,
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/AWS Security Best Practices/Network Reachability'],
    CreatedAt: at,
    UpdatedAt: at,
  }) as const;

/** An account the Organization scan could not enter or read: one finding on the account itself. */
function accountFinding(pair: ScanPair, at: string): AsffFinding {
  const account = pair.accountId;
  return {
    ...envelope(`${GENERATOR}/account/${account}`, pair.region, account, at),
    Severity: { Label: SEVERITY.error },
    Title: `Account ${account} could not be scanned for exposed origins`,
    Description: pair.reason.slice(0, 1024),
    Resources: [
      { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Partition: 'aws', Region: pair.region },
    ],
    Compliance: { Status: COMPLIANCE.error },
    RecordState: 'ACTIVE',
  };
}
