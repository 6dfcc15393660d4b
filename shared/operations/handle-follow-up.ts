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
  if (isTerminal(operation.state)) {
    // Ended, but it left its pair at risk of split brain: it looks at the old primary until it is fenced.
    if (!(await riskItLeft(deps, operation))) return 'ended';
    if (early) return waitAgain(deps, followUp);
    // A provider that cannot answer now (an outage's 5xx, a timeout) is asked again at the next look, not in minutes.
    const underWay = await fenceAtRiskPair(deps, operation.pair, options).catch((error: unknown) => {
      logger.warn('a look at the old primary failed; the next one tries again', {
        scope: 'follow-up',
        operationId: operation.id,
        pair: operation.pair,
        error: describeError(error),
      });
      return false;
    });
    await followTheRisk(deps, operation, {
      token: followUp.token,
      // An old primary still unreachable is looked at less often once it has been so for a while.
      quietChecks: underWay ? 0 : (operation.followUp?.quietChecks ?? 0) + 1,
    });
    return 'fencing';
  }
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
  else if (now) await followTheRisk(deps, now, { token: followUp.token, quietChecks: 0 });
  return result;
}

/** The pair's risk of split brain if this operation left it, and still open. */
async function riskItLeft(deps: Deps, operation: Operation) {
  const risk = (await deps.failover.getPairState(operation.pair)).atRisk;
  return risk?.operationId === operation.id ? risk : undefined;
}

/** Arms the ended operation's next look at the risk it left, while there is one and for its first hour. */
async function followTheRisk(
  deps: Deps,
  operation: Operation,
  after: { token: number; quietChecks: number },
) {
  const risk = await riskItLeft(deps, operation);
  const delay = risk && riskFollowUpDelaySeconds(operation, risk.since, deps.now(), after.quietChecks);
  if (delay !== undefined) await armFollowUp(deps, operation, after, delay);
}
