import { subsetOf } from '../../rules/alb';
import { LockError } from '../../errors';
import { quotaExceeded } from '../../limits';
import { LockRecord, OriginStamp } from '../../record';
import { needsCatchAll } from '../../spec';
import { OriginEdit, Step } from '../steps';
import { NOTHING_PLANNED, Planned, sameStamp, withStamp } from '../change';
import { originHeaderValue, PlanContext, TargetOrigin } from '../context';

/** Origin header: the distribution's origins for this load balancer send the secret header. */

const HTTPS_ONLY = 'https-only';

const sendsAccepted = (t: TargetOrigin, name: string, values: readonly string[]): boolean => {
  const v = originHeaderValue(t.origin, name);
  return v !== undefined && subsetOf([v], values);
};

/** Whether the origin already sends what this run wants it to send. */
const sendsWanted = (ctx: PlanContext, t: TargetOrigin): boolean =>
  ctx.sendValue !== undefined
    ? sendsAccepted(t, ctx.headerName, [ctx.sendValue])
    : sendsAccepted(t, ctx.headerName, ctx.values);

function grouped(edits: { distributionId: string; edit: OriginEdit }[], why: string): Step[] {
  const byDist = new Map<string, OriginEdit[]>();
  for (const e of edits) byDist.set(e.distributionId, [...(byDist.get(e.distributionId) ?? []), e.edit]);
  return [...byDist].map(([distributionId, list]) => ({
    kind: 'update-origins',
    distributionId,
    edits: list,
    why,
  }));
}

/** Pre-barrier: stamp each target origin (after the rules accept the value); the record lists the stamps. */
export function stamp(ctx: PlanContext): Planned {
  if (!ctx.enforce.OriginHeader) return NOTHING_PLANNED;
  const edits: { distributionId: string; edit: OriginEdit }[] = [];
  const stamps: OriginStamp[] = [];
  for (const t of ctx.targets) {
    const edit: OriginEdit = { originId: t.origin.Id ?? '' };
    const wanted: OriginStamp = {
      DistributionId: t.distributionId,
      OriginId: edit.originId,
      HeaderName: ctx.headerName,
    };
    // The lock's own stamp: recorded by an earlier run, or made earlier in this loop.
    const recorded = [...(ctx.observed.record?.stamps ?? []), ...stamps].some((x) => sameStamp(x, wanted));
    const live = originHeaderValue(t.origin, ctx.headerName);
    if (!recorded && live !== undefined) {
      if (!subsetOf([live], ctx.values)) {
        // Overwriting a foreign value could not be undone without storing it (it may be a secret).
        throw new LockError(
          'InvalidRequest',
          `HeaderName: origin '${wanted.OriginId}' already sends '${ctx.headerName}' with a value that is not the secret's; remove that header or choose another HeaderName`,
        );
      }
      wanted.Adopted = true;
    }
    if (!sendsWanted(ctx, t)) {
      const count = t.origin.CustomHeaders?.Items?.length ?? 0;
      if (
        originHeaderValue(t.origin, ctx.headerName) === undefined &&
        count >= ctx.quotas.customHeadersPerOrigin.value
      ) {
        throw quotaExceeded(
          ctx.quotas,
          'customHeadersPerOrigin',
          'Enforce.OriginHeader',
          `origin '${edit.originId}' of distribution ${t.distributionId} already has ${count} custom headers and the lock's header would make ${count + 1}`,
          'Remove a custom header from that origin or raise the quota.',
        );
      }
      edit.setHeader = { name: ctx.headerName, value: ctx.sendValue ?? ctx.values[0] };
    }
    const policy = t.origin.CustomOriginConfig?.OriginProtocolPolicy;
    if (ctx.enforce.HttpsOrigin) {
      if (!t.origin.CustomOriginConfig) {
        throw new LockError(
          'InvalidRequest',
          `Enforce.HttpsOrigin: origin '${edit.originId}' is not a custom origin`,
        );
      }
      if (policy !== HTTPS_ONLY) {
        edit.protocolPolicy = HTTPS_ONLY;
        wanted.OriginalProtocolPolicy = policy;
      }
    }
    stamps.push(wanted);
    if (edit.setHeader || edit.protocolPolicy) edits.push({ distributionId: t.distributionId, edit });
  }
  return {
    steps: grouped(edits, 'send the secret header from the origin'),
    change: (r) => ({ ...r, stamps: stamps.reduce(withStamp, r.stamps) }),
  };
}

/** With OriginHeader unmanaged the user stamps the origins; denying before they do would be an outage. */
export function checkUserStamped(ctx: PlanContext): void {
  if (ctx.enforce.OriginHeader || !needsCatchAll(ctx.enforce)) return;
  const missing = ctx.targets.filter((t) => !sendsAccepted(t, ctx.headerName, ctx.values));
  if (missing.length > 0) {
    throw new LockError(
      'InvalidRequest',
      `Enforce.OriginHeader: is false, but origin(s) ${missing.map((t) => t.origin.Id).join(', ')} do not send '${ctx.headerName}' with the secret's value; the listener would deny CloudFront`,
    );
  }
}

/** True once every target origin sends an accepted value and its distribution is Deployed. */
export function barrierReached(ctx: PlanContext): boolean {
  return ctx.targets.every(
    (t) =>
      sendsAccepted(t, ctx.headerName, ctx.values) &&
      ctx.observed.distributions[t.distributionId]?.status === 'Deployed',
  );
}

/** Where the header must not be removed: the listener still requires it (OriginHeader released alone). */
const stillRequired = (ctx: PlanContext, s: OriginStamp): boolean =>
  needsCatchAll(ctx.enforce) &&
  s.HeaderName.toLowerCase() === ctx.headerName.toLowerCase() &&
  !ctx.enforce.OriginHeader;

/** Post-barrier release: stamps no longer wanted lose their header, https-only goes back. */
export function unstamp(ctx: PlanContext, undoLog: Readonly<LockRecord>): Planned {
  const wanted = ctx.enforce.OriginHeader
    ? ctx.targets.map((t) => ({
        DistributionId: t.distributionId,
        OriginId: t.origin.Id ?? '',
        HeaderName: ctx.headerName,
      }))
    : [];
  const edits: { distributionId: string; edit: OriginEdit }[] = [];
  const keep: OriginStamp[] = [];
  for (const s of undoLog.stamps) {
    const origin = ctx.observed.distributions[s.DistributionId]?.origins.find((o) => o.Id === s.OriginId);
    const isWanted = wanted.some((w) => sameStamp(w, s));
    if (isWanted && (ctx.enforce.HttpsOrigin || !s.OriginalProtocolPolicy)) {
      keep.push(s);
      continue;
    }
    const edit: OriginEdit = { originId: s.OriginId };
    if (
      !isWanted &&
      !s.Adopted &&
      !stillRequired(ctx, s) &&
      origin &&
      originHeaderValue(origin, s.HeaderName) !== undefined
    ) {
      edit.removeHeader = s.HeaderName;
    }
    const policy = origin?.CustomOriginConfig?.OriginProtocolPolicy;
    if (s.OriginalProtocolPolicy && policy === HTTPS_ONLY && s.OriginalProtocolPolicy !== HTTPS_ONLY) {
      edit.protocolPolicy = s.OriginalProtocolPolicy;
    }
    if (isWanted || stillRequired(ctx, s)) keep.push({ ...s, OriginalProtocolPolicy: undefined });
    if (origin && (edit.removeHeader || edit.protocolPolicy))
      edits.push({ distributionId: s.DistributionId, edit });
  }
  const kept = keep.map((s) => JSON.parse(JSON.stringify(s)) as OriginStamp);
  return {
    steps: grouped(edits, 'remove the secret header from the origin'),
    change: (r) => ({ ...r, stamps: kept }),
  };
}

export function holds(targets: TargetOrigin[], name: string, values: string[]): boolean {
  return targets.length > 0 && targets.every((t) => sendsAccepted(t, name, values));
}

export function httpsHolds(targets: TargetOrigin[]): boolean {
  return (
    targets.length > 0 &&
    targets.every((t) => t.origin.CustomOriginConfig?.OriginProtocolPolicy === HTTPS_ONLY)
  );
}
