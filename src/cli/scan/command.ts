import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { AwsClients, createClients } from '../../aws/clients';
import { mapError } from '../../aws/error-mapping';
import { colourWanted, paint } from '../audit/style';
import { parseScanCommandLine, SCAN_HELP } from './args';
import { toAsff } from './asff';
import { buildScanReport, renderScan } from './report';
import { Credentials, OrgScanResult, scanOrganization } from './organization';
import { scan, ScanResult } from './scan';

/** `origin-lock scan`: exit status as the audit's (0 all pass, 1 a pair fails, 2 usage, 3 could not run). */

export const SCAN_EXIT = { pass: 0, fail: 1, usage: 2, error: 3 } as const;

export interface ScanIo {
  /** Lines already redacted by the caller (main.ts). */
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  isTTY: boolean;
  /** Whether standard error is a terminal: the progress indicator is drawn only there. */
  stderrIsTTY?: boolean;
  /** Writes to standard error without a newline (the progress indicator redraws its line). */
  errRaw?(text: string): void;
  columns?: number;
  clients?(region: string): AwsClients;
  now?(): Date;
}

export class ScanFailed extends Error {}

/** Runs a parsed command line; usage errors are thrown by parseScanCommandLine before any AWS call. */
export async function runScan(argv: string[], io: ScanIo): Promise<number> {
  const parsed = parseScanCommandLine(argv);
  if (parsed.kind === 'help') {
    SCAN_HELP.trimEnd()
      .split('\n')
      .forEach((line) => io.out(line));
    return SCAN_EXIT.pass;
  }
  const { options, format } = parsed;
  // Credentials given: an Organization member's (assumed role); else the caller's own.
  const clientsIn = (region: string, credentials?: Credentials): AwsClients =>
    credentials
      ? createClients({ region, credentials })
      : io.clients
        ? io.clients(region)
        : createClients({ region });
  const unit = options.orgRoleName ? 'accounts' : 'origins';
  const progress =
    io.stderrIsTTY && io.errRaw
      ? (done: number, total: number): void => io.errRaw?.(`\rscanning: ${done}/${total} ${unit}`)
      : undefined;
  const defaultRegion = io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  let result: ScanResult | OrgScanResult;
  try {
    if (options.orgRoleName) {
      const sdk = { region: defaultRegion, maxAttempts: 7, retryMode: 'standard' as const };
      result = await scanOrganization(
        { ...options, orgRoleName: options.orgRoleName },
        {
          organizations: new OrganizationsClient(sdk),
          sts: new STSClient(sdk),
          clients: clientsIn,
          defaultRegion,
          progress,
        },
      );
    } else {
      result = await scan(options, { clients: clientsIn, defaultRegion, progress });
    }
  } catch (e) {
    throw new ScanFailed(mapError(e).message);
  } finally {
    if (progress) io.errRaw?.('\r\x1b[K');
  }
  const report = buildScanReport(result);
  if (format === 'asff') {
    const findings = toAsff(report.pairs, result.distributionArns, io.now ? io.now() : new Date());
    JSON.stringify(findings, null, 2)
      .split('\n')
      .forEach((line) => io.out(line));
  } else if (format === 'json') {
    JSON.stringify(report, null, 2)
      .split('\n')
      .forEach((line) => io.out(line));
  } else {
    const p = paint(colourWanted(io.isTTY, io.env));
    renderScan(report, p, io.isTTY ? io.columns : undefined).forEach((line) => io.out(line));
  }
  if (report.verdict === 'fail') return SCAN_EXIT.fail;
  return report.verdict === 'error' ? SCAN_EXIT.error : SCAN_EXIT.pass;
}
