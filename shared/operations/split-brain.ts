import type { Deps } from '../deps.js';
import type { PairFailoverState } from '../domain/decision.js';
import { describeError } from '../domain/errors.js';
import type { Operation } from '../domain/operation.js';
import { CHAT_COMMAND, type PairRiskNotification } from '../notify/notifier.js';
import type { CallOptions } from '../providers/provider.js';
import { promotedUnfenced } from './fencing.js';
import { changePairState } from './pair-state.js';
import { inputOf, pairLock } from './pipeline.js';

type Risk = NonNullable<PairFailoverState['atRisk']>;

function riskNotification(
  deps: Deps,
  pair: string,
  risk: Risk,
  kind: PairRiskNotification['pair']['risk'],
  detail: string,
): PairRiskNotification {
  const text =
    kind === 'split-brain'
      ? `${pair} is at risk of split brain: ${detail}`
      : `${pair} is no longer at risk of split brain: ${detail}`;
  return {
    // One id per change of the risk, so a receiver drops a repeat.
    id: `${pair}:risk:${risk.operationId}:${kind}`,
    type: 'pair.risk',
    at: deps.now().toISOString(),
    text,
    nextAction:
      kind === 'split-brain'
        ? `Keep applications off ${risk.member}; Switchyard fences it as soon as the provider can reach it. Once a person has taken it out of service, \`${CHAT_COMMAND} ack ${pair} --retired\`.`
        : 'Nothing to do.',
    pair: { name: pair, risk: kind, member: risk.member, operationId: risk.operationId, detail },
  };
}

/**
 * An operation that ended with its standby promoted and its old primary not fenced (reported down, a fence that
 * failed or never finished): the pair is at risk of split brain until the poller fences it or a person retires it.
 */
export async function markIfAtRisk(deps: Deps, operation: Operation): Promise<void> {
  const fencing = operation.fencing;
  if (!fencing || !promotedUnfenced(operation)) return;
  await markAtRisk(
    deps,
    operation,
    fencing.member,
    fencing.state !== 'planned'
      ? fencing.detail
      : operation.state === 'SUCCEEDED' || operation.verification !== undefined || operation.jobs.length > 0
        ? `the standby was promoted, but the fence of ${fencing.member} did not finish (operation ${operation.state})`
        : `the promotion ran out of time after it was sent, so the standby may be primary now, and ${fencing.member} is not fenced`,
  );
}

/**
 * Marks the pair at risk of split brain because of `operation`, and announces it, once: not again while marked, and
 * never again once the risk it caused was ended (fenced, or a person said the old primary is retired).
 */
export async function markAtRisk(deps: Deps, operation: Operation, member: string, detail: string) {
  const risk: Risk = { since: deps.now().toISOString(), operationId: operation.id, member, detail };
  const marked = await changePairState(deps, operation.pair, (state) =>
    state.atRisk?.operationId === operation.id || state.riskEndedFor === operation.id
      ? undefined
      : { ...state, atRisk: risk },
  );
  if (marked)
    await deps.notifier.notify(riskNotification(deps, operation.pair, risk, 'split-brain', risk.detail));
}

/**
 * The risk is over: the old primary is fenced, or a person says it is dealt with. Announced once. With
 * `causedBy`, only the risk that operation caused ends: a fence of one member says nothing of another's risk.
 */
export async function endRisk(
  deps: Deps,
  pair: string,
  how: 'fenced' | 'acknowledged',
  detail: string,
  causedBy?: string,
): Promise<void> {
  let ended: Risk | undefined;
  await changePairState(deps, pair, (state) => {
    ended = state.atRisk;
    if (!ended || (causedBy !== undefined && ended.operationId !== causedBy)) {
      ended = undefined;
      return undefined;
    }
    const { atRisk: _over, ...rest } = state;
    return { ...rest, riskEndedFor: ended.operationId } as PairFailoverState;
  });
  if (ended) await deps.notifier.notify(riskNotification(deps, pair, ended, how, detail));
}

/**
 * The poller's part: every pair at risk gets its old primary fenced as soon as the provider takes the fence,
 * and the fence followed until it holds. One pair failing does not stop the rest.
 */
export async function fenceAtRiskPairs(deps: Deps, options: CallOptions = {}) {
  const errors: string[] = [];
  for (const pair of deps.config.pairs) {
    try {
      await fenceAtRiskPair(deps, pair.name, options);
    } catch (error) {
      errors.push(`${pair.name}: ${describeError(error)}`);
    }
  }
  return { errors };
}

/**
 * One pair's turn: its old primary fenced if the provider takes the fence now, or the fence sent before followed.
 * Done by the sweep for every pair, and by the follow-ups of the operation that left the pair at risk, so a primary
 * that comes back is fenced within seconds. Both may come at once: every write is conditional on the fence record
 * as read (a fence's id may repeat: Alibaba's and OCP's name the member, so its time is compared too). Nothing is
 * fenced on a pair no longer configured. Returns whether a fence is under way.
 */
export async function fenceAtRiskPair(deps: Deps, pair: string, options: CallOptions = {}): Promise<boolean> {
  if (!deps.config.pairs.some((configured) => configured.name === pair)) return false;
  const state = await deps.failover.getPairState(pair);
  const risk = state.atRisk;
  if (!risk) return false;
  // An operation running on the pair comes first: the fence waits for it to end.
  const lock = await deps.store.getLock(pairLock(pair), deps.now());
  if (lock && lock.operationId !== risk.operationId) return false;
  const operation = await deps.store.get(risk.operationId);
  const fencer = operation && deps.providers.get(operation.provider)?.operations[operation.kind]?.fencer;
  if (!operation || !fencer) return false;
  const input = { ...inputOf(operation), phase: 0 };
  const sameRisk = (s: PairFailoverState) => s.atRisk?.operationId === risk.operationId;
  if (risk.fenceJob) {
    const followed = risk.fenceJob;
    const job = await fencer.followFence(followed, input, options);
    if (job.status === 'succeeded')
      await endRisk(
        deps,
        pair,
        'fenced',
        `${risk.member} is fenced now (${fencer.describe(input)})`,
        risk.operationId,
      );
    else if (job.status === 'failed')
      // Only the fence this look followed: one another look recorded meanwhile stays to be followed.
      await changePairState(deps, pair, (s) =>
        s.atRisk &&
        sameRisk(s) &&
        s.atRisk.fenceJob?.id === followed.id &&
        s.atRisk.fenceJob.submittedAt === followed.submittedAt
          ? { ...s, atRisk: { ...s.atRisk, fenceJob: undefined } }
          : undefined,
      );
    // A fence the provider failed is not under way: the next look waits as for a refused one.
    return job.status !== 'failed';
  }
  let sent: Awaited<ReturnType<typeof fencer.fence>>;
  try {
    sent = await fencer.fence(input, options);
  } catch {
    // Still unreachable, or refused. A fence found from before is not adopted: the member may have started again
    // since it ran, and its success would end the risk of a member taking writes. The pair stays at risk.
    return false;
  }
  const fenceJob = { id: sent.id, name: sent.name, submittedAt: deps.now().toISOString(), phase: 0 };
  // A fence another look recorded meanwhile is the one followed; this one stops the same member.
  await changePairState(deps, pair, (s) =>
    s.atRisk && sameRisk(s) && !s.atRisk.fenceJob ? { ...s, atRisk: { ...s.atRisk, fenceJob } } : undefined,
  );
  return true;
}
