import { routeAlert } from '../alerts/alert.js';
import type { Deps } from '../deps.js';
import type { NormalizedAlert } from '../domain/alert.js';
import type { Brake, Decision, DecisionOutcome } from '../domain/decision.js';
import { describeError, StaleWriteError } from '../domain/errors.js';
import { isTerminal } from '../domain/operation.js';
import { decisionNotificationFor } from '../notify/notifier.js';
import { claimPair } from '../operations/claim-pair.js';
import { wakeDecisionAt } from '../operations/follow-up.js';
import { observePrimary } from '../operations/observe-primary.js';
import { unknownRoles } from '../operations/pair-roles.js';
import { OUTLIVES_ANY_FUNCTION_MS, pairLock } from '../operations/pipeline.js';
import type { CallOptions } from '../providers/provider.js';
import { standingPair, targetOf } from '../providers/registry.js';
import { logger } from '../telemetry/logger.js';
import { recordMetric } from '../telemetry/metrics.js';
import { brakeNotification } from './failover-notifications.js';
import { decideFailover } from './failover-rules.js';
import { mayAnnounceUnrouted, summarizeSuppressedUnrouted } from './unrouted-limit.js';

/** How far ahead of our clock a sender's startsAt may be and still be believed. */
const MAX_CLOCK_SKEW_MS = 300_000;

async function announce(deps: Deps, d: Decision) {
  await deps.notifier.notify(decisionNotificationFor(d));
  try {
    await deps.failover.recordTold(d);
  } catch (error) {
    // Unrecorded, it is told again later under the same notification id: a repeat rather than a loss.
    logger.error('a decision was told, but could not be recorded as told: it may be told again', {
      scope: 'notify',
      decisionId: d.id,
      pair: d.pair,
      error: describeError(error),
    });
  }
}

/**
 * Announces a new decision. An unrouted one past its source's limit for the window is not: it counts towards the
 * window's summary instead, so it is marked told and the poller does not tell it late either.
 */
async function announceNew(deps: Deps, d: Decision) {
  if (d.outcome !== 'unrouted' || (await mayAnnounceUnrouted(deps, d.alert.source))) return announce(deps, d);
  try {
    await deps.failover.recordTold(d);
  } catch (error) {
    // Unrecorded, the poller tells it later: a repeat rather than a loss.
    logger.error('a suppressed decision could not be recorded as told: the poller will tell it', {
      scope: 'alerts',
      decisionId: d.id,
      error: describeError(error),
    });
  }
}

/** Switchyard engages the brake at the hourly limit, and says so: every pair now waits for a person. */
async function engageBrake(
  deps: Deps,
  brake: Brake,
  engage: { reason: string; recent: string[] },
  now: Date,
) {
  // Written on the brake as it was judged: one that moved since (a person re-armed it, another pair counted) makes
  // the write stale, and the look starts over on the brake as it now stands.
  const next: Brake = {
    ...brake,
    engaged: true,
    reason: engage.reason,
    changedAt: now.toISOString(),
    changedBy: 'switchyard',
    recent: engage.recent,
    version: brake.version + 1,
  };
  await deps.failover.putBrake(next);
  await deps.notifier.notify(
    brakeNotification(next, { by: 'switchyard', automatic: true, reason: engage.reason }),
  );
}

/** Moves a holding decision to its outcome; only the writer that wins announces it. */
async function conclude(
  deps: Deps,
  d: Decision,
  outcome: DecisionOutcome,
  reason: string,
  extra: Partial<Decision> = {},
) {
  const next: Decision = {
    ...d,
    ...extra,
    outcome,
    reason,
    evaluateAt: undefined,
    updatedAt: deps.now().toISOString(),
    version: d.version + 1,
  };
  await deps.failover.updateDecision(next);
  countDecision(deps, next);
  await announce(deps, next);
  return next;
}

/**
 * A decision that reached its outcome, counted once by the writer that recorded it (holding is no outcome yet: the
 * decision is counted when it leaves it); an automatic failover by its provider too.
 */
function countDecision(deps: Deps, d: Decision) {
  if (d.outcome === 'holding') return;
  recordMetric('DecisionMade', { outcome: d.outcome });
  const provider = deps.config.pairs.find((p) => p.name === d.pair)?.provider;
  if (d.outcome === 'failover-requested' && provider) recordMetric('AutomaticFailover', { provider });
}

/** Alert names and summaries are the sender's and unbounded; the promotion message they go into is not. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Takes one alert: the same alert however often it arrives (repeats, retries, several Alertmanager
 * replicas) makes one decision, because the first opens the alert's episode and the rest find it open.
 */
export async function receiveAlert(
  deps: Deps,
  alert: NormalizedAlert,
  options: CallOptions = {},
): Promise<Decision | undefined> {
  const now = deps.now();
  if (alert.status === 'resolved') return resolveAlert(deps, alert);

  let id = deps.newId();
  const open = await deps.failover.openEpisode(alert.fingerprint, id, now);
  if (open) {
    const decided = await deps.failover.getDecision(open);
    if (decided) return decided;
    // The receiver that opened the episode died before recording its decision: decide it now, under that id.
    id = open;
  }

  const pairName = routeAlert(alert, deps.config.alerting.routes);
  const pair = deps.config.pairs.find((p) => p.name === pairName);
  const at = now.toISOString();
  const base = { id, alert, createdAt: at, updatedAt: at, version: 1, ...(pair ? { pair: pair.name } : {}) };
  let decision: Decision;
  if (!pair) {
    const labels = Object.entries(alert.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    decision = {
      ...base,
      outcome: 'unrouted',
      reason: `no alerting route matches its labels (${labels}); recorded and ignored`,
    };
  } else if (pair.failover.mode === 'off') {
    decision = { ...base, outcome: 'ignored', reason: `failover is off for ${pair.name}` };
  } else if (pair.failover.mode === 'notify') {
    decision = {
      ...base,
      outcome: 'notified',
      reason: `failover mode is notify for ${pair.name}: people are told, nothing is done`,
    };
  } else {
    // From when Switchyard first heard of it, or its startsAt if later: a sender cannot shorten the hold-off.
    // A startsAt further ahead than a clock's skew is not believed either: it would put the decision off for ever.
    const starts = Date.parse(alert.startsAt);
    const from =
      starts > now.getTime() && starts - now.getTime() <= MAX_CLOCK_SKEW_MS ? starts : now.getTime();
    const due = from + pair.failover.holdOffSeconds * 1000;
    decision = {
      ...base,
      receivedAt: at,
      outcome: 'holding',
      evaluateAt: new Date(due).toISOString(),
      reason:
        due > now.getTime()
          ? `holding off until ${new Date(due).toISOString()} (${pair.failover.holdOffSeconds} s after ${from > now.getTime() ? 'the alert says it started' : 'Switchyard received it'}); the primary is observed again then, and a resolve before then cancels`
          : `its hold-off of ${pair.failover.holdOffSeconds} s is over on arrival: the primary is observed now`,
    };
  }
  try {
    await deps.failover.createDecision(decision);
  } catch (error) {
    // A repeat of the alert recorded the same decision first: it is that receiver's to announce.
    if (error instanceof StaleWriteError) return deps.failover.getDecision(id);
    throw error;
  }
  countDecision(deps, decision);
  // A hold-off over on arrival is no hold: what is told is the outcome. Should deciding fail, the poller decides it.
  if (isDueBy(decision, now)) return evaluateDecision(deps, decision, options);
  // Woken at the end of its hold-off, not at the poller's next tick; the poller still decides it if this is lost.
  await wakeDecisionAt(deps, decision.id, decision.evaluateAt as string);
  await announceNew(deps, decision);
  return decision;
}

/** A holding decision whose hold-off has ended by `now`. */
const isDueBy = (d: Decision, now: Date) =>
  d.outcome === 'holding' && Date.parse(d.evaluateAt ?? '') <= now.getTime();

/** A resolve closes the alert's episode, and cancels its decision if it is still holding off. */
async function resolveAlert(deps: Deps, alert: NormalizedAlert) {
  const id = await deps.failover.episode(alert.fingerprint);
  if (!id) return undefined;
  await deps.failover.closeEpisode(alert.fingerprint);
  const decision = await deps.failover.getDecision(id);
  if (decision?.outcome !== 'holding') return decision;
  try {
    return await conclude(
      deps,
      decision,
      'cancelled',
      `the alert was resolved at ${alert.startsAt === decision.alert.startsAt ? deps.now().toISOString() : alert.startsAt}, during the hold-off`,
    );
  } catch (error) {
    if (error instanceof StaleWriteError) return deps.failover.getDecision(id);
    throw error;
  }
}

/** The idempotency key of the promotion an alert decision asks for. */
const promotionKey = (decision: Decision) => `alert:${decision.id}`;

/** How long past its hold-off an alert waits for a drill's switchover leg to end before a person is asked. */
const DRILL_LEG_WAIT_MS = 10 * 60_000;

/** How many times one look writes the brake or the pair's state again after another write moved it under it. */
const WRITE_ATTEMPTS = 5;
/** How many times a look starts over after a write it cannot try again on its own (the decision's, another's). */
const RACE_ATTEMPTS = 3;

/** A little apart, so the pairs that lost a write together do not meet again on the next. */
const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * attempt));

/**
 * Decides a holding alert after its hold-off, for each of the observers' three answers: up declines, unknown
 * leaves it to a person (saying what could not be confirmed), and only down goes on to the other rules: not
 * during another operation, no cooldown, within the RPO budget, under the brake. The pair is claimed before the
 * promotion is enqueued, so alerts for one pair at once make one promotion and count once against the brake.
 * Pairs failing at once (a region lost) race to count on the brake: the one that loses judges the limit again on the
 * brake as it now stands, rather than wait for the next tick.
 */
export async function evaluateDecision(
  deps: Deps,
  held: Decision,
  options: CallOptions = {},
): Promise<Decision> {
  let current = held;
  for (let attempt = 1; ; attempt++) {
    const result = await evaluateOnce(deps, current, options);
    if (!('raced' in result)) return result;
    if (attempt >= RACE_ATTEMPTS || options.signal?.aborted) {
      // Unclaimed and due: the sweep, or this wake-up sent again, decides it next.
      await wakeDecisionAt(deps, result.raced.id, deps.now().toISOString());
      return result.raced;
    }
    current = result.raced;
    await pause(attempt);
  }
}

async function evaluateOnce(
  deps: Deps,
  held: Decision,
  options: CallOptions,
): Promise<Decision | { raced: Decision }> {
  if (held.outcome !== 'holding' || !held.pair) return held;
  // An invocation out of time observes nothing: a primary it could not ask about would read as unknown.
  if (options.signal?.aborted) return held;
  const now = deps.now();
  // Only once its hold-off is over, however it was woken: an unreadable end is not over.
  if (!isDueBy(held, now)) return held;
  // One evaluation at a time (a wake-up, its duplicate, the sweep): a conditional write claims it before the primary
  // is observed or anything is sent, so two looks that disagree cannot both act. A claim older than any function
  // runs was abandoned, and is taken over.
  if (held.claimedAt && now.getTime() - Date.parse(held.claimedAt) < OUTLIVES_ANY_FUNCTION_MS) return held;
  const decision: Decision = {
    ...held,
    claimedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: held.version + 1,
  };
  try {
    await deps.failover.updateDecision(decision);
  } catch (error) {
    if (error instanceof StaleWriteError) return (await deps.failover.getDecision(held.id)) ?? held;
    throw error;
  }
  const end = (outcome: DecisionOutcome, reason: string, extra: Partial<Decision> = {}) =>
    conclude(deps, decision, outcome, reason, extra);
  /** Still holding (waiting on a drill's leg, or a claim not yet an operation): the next look may come at once. */
  const keepHolding = async () => {
    const next = { ...decision, claimedAt: undefined, version: decision.version + 1 };
    await deps.failover.updateDecision(next);
    return next;
  };
  const pair = deps.config.pairs.find((p) => p.name === decision.pair);
  /** The pair's lock this look took, until it asks for the promotion that takes it over. */
  let ownClaim: string | undefined;
  try {
    // A config refresh removed the pair: nothing can be observed or done for it, so the decision ends here.
    if (!pair)
      return await end('declined', `pair ${decision.pair} is no longer configured`, {
        pairConfigured: false,
      });
    const policy = pair.failover;
    if ((await deps.failover.episode(decision.alert.fingerprint)) !== decision.id)
      return await end('cancelled', 'the alert was resolved during the hold-off');

    const operationKey = promotionKey(decision);
    const lock = await deps.store.getLock(pairLock(pair), now);
    // A lock held under this decision's own key is its claim from an earlier try that did not finish.
    if (lock && lock.idempotencyKey !== `promote-standby:${operationKey}`) {
      const running = await deps.store.get(lock.operationId);
      // A drill's leg is a rehearsal, and a primary down now cannot be told from the leg's own switch: the alert
      // keeps holding while the leg ends (a switchover takes minutes; the drill sends no further leg meanwhile),
      // then the pair as it stands is observed. A leg that has not ended by then leaves the decision to a person.
      if (running?.drillId && !isTerminal(running.state)) {
        const waited = now.getTime() - Date.parse(decision.evaluateAt ?? decision.createdAt);
        if (waited < DRILL_LEG_WAIT_MS) return await keepHolding();
        return await end(
          'blocked',
          `drill ${running.drillId}'s switchover ${running.id} has held ${pair.name} for ${Math.round(waited / 60_000)} more minutes than this alert's hold-off: whether the primary is down, or only switching, cannot be told while it runs. Check the primary; once the switchover has ended, \`/switchyard promote ${pair.name}\` fails it over by hand if it is down`,
          { operationId: running.id },
        );
      }
      // A request that has claimed the pair but not yet written its operation (a drill's leg prechecking, a
      // person's switchover): what it becomes is not known yet, so the alert keeps holding while it may still be
      // working. One older than any function runs died: claimPair takes its lock over below.
      const claimedByAlert = lock.idempotencyKey?.startsWith('promote-standby:alert:') ?? false;
      if (!running && !claimedByAlert && now.getTime() - (lock.acquiredAt ?? 0) < OUTLIVES_ANY_FUNCTION_MS)
        return await keepHolding();
      // A holder that has ended (its writer died before freeing the pair) holds nothing: claimPair takes it over.
      if ((!running && claimedByAlert) || (running && !isTerminal(running.state)))
        return await end(
          'suppressed',
          `Switchyard is running ${running?.kind ?? 'an operation'} ${lock.operationId} on ${pair.name}; its alerts do not trigger a failover meanwhile`,
          { operationId: lock.operationId },
        );
    }

    const provider = deps.providers.get(pair.provider);
    const driver = provider?.operations['promote-standby'];
    if (!provider || !driver)
      return await end(
        'declined',
        `${provider?.displayName ?? pair.provider} pairs cannot be promoted by Switchyard: ${provider?.unsupported['promote-standby'] ?? 'no driver'}`,
      );

    // The pair as it stands: after an earlier promotion its primary is the configured standby.
    let [state, brake] = await Promise.all([deps.failover.getPairState(pair.name), deps.failover.getBrake()]);
    const standing = standingPair(pair, state.roles?.primary);
    // Which member to look at is not known: nothing is done on its say-so, and a person is told why.
    if (!standing) return await end('blocked', unknownRoles(pair, state.roles?.primary as string));
    const input = { kind: 'promote-standby' as const, target: targetOf(standing), params: {}, phase: 0 };
    const observation = await observePrimary(standing, provider, driver, input, {
      ...options,
      now: deps.now,
    });
    // Out of time while asking: the answer reads unknown for want of time, not of the primary, so the next look decides.
    if (options.signal?.aborted) return await keepHolding();
    const seen = { observation };
    /**
     * Claims the pair, then asks for the promotion through the promote-standby queue; `approval` waits for people.
     * A look that holds the claim already (`held`) claims it again under the same id: one conditional write that
     * succeeds only while the claim is still its own (not lapsed and taken by a person meanwhile), and renews it,
     * so no one takes it for an abandoned one before the promotion it is handed to has run.
     */
    const requestPromotion = async (
      approval?: { reason: string; approversNeeded: 1 | 2; allowDataLoss?: boolean },
      held?: string,
    ) => {
      const claimId = held ?? deps.newId();
      const claim = await claimPair(
        deps,
        pair.name,
        { operationId: claimId, idempotencyKey: `promote-standby:${operationKey}` },
        held ? deps.now() : now,
      );
      if (!claim.claimed) return { claimed: false as const, busy: claim.holder.operationId };
      try {
        await deps.queue.enqueue('promote-standby', {
          pair: pair.name,
          reason: clip(
            `automatic failover: alert "${decision.alert.name}"${decision.alert.summary ? ` (${decision.alert.summary})` : ''}`,
            500,
          ),
          requestedBy: `alert:${decision.alert.source}`,
          idempotencyKey: operationKey,
          ...(approval?.allowDataLoss ? { allowDataLoss: true } : {}),
          ...(approval
            ? { approval: { reason: clip(approval.reason, 1000), approversNeeded: approval.approversNeeded } }
            : {}),
          trigger: {
            type: 'alert',
            source: decision.alert.source,
            name: clip(decision.alert.name, 300),
            fingerprint: decision.alert.fingerprint,
            decisionId: decision.id,
          },
        });
      } catch (error) {
        // Nothing was enqueued: the pair must not stay claimed for a promotion that will never come. A claim found under
        // the decision's key is an earlier look's, whose promotion may be queued already: it stays.
        if (!held && claim.operationId === claimId) await deps.store.releaseLock(pairLock(pair), claimId);
        throw error;
      }
      return { claimed: true as const, operationKey, operationId: claim.operationId };
    };
    const suppressedBy = (busy: string) =>
      end(
        'suppressed',
        `another operation (${busy}) claimed ${pair.name} first; this alert does not trigger a second failover`,
        { ...seen, operationId: busy },
      );
    /** A person decides: the promotion is asked for, waiting for approval. */
    const waitForPeople = async (reason: string, dataLoss = false) => {
      const asked = await requestPromotion({
        reason,
        approversNeeded: dataLoss ? 2 : 1,
        allowDataLoss: dataLoss,
      });
      if (!asked.claimed) return suppressedBy(asked.busy);
      return end(
        'needs-approval',
        `${reason}; promote-standby ${asked.operationId} is asked for, to wait for ${dataLoss ? 'two approvals' : 'an approval'} once its prechecks pass (GET /v1/operations/${asked.operationId})`,
        { ...seen, operationKey: asked.operationKey, operationId: asked.operationId },
      );
    };

    // A promotion cancelled or refused before anything was sent is no failover: it starts no cooldown.
    const lastOperation = state.lastAutomaticOperationId
      ? await deps.store.get(state.lastAutomaticOperationId)
      : undefined;
    const neverSent = lastOperation?.state === 'CANCELLED' || lastOperation?.state === 'REJECTED';
    /** The rules on this look's observation, against the pair's state and the brake as last read. */
    const judge = () =>
      decideFailover({
        pair: pair.name,
        policy,
        observation,
        now,
        ...(state.atRisk ? { atRisk: state.atRisk } : {}),
        ...(state.lastAutomaticFailoverAt && !neverSent
          ? { lastAutomaticFailoverAt: state.lastAutomaticFailoverAt }
          : {}),
        ...(state.acknowledgedAt ? { acknowledgedAt: state.acknowledgedAt } : {}),
        brake,
        maxAutomaticFailoversPerHour: deps.config.alerting.maxAutomaticFailoversPerHour,
      });
    /** What a verdict other than failing over comes to. */
    const act = async (verdict: ReturnType<typeof decideFailover>) => {
      if (verdict.outcome === 'failover-requested')
        throw new Error('act() is for the verdicts that do not fail over');
      if (verdict.outcome !== 'needs-approval') return await end(verdict.outcome, verdict.reason, seen);
      if (verdict.engageBrake) await engageBrake(deps, brake, verdict.engageBrake, now);
      return await waitForPeople(verdict.reason, verdict.dataLoss);
    };
    let verdict = judge();
    if (verdict.outcome !== 'failover-requested') return await act(verdict);

    // Claim the pair first: a second alert for it finds the claim and is suppressed, uncounted.
    const claimId = deps.newId();
    const claim = await claimPair(
      deps,
      pair.name,
      { operationId: claimId, idempotencyKey: `promote-standby:${operationKey}` },
      now,
    );
    if (!claim.claimed) return await suppressedBy(claim.holder.operationId);
    // Until the promotion is asked for, a claim this look made is its alone to give back when it does not fail over.
    // One it found under the decision's key is an earlier look's, whose promotion may be on its way: it stays.
    ownClaim = claim.operationId === claimId ? claimId : undefined;
    /** Gives the pair back, then ends with what the rules now say. */
    const actInstead = async (instead: ReturnType<typeof decideFailover>) => {
      if (ownClaim) await deps.store.releaseLock(pairLock(pair), ownClaim);
      ownClaim = undefined;
      return await act(instead);
    };
    // Count this failover before asking for it, so two pairs at once cannot both slip under the limit. Pairs failing
    // at once (a region lost) race for the brake: one that loses reads it again and judges the limit again on the
    // same observation, without asking the provider again, while its invocation has time.
    for (let attempt = 1; ; attempt++) {
      if (verdict.outcome !== 'failover-requested') return await actInstead(verdict);
      try {
        await deps.failover.putBrake({ ...brake, recent: verdict.recent, version: brake.version + 1 });
        break;
      } catch (error) {
        if (!(error instanceof StaleWriteError) || attempt >= WRITE_ATTEMPTS || options.signal?.aborted)
          throw error;
        await pause(attempt);
        brake = await deps.failover.getBrake();
        verdict = judge();
      }
    }
    // The pair's state moved meanwhile (a person's acknowledgement, an evaluation's write): the rules are judged again
    // on it. This failover is counted on the brake already, so a verdict that no longer fails over leaves one count
    // too many there: it errs towards asking a person sooner.
    for (let attempt = 1; ; attempt++) {
      try {
        // A new failover starts its own cooldown: an acknowledgement given before it (even while this look ran,
        // later than its clock) was of the one before.
        const { acknowledgedAt: _at, acknowledgedBy: _by, ...unacknowledged } = state;
        await deps.failover.putPairState({
          ...unacknowledged,
          lastAutomaticFailoverAt: now.toISOString(),
          lastAutomaticOperationId: claim.operationId,
          version: state.version + 1,
        });
        break;
      } catch (error) {
        if (!(error instanceof StaleWriteError) || attempt >= WRITE_ATTEMPTS || options.signal?.aborted)
          throw error;
        const before = state.roles?.primary;
        state = await deps.failover.getPairState(pair.name);
        // Another member is the primary now: what was observed is of the wrong one, so the look starts over.
        if (state.roles?.primary !== before) throw error;
        const again = judge();
        if (again.outcome !== 'failover-requested') return await actInstead(again);
      }
    }
    ownClaim = undefined;
    const asked = await requestPromotion(undefined, claim.operationId);
    if (!asked.claimed) return await suppressedBy(asked.busy);
    return await end(
      'failover-requested',
      `promote-standby ${asked.operationId} requested for ${pair.name} ${verdict.reason}`,
      { ...seen, operationKey: asked.operationKey, operationId: asked.operationId },
    );
  } catch (error) {
    // The pair must not stay claimed for a promotion this look will not ask for.
    if (ownClaim && held.pair)
      await deps.store.releaseLock(pairLock(held.pair), ownClaim).catch(() => undefined);
    if (!(error instanceof StaleWriteError)) throw error;
    // Another look decided it first: its answer stands.
    const latest = await deps.failover.getDecision(decision.id);
    if (latest?.outcome !== 'holding' || latest.claimedAt !== decision.claimedAt) return latest ?? decision;
    // The brake or the pair's state moved under this look more often than it writes again on its own. Let go of the
    // decision's claim, so the next look (at once, or the sweep's) is not kept waiting for a lease no one holds.
    const released = { ...latest, claimedAt: undefined, version: latest.version + 1 };
    try {
      await deps.failover.updateDecision(released);
    } catch (stale) {
      if (stale instanceof StaleWriteError) return (await deps.failover.getDecision(decision.id)) ?? latest;
      throw stale;
    }
    return { raced: released };
  }
}

/**
 * The poller's part: decisions whose hold-off is over, and the summaries of unrouted alerts past their limit. One
 * failing does not stop the rest.
 */
export async function evaluateDueDecisions(deps: Deps, options: CallOptions = {}) {
  const now = deps.now().getTime();
  const errors: string[] = await summarizeSuppressedUnrouted(deps);
  // A final decision its writer never announced (it died after the write) is told once no writer can be running.
  for (const decision of await deps.failover.listUntold())
    if (now - Date.parse(decision.updatedAt) > OUTLIVES_ANY_FUNCTION_MS)
      await announce(deps, decision).catch((error: unknown) =>
        errors.push(`${decision.id}: ${describeError(error)}`),
      );
  const due = (await deps.failover.listHolding()).filter((d) => isDueBy(d, new Date(now)));
  for (const decision of due) {
    if (options.signal?.aborted) break;
    try {
      await evaluateDecision(deps, decision, options);
    } catch (error) {
      errors.push(`${decision.id}: ${describeError(error)}`);
    }
  }
  return { due: due.length, errors };
}
