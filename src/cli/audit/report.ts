import { anyFailed, Finding, Status } from './findings';
import { Paint, table } from './style';

/**
 * The `--json` document. Its shape is documented by docs/audit-output.schema.json: add fields only,
 * and bump `version` for any change that could break a consumer.
 */
export interface AuditReport {
  version: 1;
  listenerArn: string;
  distributionId: string;
  headerName: string;
  /** The secret the header values were compared with, or null when none was given. */
  secretArn: string | null;
  requireHttps: boolean;
  /** `fail` when any control fails; warnings alone pass. */
  verdict: 'pass' | 'fail';
  summary: Record<Status, number>;
  findings: Finding[];
}

export interface ReportContext {
  listenerArn: string;
  distributionId: string;
  headerName: string;
  secretArn?: string;
  requireHttps: boolean;
}

export function buildReport(context: ReportContext, findings: Finding[]): AuditReport {
  const count = (s: Status): number => findings.filter((f) => f.status === s).length;
  return {
    version: 1,
    listenerArn: context.listenerArn,
    distributionId: context.distributionId,
    headerName: context.headerName,
    secretArn: context.secretArn ?? null,
    requireHttps: context.requireHttps,
    verdict: anyFailed(findings) ? 'fail' : 'pass',
    summary: { pass: count('pass'), warn: count('warn'), fail: count('fail') },
    findings,
  };
}

export function statusLabel(status: Status, p: Paint): string {
  if (status === 'pass') return p.green('PASS');
  if (status === 'warn') return p.yellow('WARN');
  return p.red('FAIL');
}

/** One line a person can act on: what failed, how many warnings. */
export function verdictLine(report: AuditReport, p: Paint): string {
  const { fail, warn } = report.summary;
  const warnings = warn === 0 ? '' : `, ${warn} warning${warn === 1 ? '' : 's'}`;
  if (report.verdict === 'fail') {
    return `${p.bold('Verdict:')} ${p.red('FAIL')} - ${fail} of ${report.findings.length} controls fail${warnings}`;
  }
  return `${p.bold('Verdict:')} ${p.green('PASS')} - every control holds${warnings}`;
}

/** The findings table and the verdict (wrapped to `width` on a terminal). */
export function renderFindings(report: AuditReport, p: Paint, width?: number): string[] {
  const rows = report.findings.map((f) => [statusLabel(f.status, p), f.control, f.reason]);
  return [
    ...table(rows, { header: ['STATUS', 'CONTROL', 'REASON'], width, paint: p }),
    '',
    verdictLine(report, p),
  ];
}

/** The human report: what was audited, then the findings. */
export function renderReport(report: AuditReport, p: Paint, width?: number): string[] {
  const secret = report.secretArn ? `, secret ${report.secretArn}` : '';
  return [
    `Audit of listener ${report.listenerArn}`,
    `     and distribution ${report.distributionId} (header ${report.headerName}${secret})`,
    '',
    ...renderFindings(report, p, width),
  ];
}
