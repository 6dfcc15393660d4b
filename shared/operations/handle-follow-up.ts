import type { Deps } from '../deps.js';
import type { Decision } from '../domain/decision.js';
import { describeError } from '../domain/errors.js';
import { isTerminal, type Operation } from '../domain/operation.js';
import type { CallOptions } from '../providers/provider.js';
import { logger } from '../telemetry/logger.js';
import { type AdvanceResult, type Advancers, advanceOperation } from './advance-operation.js';
import { armFollowUp, type FollowUp, MAX_DELAY_SECONDS, riskFollowUpDelaySeconds } from './follow-up.js';
import { fenceAtRiskPair } from './split-brain.js';

/** A follow-up this much before its time is early (a duplicate, a clock apart): it waits, asking no provider. */
const EARLY_MS = 1000;

export type FollowUpOutcome = 'ended' | 'superseded' | 'early' | AdvanceResult | 'decided' | 'fencing';

/** Waits again for what is left of a follow-up that came before its time, asking no provider. */
async function waitAgain(deps: Deps, followUp: FollowUp): Promise<'early'> {
  const left = Math.ceil((Date.parse(followUp.dueAt) - deps.now().getTime()) / 1000);
  await deps.queue.enqueue('follow-up', followUp, {
    delaySeconds: Math.min(Math.max(left, 1), MAX_DELAY_SECONDS),
  });
  return 'early';
}

/**
 * One follow-up handled: the operation advanced once (as one poller step does) and its next follow-up armed, or the
 * decision decided. A duplicate, an early or a superseded follow-up asks no provider.
 */
export async function handleFollowUp(
  deps: Deps,
  followUp: FollowUp,
  /** How a held decision is decided, and the advancers of kinds no driver follows: the layers above give them. */
  how: {
    decide: (deps: Deps, decision: Decision, options: CallOptions) => Promise<unknown>;
    advancers?: Advancers;
  },
  options: CallOptions = {},
): Promise<FollowUpOutcome> {
  const early = Date.parse(followUp.dueAt) - deps.now().getTime() > EARLY_MS;
  if (followUp.about === 'decision') {
    const decision = await deps.failover.getDecision(followUp.id);
    if (decision?.outcome !== 'holding') return 'ended';
    // The hold-off is the decision's own, to the millisecond: a wake-up a moment early waits again.
    if (Date.parse(decision.evaluateAt ?? followUp.dueAt) > deps.now().getTime())
      return waitAgain(deps, followUp);
    await how.decide(deps, decision, options);
    return 'decided';
  }
  const operation = await deps.store.get(followUp.id);
  if (!operation) return 'ended';
  if (operation.followUp?.token !== followUp.token)
    return isTerminal(operation.state) ? 'ended' : 'superseded';
  // Ended, but it may have left its pair at risk of split brain: it looks at the old primary until it is fenced.
  if (isTerminal(operation.state)) return lookAtRiskItLeft(deps, operation, followUp, early, options);
  if (early) return waitAgain(deps, followUp);
  const result = await advanceOperation(deps, operation, options, how.advancers);
  const now = await deps.store.get(followUp.id);
  if (now && !isTerminal(now.state))
    await armFollowUp(deps, now, {
      token: followUp.token,
      // Nothing new (or nothing it could do yet): the next look comes later once this has gone on a minute.
      quietChecks:
        result === 'unchanged' || result === 'skipped' ? (operation.followUp?.quietChecks ?? 0) + 1 : 0,
    });
  else if (now) {
    const risk = await riskItLeft(deps, now);
    if (risk) await armRiskLook(deps, now, { token: followUp.token, quietChecks: 0 }, risk.since, false);
  }
  return result;
}

/** The pair's risk of split brain if this operation left it, and still open. */
async function riskItLeft(deps: Deps, operation: Operation) {
  const risk = (await deps.failover.getPairState(operation.pair)).atRisk;
  return risk?.operationId === operation.id ? risk : undefined;
}

/**
 * One look at the risk of split brain an ended operation left: the fence tried or followed (fenceAtRiskPair), then
 * the next look armed while the risk lasts. A look that fails (the store or the provider cannot answer now) is
 * logged and armed again all the same, so an outage's errors cost one look, not SQS's redelivery minutes later.
 */
async function lookAtRiskItLeft(
  deps: Deps,
  operation: Operation,
  followUp: Extract<FollowUp, { about: 'operation' }>,
  early: boolean,
  options: CallOptions,
): Promise<FollowUpOutcome> {
  const after = { token: followUp.token, quietChecks: (operation.followUp?.quietChecks ?? 0) + 1 };
  let since = operation.updatedAt;
  let underWay = false;
  try {
    const risk = await riskItLeft(deps, operation);
    if (!risk) return 'ended';
    if (early) return await waitAgain(deps, followUp);
    since = risk.since;
    underWay = await fenceAtRiskPair(deps, operation.pair, options);
    if (!(await riskItLeft(deps, operation))) return 'ended';
  } catch (error) {
    // An early one whose wait could not be sent goes back to SQS as it came: arming the next look now would skip it.
    if (early) throw error;
    logger.warn('a look at the old primary failed; the next one tries again', {
      scope: 'follow-up',
      operationId: operation.id,
      pair: operation.pair,
      error: describeError(error),
    });
  }
  await armRiskLook(deps, operation, after, since, underWay);
  return 'fencing';
}

/** Arms the next look at the risk an ended operation left, while it is young enough to be followed up. */
async function armRiskLook(
  deps: Deps,
  operation: Operation,
  after: { token: number; quietChecks: number },
  riskSince: string,
  underWay: boolean,
) {
  const delay = riskFollowUpDelaySeconds(operation, riskSince, deps.now(), { ...after, underWay });
  if (delay !== undefined) await armFollowUp(deps, operation, after, delay);
}
