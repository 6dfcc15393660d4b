import type { Deps } from '../deps.js';
import type { Decision } from '../domain/decision.js';
import { isTerminal } from '../domain/operation.js';
import type { CallOptions } from '../providers/provider.js';
import { type AdvanceResult, type Advancers, advanceOperation } from './advance-operation.js';
import { armFollowUp, type FollowUp, MAX_DELAY_SECONDS } from './follow-up.js';

/** A follow-up this much before its time is early (a duplicate, a clock apart): it waits, asking no provider. */
const EARLY_MS = 1000;

export type FollowUpOutcome = 'ended' | 'superseded' | 'early' | AdvanceResult | 'decided';

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
  if (!operation || isTerminal(operation.state)) return 'ended';
  if (operation.followUp?.token !== followUp.token) return 'superseded';
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
  return result;
}
