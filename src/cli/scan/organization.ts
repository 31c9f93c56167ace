import { Account, OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsClients } from '../../aws/clients';
import { mapError } from '../../aws/error-mapping';
import { ScanOptions } from './args';
import { mapLimit, scan, ScanDeps, ScanPair, ScanResult } from './scan';

/**
 * `origin-lock scan --org-role-name NAME`: every ACTIVE account of the Organization, each scanned with
 * the credentials of `arn:aws:iam::<account>:role/NAME`. The caller's own account (the management or
 * delegated administrator account ListAccounts runs in) is scanned with the caller's own credentials:
 * service-managed StackSets never deploy to the management account, so the role is usually absent there.
 * An account that cannot be entered or read is one `account` row with verdict `error`, never fatal.
 */

/** Accounts scanned at once; each scans up to REGION_CONCURRENCY regions itself. */
export const ACCOUNT_CONCURRENCY = 3;
export const SESSION_NAME = 'origin-lock-scan';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface OrgDeps {
  organizations: OrganizationsClient;
  sts: STSClient;
  /** Clients in a region; `credentials` undefined: the caller's own. */
  clients(region: string, credentials?: Credentials): AwsClients;
  defaultRegion: string;
  progress?(done: number, total: number): void;
}

export interface OrgScanResult extends ScanResult {
  /** Accounts listed (ACTIVE only). */
  accounts: number;
}

/** Every ACTIVE account, ListAccounts page by page, sorted by id. */
export async function activeAccounts(organizations: OrganizationsClient): Promise<Account[]> {
  const accounts: Account[] = [];
  for await (const page of paginateListAccounts({ client: organizations }, {})) {
    for (const a of page.Accounts ?? []) if (a.Status === 'ACTIVE' && a.Id) accounts.push(a);
  }
  return accounts.sort((a, b) => (a.Id ?? '').localeCompare(b.Id ?? ''));
}

async function assume(sts: STSClient, roleArn: string): Promise<Credentials> {
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: SESSION_NAME }));
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

const accountRow = (accountId: string, region: string, reason: string): ScanPair => ({
  accountId,
  kind: 'account',
  distributionId: '',
  originId: null,
  region,
  loadBalancerArn: null,
  listenerArn: null,
  verdict: 'error',
  managed: false,
  failing: [],
  reason,
  findings: [],
});

export async function scanOrganization(
  options: ScanOptions & { orgRoleName: string },
  deps: OrgDeps,
): Promise<OrgScanResult> {
  // Listing first: a caller that cannot list the Organization has nothing to scan (ScanFailed, exit 3).
  const accounts = await activeAccounts(deps.organizations);
  const caller = (await deps.sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  let done = 0;
  const results = await mapLimit(accounts, ACCOUNT_CONCURRENCY, async (account): Promise<ScanResult> => {
    try {
      return await scanAccount(account.Id ?? '', caller, options, deps);
    } finally {
      deps.progress?.(++done, accounts.length);
    }
  });
  return {
    accounts: accounts.length,
    regions: [...new Set(results.flatMap((r) => r.regions))].sort(),
    distributions: results.reduce((n, r) => n + r.distributions, 0),
    distributionArns: new Map(results.flatMap((r) => [...r.distributionArns])),
    pairs: results.flatMap((r) => r.pairs),
  };
}

const notScanned = (accountId: string, region: string, reason: string): ScanResult => ({
  regions: [],
  distributions: 0,
  distributionArns: new Map(),
  pairs: [accountRow(accountId, region, `account ${accountId} not scanned: ${reason}`)],
});

async function scanAccount(
  id: string,
  caller: string,
  options: ScanOptions & { orgRoleName: string },
  deps: OrgDeps,
): Promise<ScanResult> {
  let credentials: Credentials | undefined;
  if (id !== caller) {
    const roleArn = `arn:aws:iam::${id}:role/${options.orgRoleName}`;
    try {
      credentials = await assume(deps.sts, roleArn);
    } catch (e) {
      return notScanned(id, deps.defaultRegion, `cannot assume ${roleArn}: ${mapError(e).message}`);
    }
  }
  const accountDeps: ScanDeps = {
    clients: (region) => deps.clients(region, credentials),
    defaultRegion: deps.defaultRegion,
    accountId: id,
  };
  try {
    return await scan(options, accountDeps);
  } catch (e) {
    return notScanned(id, deps.defaultRegion, mapError(e).message);
  }
}
