import { AwsClients } from '../aws/clients';
import { readQuota } from '../aws/quotas';
import { DEFAULT_QUOTAS, QuotaExceeded, quotaExceeded, QuotaName, Quotas } from './limits';
import { countLoadBalancerRules } from './observe';
import { plan, PlanInput } from './plan/plan';
import { Step } from './plan/steps';

/**
 * Plans within the account's quotas: first against the documented defaults; when a refusal names an
 * adjustable quota, the applied value is read once and the plan is made again with it. Then the rules
 * the plan would create are counted against the load balancer's rule quota (which needs the rules of
 * every listener of the load balancer, so only a plan that creates a rule reads them). All of this
 * happens before the first step is applied.
 */
export class QuotaBook {
  private readonly read = new Set<QuotaName>();
  quotas: Quotas = { ...DEFAULT_QUOTAS };

  constructor(private readonly clients: AwsClients) {}

  /** Reads the applied value of `name` unless already read; false when nothing new was learnt. */
  async learn(name: QuotaName): Promise<boolean> {
    if (this.read.has(name)) return false;
    this.read.add(name);
    this.quotas = { ...this.quotas, [name]: await readQuota(this.clients, name) };
    return true;
  }
}

export async function planWithinQuotas(
  clients: AwsClients,
  input: Omit<PlanInput, 'quotas'>,
  book: QuotaBook,
): Promise<Step[]> {
  let steps: Step[];
  for (;;) {
    try {
      steps = plan({ ...input, quotas: book.quotas });
    } catch (e) {
      if (!(e instanceof QuotaExceeded) || !(await book.learn(e.quota))) throw e;
      continue;
    }
    // A group of the lock's own that nobody asked for means no group had room: under the account's
    // applied quota one may have.
    const fallback =
      !input.spec?.Enforce.DedicatedSecurityGroup && steps.some((s) => s.kind === 'create-security-group');
    if (!fallback || !(await book.learn('rulesPerSecurityGroup'))) break;
  }
  const creates = steps.filter((s) => s.kind === 'create-rule').length;
  if (creates > 0) {
    const lb = input.observed.loadBalancer.arn;
    const count = await countLoadBalancerRules(clients, lb);
    const fits = () => count + creates <= book.quotas.rulesPerLoadBalancer.value;
    if (!fits() && (await book.learn('rulesPerLoadBalancer')) && fits()) return steps;
    if (!fits()) {
      throw quotaExceeded(
        book.quotas,
        'rulesPerLoadBalancer',
        'ListenerArn',
        `load balancer ${lb} has ${count} rules and the lock's catch-all rule needs ${creates} more`,
        'Delete an unused rule or raise the quota.',
      );
    }
  }
  return steps;
}
