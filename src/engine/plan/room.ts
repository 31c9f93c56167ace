import { LockError } from '../errors';
import { LIMITS } from '../limits';
import { encodeRecord, LockRecord, markerIds, markerTagKeys, markerTags, recordTagKeys } from '../record';
import { needsCatchAll, parseListenerArn } from '../spec';
import { originalDefaultActions } from './controls/listener-rules';
import { PlanContext } from './context';

/**
 * Refusals for room the lock needs in AWS beyond what one control sees: tags for its record and marker,
 * and a default action it can copy. Each runs before any step is applied.
 */

const tagLimitError = (field: string, what: string, advice: string): LockError =>
  new LockError(
    'ServiceLimitExceeded',
    `${field}: ${what}, over the ELB limit of ${LIMITS.tagsPerElbResource} tags per resource. ${advice}`,
  );

/** The listener and the load balancer have room for the lock's tags (the record names its rules). */
export function checkTagRoom(ctx: PlanContext, projected: LockRecord): void {
  if (!ctx.spec) return;
  const { listener, loadBalancer } = ctx.observed;
  const own = Object.keys(listener.tags).length - recordTagKeys(listener.tags).length;
  const needed = Object.keys(encodeRecord(projected)).length;
  if (own + needed > LIMITS.tagsPerElbResource) {
    throw tagLimitError(
      'ListenerArn',
      `the listener has ${own} tags of its own and the lock's record (its configuration and undo log) needs ${needed} more`,
      'Remove some of the listener’s tags.',
    );
  }
  const id = parseListenerArn(listener.arn).listenerId;
  const ids = markerIds(loadBalancer.tags);
  if (!ids.includes(id)) {
    const added = Object.keys(markerTags([...ids, id])).length - markerTagKeys(loadBalancer.tags).length;
    const total = Object.keys(loadBalancer.tags).length + added;
    if (total > LIMITS.tagsPerElbResource) {
      throw tagLimitError(
        'ListenerArn',
        `the load balancer has ${Object.keys(loadBalancer.tags).length} tags and the lock's marker (how LIST finds locks) needs ${added} more`,
        'Remove some of the load balancer’s tags.',
      );
    }
  }
}

/**
 * The catch-all rule carries the listener's original default action, and release puts it back. An
 * authenticate-oidc action cannot be copied: AWS never returns its ClientSecret, and CreateRule has no
 * way to reuse the secret of another resource. Refuse up front rather than fail half-way.
 */
export function checkCopyableDefault(ctx: PlanContext): void {
  if (!ctx.spec || !needsCatchAll(ctx.enforce)) return;
  const actions = originalDefaultActions(ctx);
  if (actions.some((a) => a.Type === 'authenticate-oidc')) {
    throw new LockError(
      'InvalidRequest',
      'ListenerArn: the listener’s default action authenticates with OIDC, and AWS never returns its ClientSecret, so the lock cannot move it into its catch-all rule and back. Move the OIDC authentication into a listener rule (the lock guards that rule) and give the listener a forward or fixed-response default, or set Enforce.ListenerRules and Enforce.DenyDefault to false.',
    );
  }
}
