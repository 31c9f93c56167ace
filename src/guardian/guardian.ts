/**
 * The guardian: continuous enforcement of every lock in a region with the same engine the resource
 * type runs. It reads each concerned lock exactly as READ does (observe + readModel, the controls'
 * `holds`), publishes one finding per broken control, and in heal mode converges the lock to its
 * recorded spec with the same gap-free converge() an UPDATE uses. It never throws: an event it cannot
 * use, a listener without a lock or one that is gone is logged and ignored (no crash loop, no retries).
 */
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients } from '../aws/clients';
import { cloudFormationClientLike, CloudFormationReads } from '../aws/cloudformation';
import { formatError } from '../aws/error-mapping';
import { converge, listLockArns, LockModel, readModel } from '../engine/converge';
import { listenersWithRecord, observe } from '../engine/observe';
import { Observed } from '../engine/observed';
import { redact } from '../engine/secret';
import { madeBy, parseEvent, Targets } from './events';
import { stackOperationOn } from './stack-operation';
import {
  CONTROL_BROKEN,
  Control,
  CONTROLS,
  Finding,
  FindingSink,
  GuardianAction,
  GuardianMode,
  Trigger,
} from './finding';

export interface GuardianConfig {
  mode: GuardianMode;
  /** The guardian's own role, and roles it must not race (the resource type's, the custom resource's). */
  ignoredRoleArns: string[];
}

export interface GuardianDeps {
  clients: AwsClients;
  /** Asked before a heal whether a stack operation is on the lock; default: an SDK client with the ELBv2 client's settings. */
  cloudformation?: CloudFormationReads;
  sink: FindingSink;
  log: (message: string) => void;
  now?: () => Date;
}

export interface GuardianResult {
  /** Why the event was ignored, when it was. */
  ignored?: string;
  /** Listener ARNs of the locks checked. */
  checked: string[];
  findings: Finding[];
}

/** Mode from the environment: `heal` unless `alert` is asked for. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): GuardianConfig {
  return {
    mode: env.MODE === 'alert' ? 'alert' : 'heal',
    ignoredRoleArns: [env.GUARDIAN_ROLE_ARN ?? '', ...(env.IGNORED_ROLE_ARNS ?? '').split(',')]
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  };
}

export async function runGuardian(
  event: unknown,
  config: GuardianConfig,
  deps: GuardianDeps,
): Promise<GuardianResult> {
  const log = (m: string) => deps.log(redact(`[guardian] ${m}`));
  const result: GuardianResult = { checked: [], findings: [] };
  try {
    const request = parseEvent(event);
    if (request.kind === 'ignored') {
      log(`ignored: ${request.reason}`);
      return { ...result, ignored: request.reason };
    }
    if (request.kind === 'change' && madeBy(request, config.ignoredRoleArns)) {
      const reason = `${request.trigger.eventName} ${request.trigger.eventId ?? ''} was made by an ignored role (${request.trigger.principalArn ?? '?'})`;
      log(`ignored: ${reason}`);
      return { ...result, ignored: reason };
    }
    const candidates =
      request.kind === 'sweep'
        ? await listLockArns(deps.clients)
        : await candidateLocks(deps.clients, request.targets, log);
    for (const listenerArn of candidates) {
      const findings = await guardLock(
        listenerArn,
        request.kind === 'change' ? request.targets : undefined,
        request.trigger,
        config,
        deps,
        log,
      );
      if (findings === undefined) continue;
      result.checked.push(listenerArn);
      result.findings.push(...findings);
    }
    if (result.findings.length > 0) await deps.sink.publish(result.findings);
    if (candidates.length === 0) log(`no lock concerned by ${describe(request.trigger)}`);
  } catch (e) {
    // Listing the locks or publishing failed: logged; the next event or sweep tries again.
    log(`failed: ${formatError(e)}`);
  }
  return result;
}

const describe = (t: Trigger): string =>
  t.kind === 'schedule' ? 'the scheduled sweep' : `${t.eventName} (event ${t.eventId ?? '?'})`;

/**
 * Listener ARNs that may hold a lock touched by the event. Listeners come straight from the event; a
 * load balancer's locks are its listeners that carry a record (the marker tag itself may be what the
 * call removed); groups and distributions are matched against every lock once observed (guardLock).
 */
async function candidateLocks(
  clients: AwsClients,
  targets: Targets,
  log: (m: string) => void,
): Promise<string[]> {
  const arns = new Set(targets.listenerArns);
  for (const lb of targets.loadBalancerArns) {
    try {
      const out = await clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb }));
      const listeners = (out.Listeners ?? []).map((l) => l.ListenerArn ?? '').filter((arn) => arn);
      for (const arn of await listenersWithRecord(clients, listeners)) arns.add(arn);
    } catch (e) {
      log(`load balancer ${lb} ignored: ${formatError(e)}`);
    }
  }
  if (targets.securityGroupIds.length > 0 || targets.distributionIds.length > 0)
    for (const arn of await listLockArns(clients)) arns.add(arn);
  return [...arns].sort();
}

/** Whether an observed lock is one the event concerns (its listener, groups or distributions). */
function concerns(listenerArn: string, observed: Observed, targets: Targets): boolean {
  if (targets.listenerArns.includes(listenerArn)) return true;
  if (targets.loadBalancerArns.includes(observed.loadBalancer.arn)) return true;
  const groups = [...observed.loadBalancer.securityGroupIds, observed.dedicatedGroup?.groupId ?? ''];
  if (targets.securityGroupIds.some((g) => groups.includes(g))) return true;
  const record = observed.record;
  const distributions = [record?.spec.DistributionId, ...(record?.stamps ?? []).map((s) => s.DistributionId)];
  return targets.distributionIds.some((d) => distributions.includes(d));
}

/**
 * Controls the record enforces that READ sees broken. A control whose recorded flag is false is being
 * (or has been) released by an UPDATE, whose undo log records the new flags before any release step:
 * it is never healed back.
 */
const brokenControls = (model: LockModel, enforce: Record<string, boolean | undefined>): Control[] =>
  CONTROLS.filter((c) => enforce[c] === true && model.Enforce?.[c] === false);

/**
 * Checks one lock and, in heal mode, converges it. Undefined when the listener is not a lock the
 * event concerns (no record, gone, another resource); otherwise the findings (empty when it holds).
 */
async function guardLock(
  listenerArn: string,
  targets: Targets | undefined,
  trigger: Trigger,
  config: GuardianConfig,
  deps: GuardianDeps,
  log: (m: string) => void,
): Promise<Finding[] | undefined> {
  // The lock's distribution may live in an edge account: CloudFront through the role its record names.
  const clients = deps.clients;
  let observed: Observed;
  let model: LockModel;
  try {
    observed = await observe(clients, listenerArn, [], { readOnly: true });
    if (!observed.record) {
      log(`${listenerArn} has no lock: ignored`);
      return undefined;
    }
    if (targets && !concerns(listenerArn, observed, targets)) return undefined;
    model = await readModel(clients, listenerArn, { observed });
  } catch (e) {
    log(`${listenerArn} ignored: ${formatError(e)}`);
    return undefined;
  }
  const record = observed.record;
  const broken = brokenControls(model, record.spec.Enforce as unknown as Record<string, boolean | undefined>);
  if (broken.length === 0) {
    log(`${listenerArn}: every control holds`);
    return [];
  }
  log(`${listenerArn}: broken ${broken.join(', ')} (${describe(trigger)})`);
  const actions = new Map<Control, { action: GuardianAction; error?: string; reason?: string }>();
  // A stack creating, updating or deleting the lock (or its listener) owns it until it is done.
  const stacks =
    config.mode === 'heal'
      ? await stackOperationOn(
          deps.cloudformation ?? cloudFormationClientLike(deps.clients.elbv2),
          listenerArn,
        )
      : undefined;
  if (config.mode === 'alert') {
    for (const c of broken) actions.set(c, { action: 'alerted' });
  } else if (stacks?.kind === 'defer') {
    log(`${listenerArn}: heal deferred: ${stacks.reason}`);
    for (const c of broken) actions.set(c, { action: 'deferred', reason: stacks.reason });
  } else {
    try {
      // The recorded spec, as UPDATE would converge it: the same planner, phases and waits.
      const outcome = await converge(clients, listenerArn, { ...record.spec, ListenerArn: listenerArn }, log);
      if (outcome.state === 'waiting')
        log(`${listenerArn}: distribution ${outcome.distributionIds.join(', ')} is deploying the change`);
      const after = await readModel(clients, listenerArn);
      for (const c of broken)
        actions.set(
          c,
          after.Enforce?.[c] === true
            ? { action: 'healed' }
            : { action: 'failed', error: 'the control still does not hold after converging' },
        );
    } catch (e) {
      const error = formatError(e);
      log(`${listenerArn}: healing failed: ${error}`);
      for (const c of broken) actions.set(c, { action: 'failed', error });
    }
  }
  const detectedAt = (deps.now ?? (() => new Date()))().toISOString();
  return broken.map((control) => {
    const { action, error, reason } = actions.get(control) ?? { action: 'failed' as const };
    const cause =
      trigger.kind === 'cloudtrail'
        ? ` after ${trigger.eventName} by ${trigger.principalArn ?? 'an unknown principal'}`
        : '';
    const finding: Finding = {
      version: 1,
      listenerArn,
      distributionId: record.spec.DistributionId,
      loadBalancerArn: observed.loadBalancer.arn,
      control,
      change: `${CONTROL_BROKEN[control]}${cause}`,
      trigger,
      mode: config.mode,
      action,
      detectedAt,
    };
    if (error) finding.error = redact(error);
    if (reason) finding.reason = redact(reason);
    return finding;
  });
}
