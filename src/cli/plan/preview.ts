import { AwsClients, withDistributionRole } from '../../aws/clients';
import { distributionRoleOf } from '../../aws/distribution-role';
import { acceptedValues, previousReader } from '../../engine/converge';
import { observe } from '../../engine/observe';
import { Observed } from '../../engine/observed';
import { lookAhead } from '../../engine/plan/plan';
import { Step } from '../../engine/plan/steps';
import { planWithinQuotas, QuotaBook } from '../../engine/plan-within-quotas';
import { preflight } from '../../engine/preflight';
import { readSecretValues, secretValueList } from '../../engine/secret';
import { LockSpec } from '../../engine/spec';
import { projectRound } from './project';

/**
 * A lock's steps, made by the engine's own reads, planner and refusals but never applied: round after
 * round as a CREATE (or an UPDATE, when the listener already has a lock) would run them, each later round
 * planned from the state the earlier ones leave once the distribution is Deployed (project.ts).
 * Steps carry header values: only describeStep() text may leave the process.
 */
export interface Preview {
  action: 'create' | 'update';
  /** Each round is one observe → plan → apply; a round that ends with `await-deployed` waits there. */
  rounds: Step[][];
  /** False when a round held a step the projection does not model: later rounds are not shown. */
  complete: boolean;
}

// As converge.ts: a lock that needs more rounds than this fails there, so the preview stops too.
const MAX_ROUNDS = 6;

export async function previewLock(clients: AwsClients, spec: LockSpec): Promise<Preview> {
  const secretValues = secretValueList(
    await readSecretValues(clients.secrets, spec.SecretArn, spec.SecretKey),
  );
  const previous = previousReader(clients, spec);
  const quotas = new QuotaBook(clients);
  let observed: Observed | undefined = await observe(clients, spec.ListenerArn, [spec.DistributionId], {
    dedicatedGroup: spec.Enforce.DedicatedSecurityGroup,
    distributionRole: distributionRoleOf(spec),
  });
  const action = observed.record ? 'update' : 'create';
  const rounds: Step[][] = [];
  for (let round = 0; round < MAX_ROUNDS && observed; round++) {
    const values = await acceptedValues(spec, observed, secretValues, previous);
    const steps = await planWithinQuotas(clients, { spec, observed, values }, quotas);
    if (steps.length === 0) break;
    // The first round of a CREATE or UPDATE refuses what the lock cannot own, before any write.
    if (round === 0) {
      const ahead = lookAhead({ spec, observed, values, quotas: quotas.quotas });
      await preflight(withDistributionRole(clients, distributionRoleOf(spec)), spec, observed, steps, ahead);
    }
    rounds.push(steps);
    // A round that does not wait runs to its end: the next observation finds the lock in place.
    if (!steps.some((s) => s.kind === 'await-deployed')) return { action, rounds, complete: true };
    observed = projectRound(observed, steps);
  }
  return { action, rounds, complete: observed !== undefined };
}
