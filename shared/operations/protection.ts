import type { Deps } from '../deps.js';
import type { PairFailoverState } from '../domain/decision.js';
import { ConflictError } from '../domain/errors.js';
import { isTerminal, type Operation } from '../domain/operation.js';
import type { Protection, Readiness } from '../domain/pair-condition.js';
import { CHAT_COMMAND, type PairConditionNotification } from '../notify/notifier.js';
import { changePairState } from './pair-state.js';

/**
 * No standby since a promotion, and the roles still as that promotion left them: only a later run, a person saying
 * which member is primary, or a rebuilt relation ends it; what the provider says of an old link does not.
 */
export function stillNoStandby(state: PairFailoverState): boolean {
  const protection = state.protection;
  return (
    protection?.state === 'unprotected' &&
    protection.reason === 'no-standby' &&
    protection.operationId !== undefined &&
    state.roles?.operationId === protection.operationId
  );
}

/** A pair's protection as an evaluation or an operation found it, before Switchyard stamps its times. */
export type ProtectionFinding = Pick<
  Protection,
  'state' | 'reason' | 'detail' | 'operationId' | 'declaredBy'
>;

const NEXT_ACTION: Record<Protection['state'], (pair: string) => string> = {
  protected: () => 'Nothing to do.',
  unprotected: (pair) =>
    `Re-protect ${pair} before its next failure: POST /v1/reprotections {"pair":"${pair}"} rebuilds DR in the new direction where the provider allows it, and says why not where it does not; then \`${CHAT_COMMAND} pairs\` shows it protected again.`,
  reprotecting: () => 'Nothing to do: follow the re-protection.',
  unknown: (pair) =>
    `Check ${pair}'s replication on the provider's console: Switchyard could not confirm it either way.`,
};

function protectionNotice(
  pair: string,
  next: Protection,
  previous: Protection | undefined,
  reminder: boolean,
): PairConditionNotification {
  const state = next.state === 'unprotected' ? `unprotected (${next.reason})` : next.state;
  return {
    // One id per change, and one per reminder, so a receiver drops only true repeats.
    id: `${pair}:protection:${reminder ? next.announcedAt : next.since}:${next.state}`,
    type: 'pair.condition',
    at: next.announcedAt,
    text: `${pair} is ${reminder ? 'still ' : ''}${state} since ${next.since}: ${next.detail}`,
    nextAction: NEXT_ACTION[next.state](pair),
    condition: {
      pair,
      aspect: 'protection',
      state: next.state,
      previous: previous?.state ?? null,
      since: next.since,
      reasons: next.state === 'protected' ? [] : [next.detail],
      reminder,
    },
  };
}

/**
 * Records the pair's protection, conditionally, and announces it when its state or reason changed, or, while the
 * pair stays unprotected, once `reminderSeconds` have passed since it was last said. Only the writer whose write
 * changed it announces, so two evaluations at once say it once.
 */
export async function recordProtection(
  deps: Deps,
  pair: string,
  finding: ProtectionFinding,
  by: 'run' | 'evaluation' | 'declaration' = 'run',
): Promise<void> {
  const now = deps.now();
  const at = now.toISOString();
  const reminderMs = deps.config.readiness.reminderSeconds * 1000;
  let notice: PairConditionNotification | undefined;
  await changePairState(deps, pair, (state) => {
    notice = undefined;
    let found = finding;
    const previous = state.protection;
    // Decided on the state as written now, not as an evaluation read it: a promotion may have ended meanwhile, a
    // re-protection is under way (its end says what it did), or a person's word stands where the provider has none.
    if (
      by === 'evaluation' &&
      (stillNoStandby(state) ||
        previous?.state === 'reprotecting' ||
        (previous?.declaredBy !== undefined && found.state === 'unknown'))
    )
      return undefined;
    // A re-protection's end was recorded before its start could be (a poller elsewhere ended it): the end stands.
    if (found.state === 'reprotecting' && previous?.operationId === found.operationId) return undefined;
    // A person's word is checked against the state it replaces, in the same conditional write: two at once, or one
    // racing a promotion's end, cannot both stand.
    if (by === 'declaration') {
      if (state.atRisk)
        throw new ConflictError(
          `${pair} is at risk of split brain: ${state.atRisk.member} is not fenced (${state.atRisk.detail}). Retire it first (POST /v1/pairs/${pair}/ack with oldPrimaryRetired).`,
          { rules: ['pair.at-risk'] },
        );
      if (previous?.state === 'protected')
        throw new ConflictError(`${pair} is protected already since ${previous.since}: ${previous.detail}`, {
          rules: ['pair.protected'],
        });
      if (previous?.state === 'reprotecting')
        throw new ConflictError(`${pair} is being re-protected: ${previous.detail}`, {
          rules: ['pair.reprotecting'],
        });
    }
    // No standby still, since the run that left the roles as they are: a failed re-protection changes neither.
    if (found.reason === 'no-standby' && found.operationId === undefined)
      found = { ...found, operationId: state.roles?.operationId };
    const changed = previous?.state !== found.state || previous?.reason !== found.reason;
    const remind =
      !changed &&
      found.state === 'unprotected' &&
      previous !== undefined &&
      now.getTime() - Date.parse(previous.announcedAt) >= reminderMs;
    if (!changed && !remind) {
      // The same state: its detail may say more now, without a word to anyone.
      // Confirmed by the provider, a person's word is no longer what the state rests on.
      const confirmed = by === 'evaluation' && found.state === 'protected' && previous?.declaredBy;
      if (previous?.detail === found.detail && !confirmed) return undefined;
      const { declaredBy, ...rest } = previous as Protection;
      return {
        ...state,
        protection: { ...rest, detail: found.detail, ...(confirmed ? {} : declaredBy ? { declaredBy } : {}) },
      };
    }
    const next: Protection = {
      ...found,
      since: changed ? at : (previous?.since ?? at),
      announcedAt: at,
    };
    // A pair first evaluated protected is no news.
    if (changed && !(previous === undefined && found.state === 'protected'))
      notice = protectionNotice(pair, next, previous, false);
    if (remind) notice = protectionNotice(pair, next, previous, true);
    return { ...state, protection: next };
  });
  if (notice) await deps.notifier.notify(notice);
}

/** What a promotion or switchover that the provider carried out did to the pair's protection. */
export function protectionAfter(operation: Operation): ProtectionFinding | undefined {
  const rebuilds = operation.kind === 'configure-dr' || operation.kind === 'reprotect';
  if (rebuilds && operation.state === 'SUCCEEDED')
    return {
      state: 'unknown',
      detail: `${operation.kind} ${operation.id} built the DR relation; the next evaluation says whether the standby replicates`,
      operationId: operation.id,
    };
  // A re-protection the provider refused built nothing: the pair stays as it was found (no new claim about it). One
  // that got a job going and did not finish may have left half a relation.
  if (operation.kind === 'reprotect' && isTerminal(operation.state) && operation.submission.attempts > 0)
    return operation.jobs.length === 0 && operation.job === undefined
      ? undefined
      : {
          state: 'unprotected',
          reason: 'dr-relation-broken',
          detail: `reprotect ${operation.id} ended ${operation.state} after building part of the DR relation${operation.outcome ? ` (${operation.outcome})` : ''}: remove it (DeleteDisasterRecovery) before trying again`,
          operationId: operation.id,
        };
  if (!operation.providerDoneAt) return undefined;
  const member = operation.fencing?.member ?? 'the old primary';
  if (operation.kind === 'promote-standby')
    return {
      state: 'unprotected',
      reason: 'no-standby',
      detail: `promote-standby ${operation.id} made the standby the primary, and ${member} replicates to nothing: the pair has no standby until it is re-protected`,
      operationId: operation.id,
    };
  if (operation.kind === 'switchover')
    return operation.state === 'SUCCEEDED'
      ? {
          state: 'protected',
          detail: `switchover ${operation.id} made the old primary the standby, confirmed by the provider`,
          operationId: operation.id,
        }
      : {
          state: 'unknown',
          detail: `switchover ${operation.id} ended ${operation.state}: whether the old primary is the standby now is not confirmed`,
          operationId: operation.id,
        };
  return undefined;
}

/** A readiness change, announced like protection (only when the state changes; no reminders). */
export function readinessNotice(
  pair: string,
  next: Readiness,
  previous: Readiness | undefined,
): PairConditionNotification {
  const reasons = next.checks
    .filter((c) => c.outcome !== 'passed')
    .map((c) => `${c.name} ${c.outcome}: ${c.detail}`);
  return {
    id: `${pair}:readiness:${next.since}:${next.state}`,
    type: 'pair.condition',
    at: next.at,
    text:
      next.state === 'ready'
        ? `${pair} is ready: a failover would go through now`
        : `${pair} is not ready for a failover: ${reasons.join('; ')}`,
    nextAction:
      next.state === 'ready'
        ? 'Nothing to do.'
        : 'Fix what is named above before it is needed: a failover now would be refused or wait for a person.',
    condition: {
      pair,
      aspect: 'readiness',
      state: next.state,
      previous: previous?.state ?? null,
      since: next.since,
      reasons,
      reminder: false,
    },
  };
}
