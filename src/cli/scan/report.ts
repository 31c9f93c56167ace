import { Paint, table } from '../audit/style';
import { PairVerdict, ScanPair, ScanResult } from './scan';

/**
 * The `--json` document (docs/scan-output.schema.json): add fields only, bump `version` for anything
 * that could break a consumer.
 */
export interface ScanReport {
  version: 1;
  regions: string[];
  distributions: number;
  /** `fail` when any pair fails, `error` when none fails but one could not be audited. */
  /** With --org-role-name: the ACTIVE accounts listed (each scanned, or an `account` error row). */
  accounts?: number;
  verdict: 'pass' | 'fail' | 'error';
  summary: Record<PairVerdict, number>;
  pairs: ScanPair[];
}

const VERDICTS: PairVerdict[] = ['pass', 'fail', 'warn', 'not-scanned', 'error'];

export function buildScanReport(result: ScanResult & { accounts?: number }): ScanReport {
  const count = (v: PairVerdict): number => result.pairs.filter((p) => p.verdict === v).length;
  const summary = Object.fromEntries(VERDICTS.map((v) => [v, count(v)])) as Record<PairVerdict, number>;
  return {
    version: 1,
    regions: result.regions,
    distributions: result.distributions,
    ...(result.accounts !== undefined ? { accounts: result.accounts } : {}),
    verdict: summary.fail > 0 ? 'fail' : summary.error > 0 ? 'error' : 'pass',
    summary,
    pairs: result.pairs,
  };
}

/** The last path segment of an ARN ("app/name/id" → name), enough to tell rows apart in a table. */
const lbName = (arn: string | null): string => (arn ? (arn.split('/').at(-2) ?? arn) : '-');
const listenerName = (arn: string | null): string => (arn ? `…/${arn.split('/').at(-1) ?? ''}` : '-');

function verdictLabel(v: PairVerdict, p: Paint): string {
  if (v === 'pass') return p.green('PASS');
  if (v === 'fail') return p.red('FAIL');
  if (v === 'error') return p.red('ERROR');
  if (v === 'warn') return p.yellow('WARN');
  return p.yellow('NOT SCANNED');
}

/** One line per pair, then a summary line. */
export function renderScan(report: ScanReport, p: Paint, width?: number): string[] {
  const org = report.accounts !== undefined;
  const rows = report.pairs.map((pair) => [
    ...(org ? [pair.accountId] : []),
    pair.distributionId || '-',
    pair.originId ?? '-',
    lbName(pair.loadBalancerArn),
    listenerName(pair.listenerArn),
    verdictLabel(pair.verdict, p),
    pair.managed ? 'yes' : 'no',
    pair.failing.length > 0 ? pair.failing.join(', ') : pair.reason || '-',
  ]);
  const s = report.summary;
  const counts = VERDICTS.filter((v) => s[v] > 0).map((v) => `${s[v]} ${v}`);
  const accounts = org ? ` across ${report.accounts} account${report.accounts === 1 ? '' : 's'}` : '';
  // Every enabled region is a long list: past a few, the count says enough (--json lists them).
  const regions =
    report.regions.length > 4 ? `${report.regions.length} regions` : report.regions.join(', ') || 'no region';
  return [
    `Scan of ${report.distributions} distribution${report.distributions === 1 ? '' : 's'}${accounts} in ${regions}`,
    '',
    ...(rows.length === 0
      ? ['No distribution has an Application Load Balancer origin.']
      : table(rows, {
          header: [
            ...(org ? ['ACCOUNT'] : []),
            'DISTRIBUTION',
            'ORIGIN',
            'LOAD BALANCER',
            'LISTENER',
            'VERDICT',
            'LOCKED',
            'FAILING / NOTE',
          ],
          width,
          paint: p,
        })),
    '',
    `${p.bold('Verdict:')} ${report.verdict.toUpperCase()} - ${counts.join(', ') || 'nothing to scan'}`,
  ];
}
