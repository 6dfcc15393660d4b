import type { Deps } from '../deps.js';
import { NotFoundError } from '../domain/errors.js';
import type { Principal } from '../domain/operation.js';
import { endRisk } from '../operations/split-brain.js';

/**
 * A person has looked at the pair's last automatic failover: its cooldown ends. Only when they also say the old
 * primary is out of service does a split-brain risk end: the cooldown's own advice must not silence it. HTTP and
 * chat share it.
 */
export async function acknowledgePair(
  deps: Deps,
  pair: string,
  by: Principal,
  options: { oldPrimaryRetired?: boolean } = {},
) {
  if (!deps.config.pairs.some((p) => p.name === pair)) throw new NotFoundError(`No pair named "${pair}".`);
  const state = await deps.failover.getPairState(pair);
  const next = {
    ...state,
    acknowledgedAt: deps.now().toISOString(),
    acknowledgedBy: by.principal,
    version: state.version + 1,
  };
  await deps.failover.putPairState(next);
  const retired = state.atRisk && options.oldPrimaryRetired;
  if (retired)
    await endRisk(
      deps,
      pair,
      'acknowledged',
      `${by.principal} says ${state.atRisk?.member} is out of service`,
    );
  return {
    pair,
    lastAutomaticFailoverAt: next.lastAutomaticFailoverAt ?? null,
    acknowledgedAt: next.acknowledgedAt,
    acknowledgedBy: next.acknowledgedBy,
    /** Still at risk of split brain: the old primary is not fenced, and no one said it is out of service. */
    atRisk: retired ? null : (state.atRisk ?? null),
  };
}

/** Engages the global brake, or releases it; releasing re-arms, so the hourly count starts from zero. */
export async function setBrake(deps: Deps, engaged: boolean, reason: string | undefined, by: Principal) {
  const brake = await deps.failover.getBrake();
  const at = deps.now().toISOString();
  const next = {
    ...brake,
    engaged,
    reason: engaged ? (reason ?? `engaged by ${by.principal}`) : undefined,
    changedAt: at,
    changedBy: by.principal,
    recent: engaged ? brake.recent : [],
    version: brake.version + 1,
  };
  await deps.failover.putBrake(next);
  return { engaged: next.engaged, reason: next.reason ?? null, changedAt: at, changedBy: next.changedBy };
}
