import { HandlerCode } from '../../engine/errors';
import { describeStep, Step } from '../../engine/plan/steps';
import { LockSpec } from '../../engine/spec';
import { Preview } from './preview';

/**
 * The plan as printed: value-free by construction (a step is only its kind and its describeStep text).
 * The JSON shape is docs/plan-output.schema.json.
 */
export interface PlannedStep {
  /** 1-based position in the whole plan. */
  order: number;
  /** 1-based round: each round is one observe → plan → apply of the handler. */
  round: number;
  kind: Step['kind'];
  description: string;
}

export interface PlanReport {
  version: 1;
  listenerArn: string;
  distributionId: string;
  secretArn: string;
  headerName: string;
  /** The edge-account role the distribution is reached through (--distribution-role-arn), if any. */
  distributionRoleArn?: string;
  action: 'create' | 'update' | null;
  outcome: 'planned' | 'refused';
  steps: PlannedStep[];
  /** False when later rounds could not be foreseen (see preview.ts). */
  complete: boolean;
  refusal: { code: HandlerCode; message: string } | null;
}

const header = (spec: LockSpec) => ({
  version: 1 as const,
  listenerArn: spec.ListenerArn,
  distributionId: spec.DistributionId,
  secretArn: spec.SecretArn,
  headerName: spec.HeaderName,
  ...(spec.DistributionRoleArn !== undefined ? { distributionRoleArn: spec.DistributionRoleArn } : {}),
});

export function plannedReport(spec: LockSpec, preview: Preview): PlanReport {
  let order = 0;
  const steps = preview.rounds.flatMap((round, i) =>
    round.map((step) => ({ order: ++order, round: i + 1, kind: step.kind, description: describeStep(step) })),
  );
  return {
    ...header(spec),
    action: preview.action,
    outcome: 'planned',
    steps,
    complete: preview.complete,
    refusal: null,
  };
}

export function refusedReport(spec: LockSpec, code: HandlerCode, message: string): PlanReport {
  return {
    ...header(spec),
    action: null,
    outcome: 'refused',
    steps: [],
    complete: true,
    refusal: { code, message },
  };
}

export function renderPlan(report: PlanReport): string[] {
  const lines = [
    `Listener:     ${report.listenerArn}`,
    `Distribution: ${report.distributionId}${report.distributionRoleArn ? ` (through role ${report.distributionRoleArn})` : ''}`,
    `Header:       ${report.headerName} (value from ${report.secretArn})`,
    '',
  ];
  if (report.refusal) {
    lines.push(`The lock would refuse (${report.refusal.code}):`, `  ${report.refusal.message}`);
    return lines;
  }
  const action = report.action === 'update' ? 'UPDATE of the lock on this listener' : 'CREATE';
  if (report.steps.length === 0) {
    lines.push(`A ${action} has nothing to change: the lock is in place as asked.`);
    return lines;
  }
  lines.push(`A ${action} would make these steps, in order:`);
  let round = 0;
  for (const step of report.steps) {
    if (step.round !== round) {
      round = step.round;
      lines.push('', round === 1 ? 'Now:' : 'Then, once the distribution is Deployed (the handler polls):');
    }
    lines.push(`  ${String(step.order).padStart(2)}. ${step.description}`);
  }
  lines.push('');
  if (!report.complete)
    lines.push(
      'Later steps depend on what AWS answers to these and are not shown; the lock plans them then.',
    );
  lines.push('Nothing was written: this is a preview.');
  return lines;
}
