import { configuredPair, type PairConfig } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import {
  AppError,
  ConflictError,
  describeError,
  StaleWriteError,
  UnprocessableError,
} from '../domain/errors.js';
import { type Drill, isTerminal, type Operation, type Principal, type Step } from '../domain/operation.js';
import { formatSeconds } from '../domain/recovery.js';
import { recordSteps, transition } from '../domain/state-machine.js';
import type { AdvanceResult } from '../operations/advance-operation.js';
import { claimLock } from '../operations/claim-pair.js';
import { followUpSoon } from '../operations/follow-up.js';
import {
  earlierAttempt,
  recordKey,
  requestedAlready,
  storedIdempotencyKey,
} from '../operations/idempotency.js';
import { pairNow } from '../operations/pair-roles.js';
import { persistAndNotify } from '../operations/persist.js';
import { OUTLIVES_ANY_FUNCTION_MS, pairLock } from '../operations/pipeline.js';
import { type OperationRequest, requestOperation } from '../operations/request-operation.js';
import type { CallOptions } from '../providers/provider.js';
import { memberIdsOf, rolesOf, targetOf } from '../providers/registry.js';
import { logger } from '../telemetry/logger.js';
import { cooldownEndsAt } from './failover-rules.js';
import { evaluatePair } from './readiness.js';

export type DrillKind = Drill['kind'];

export interface DrillRequest {
  pair: string;
  /** Absent: a switchover drill where the provider offers switchover, an evaluation drill elsewhere. */
  kind?: DrillKind;
  reason?: string;
  requestedBy: Principal;
  /** The caller's Idempotency-Key: a retried request is the same drill. */
  idempotencyKey?: string;
}

const LEGS = 2;

/** One drill at a time per pair: held from the request to the drill's end, beside each leg's own pair lock. */
export function drillLock(pair: string): string {
  return `drill:${pair}`;
}

/**
 * An alert on the pair is an incident, or may be: a rehearsal does not switch the pair under it. Any decision still
 * holding counts, and any decided since `since` except one the alert's own resolve cancelled (a person was told, a
 * failover was declined because the primary answered, the mode said to ignore it: the primary was still in doubt).
 */
async function alertOnPair(deps: Deps, pair: string, since: string): Promise<string | undefined> {
  // Every holding decision, however many alerts came since; and the recent ones, flapping or not.
  const [holding, recent] = await Promise.all([
    deps.failover.listHolding(),
    deps.failover.listDecisions(pair, RECENT_DECISIONS),
  ]);
  const found =
    holding.find((d) => d.pair === pair) ??
    recent.find((d) => d.outcome !== 'cancelled' && d.createdAt >= since);
  if (!found) return undefined;
  return found.outcome === 'holding'
    ? `alert "${found.alert.name}" is being decided (decision ${found.id})`
    : `alert "${found.alert.name}" came in at ${found.createdAt} (decision ${found.id}, ${found.outcome})`;
}

/** The pair's newest decisions read for an alert within the hour (holding ones are all read). */
const RECENT_DECISIONS = 100;

/** Within this long of an alert on the pair, it is not drilled: the alert may be the start of an incident. */
const ALERT_QUIET_MS = 60 * 60 * 1000;

/**
 * Why automatic action must not switch the pair now: the brake stops it as it stops automatic failover, and a pair
 * at risk of split brain or in its failover cooldown is left to people.
 */
async function automaticRefusal(deps: Deps, pair: PairConfig, now: Date): Promise<string | undefined> {
  const [brake, state] = await Promise.all([deps.failover.getBrake(), deps.failover.getPairState(pair.name)]);
  if (brake.engaged) return `the brake is engaged${brake.reason ? ` (${brake.reason})` : ''}`;
  if (state.atRisk) return `the pair is at risk of split brain: ${state.atRisk.detail}`;
  const cooldown = cooldownEndsAt(pair.failover, state, now);
  if (cooldown)
    return `the pair failed over automatically and its cooldown runs until ${cooldown.toISOString()}`;
  return undefined;
}

function legStep(leg: number, status: Step['status'], name: string): Step {
  return { id: `leg-${leg}`, name, status, upstreams: leg > 1 ? [`leg-${leg - 1}`] : [], downstreams: [] };
}

/**
 * A failover rehearsed. Where the provider offers a switchover, the drill switches the pair over and back: each leg
 * is a switchover operation of its own (prechecked, verified, measured, in the pair's history), and the drill ends
 * SUCCEEDED only when both were verified. Elsewhere it is the readiness evaluation (the promotion's prechecks as a
 * dry run, the observers, the lag, the fence), ending SUCCEEDED only when a failover would go through now. The drill
 * itself never holds the pair: its legs do, so a real failover between them is not kept waiting by a rehearsal.
 */
export async function requestDrill(
  deps: Deps,
  request: DrillRequest,
  options: CallOptions = {},
): Promise<{ drill: Operation; existing: boolean }> {
  const configured = configuredPair(deps.config, request.pair, 'pair');
  const provider = deps.providers.get(configured.provider);
  if (!provider)
    throw new UnprocessableError(
      'provider_not_configured',
      `Provider ${configured.provider} is not configured.`,
    );
  const canSwitch = provider.operations.switchover !== undefined;
  const kind: DrillKind = request.kind ?? (canSwitch ? 'switchover' : 'evaluation');
  if (kind === 'switchover' && !canSwitch)
    throw new UnprocessableError(
      'unsupported_drill',
      `${provider.displayName} pairs cannot be switched over, so their drill is an evaluation. ${provider.unsupported.switchover ?? ''}`.trim(),
      { errors: [{ field: 'body.kind', message: 'use "evaluation" for this pair' }] },
    );
  const pair = await pairNow(deps, configured.name);
  const members = memberIdsOf(pair);
  // Nothing to fail over to, or no way to: a rehearsal would pass without rehearsing anything.
  if (members.standby === null || (!canSwitch && !provider.operations['promote-standby']))
    throw new UnprocessableError(
      'nothing_to_drill',
      members.standby === null
        ? `${configured.name} has no standby: there is no failover to rehearse.`
        : `${provider.displayName} offers neither a switchover nor a promotion: there is no failover to rehearse.`,
      { errors: [{ field: 'body.pair', message: 'the pair has no failover to rehearse' }] },
    );

  // The drill's request, as the pipeline keys its own: the same key and body are the same drill.
  const asked = {
    kind: 'drill' as const,
    pair: configured.name,
    params: { kind },
    requestedBy: request.requestedBy,
    idempotencyKey: request.idempotencyKey,
  };
  const earlier = await earlierAttempt(deps, asked);
  if (earlier.existing) return { drill: earlier.existing, existing: true };
  let id = earlier.operationId ?? deps.newId();

  const holder = await deps.store.getLock(pairLock(configured), deps.now());
  if (holder)
    throw new ConflictError(
      `Pair ${configured.name} is busy with operation ${holder.operationId}; drill it once that has ended.`,
      { activeOperation: holder.operationId },
    );
  const incident =
    kind === 'switchover'
      ? await alertOnPair(
          deps,
          configured.name,
          new Date(deps.now().getTime() - ALERT_QUIET_MS).toISOString(),
        )
      : undefined;
  if (incident)
    throw new ConflictError(`${configured.name} is not drilled now: ${incident}.`, {
      rules: ['pair.alert'],
    });

  // Two legs, each up to a switchover's own deadline, and the ticks between them.
  const deadlines = deps.config.operations.deadlineSeconds;
  const deadlineSeconds = Math.max(deadlines.drill, LEGS * deadlines.switchover + 600);
  const now = deps.now();
  const claim = await claimLock(
    deps,
    drillLock(configured.name),
    { operationId: id, idempotencyKey: storedIdempotencyKey(asked) },
    deadlineSeconds + 600,
    now,
  );
  if (!claim.claimed)
    throw claim.active
      ? new ConflictError(
          `Drill ${claim.holder.operationId} is under way on ${configured.name}: one drill at a time per pair.`,
          {
            activeOperation: claim.holder.operationId,
            location: `/v1/operations/${claim.holder.operationId}`,
          },
        )
      : new ConflictError(
          `Another drill of ${configured.name} is being requested right now: one drill at a time per pair.`,
        );
  if (claim.existing) return { drill: claim.existing, existing: true };
  id = claim.operationId;
  const first = await recordKey(deps, asked, id, drillLock(configured.name), now);
  if (first) return { drill: first, existing: true };

  const roles = rolesOf(pair);
  const at = now.toISOString();
  const drill: Operation = {
    id,
    kind: 'drill',
    provider: pair.provider,
    pair: pair.name,
    target: targetOf(pair),
    params: { kind },
    state: 'SUBMITTING',
    reason: request.reason,
    requestedBy: request.requestedBy,
    source: request.requestedBy.channel,
    findings: [],
    drill: {
      kind,
      legs: [],
      ...(kind === 'switchover' ? { from: { primary: members.primary, standby: members.standby } } : {}),
    },
    submission: { attempts: 0, ambiguous: false },
    phase: 0,
    jobs: [],
    steps:
      kind === 'switchover'
        ? [
            legStep(1, 'pending', `Switch over to ${roles.standby}`),
            legStep(2, 'pending', `Switch back to ${roles.primary}`),
          ]
        : [legStep(1, 'pending', 'Evaluate readiness: the promotion as a dry run, observers, lag, fence')],
    createdAt: at,
    updatedAt: at,
    deadline: new Date(Date.parse(at) + deadlineSeconds * 1000).toISOString(),
    version: 1,
    events: [
      {
        at,
        actor: request.requestedBy.principal,
        type: 'created',
        to: 'SUBMITTING',
        message: `${kind} drill requested${request.reason ? `: ${request.reason}` : ''}`,
      },
    ],
  };
  let created: Operation;
  try {
    created = await persistAndNotify(deps, drill, { create: true });
  } catch (error) {
    // The same request at once (its Idempotency-Key) created it first: that drill is the answer, and its lock stays.
    // Written and then answered with an error, or written by the same request at once: the drill stands, and so
    // does its lock.
    const first = await deps.store.get(id).catch(() => undefined);
    if (first && !(error instanceof StaleWriteError)) return { drill: first, existing: false };
    if (first && (first.pair !== configured.name || first.drill?.kind !== kind))
      throw new UnprocessableError(
        'idempotency_key_reused',
        `Idempotency-Key "${request.idempotencyKey}" was used for a different request (operation ${first.id}).`,
      );
    if (first) return { drill: first, existing: true };
    await deps.store.releaseLock(drillLock(configured.name), id).catch(() => undefined);
    throw error;
  }
  const started =
    kind === 'switchover'
      ? await startLeg(deps, created, 1, options)
      : await evaluateDrill(deps, created, options);
  // A drill follows its legs itself, as its legs follow their jobs.
  await followUpSoon(deps, started);
  return { drill: started, existing: false };
}

async function evaluateDrill(deps: Deps, drill: Operation, options: CallOptions): Promise<Operation> {
  const pair = configuredPair(deps.config, drill.pair, 'pair');
  let readiness: Awaited<ReturnType<typeof evaluatePair>>;
  try {
    readiness = await evaluatePair(deps, pair, options);
  } catch (error) {
    return end(drill, 'FAILED', `the evaluation could not be made: ${describeError(error)}`, deps, {});
  }
  const notPassed = readiness.checks.filter((c) => c.outcome !== 'passed');
  const checks = readiness.checks.map(({ name, outcome, detail }) => ({ name, outcome, detail }));
  const at = deps.now().toISOString();
  const status: Step['status'] = readiness.state === 'not-ready' ? 'failed' : 'succeeded';
  const patch = {
    drill: { ...(drill.drill as Drill), checks },
    steps: drill.steps.map((s) => ({ ...s, status, startedAt: drill.createdAt, finishedAt: at })),
  };
  if (readiness.state === 'not-ready')
    return end(
      drill,
      'FAILED',
      `a failover would not go through now: ${notPassed.map((c) => `${c.name} ${c.outcome}: ${c.detail}`).join('; ')}`,
      deps,
      patch,
    );
  return end(
    drill,
    'SUCCEEDED',
    readiness.state === 'ready'
      ? `a failover would go through now: ${checks.map((c) => c.name).join(', ')} passed`
      : `nothing to rehearse: ${checks.map((c) => c.detail).join('; ')}`,
    deps,
    patch,
  );
}

/**
 * Why leg `leg` must not be sent now, if anything: the pair no longer stands where the drill left it (a person's
 * switchover or a failover moved it), an alert came in on the pair since an hour before the drill, or, for the schedule's
 * drill, automatic action is stopped. A fact that cannot be read throws: nothing is sent on a guess.
 */
async function legRefusal(deps: Deps, drill: Operation, leg: number): Promise<string | undefined> {
  const from = drill.drill?.from;
  if (from) {
    const expected = leg === 1 ? from.primary : from.standby;
    const primary = memberIdsOf(await pairNow(deps, drill.pair)).primary;
    if (primary !== expected)
      return `the pair's primary is ${primary}, not ${expected} as the drill left it; its roles changed outside the drill (GET /v1/pairs/${drill.pair})`;
  }
  const incident = await alertOnPair(
    deps,
    drill.pair,
    new Date(Date.parse(drill.createdAt) - ALERT_QUIET_MS).toISOString(),
  );
  if (incident) return incident;
  if (drill.requestedBy.channel === 'schedule')
    return automaticRefusal(deps, configuredPair(deps.config, drill.pair, 'pair'), deps.now());
  return undefined;
}

/**
 * Asks for leg `leg`: a switchover that must go from the member the drill expects to be primary (OCP's roles are
 * checked by its precheck, the record's by legRefusal), under a key of the drill's own, so a retry is the same leg.
 */
async function startLeg(deps: Deps, drill: Operation, leg: number, options: CallOptions): Promise<Operation> {
  const standing =
    leg === 1
      ? 'nothing was switched'
      : 'leg 1 left the pair switched over: switch it back with a plain switchover (POST /v1/switchovers) once it is free';
  const from = drill.drill?.from;
  const request: OperationRequest = {
    kind: 'switchover',
    pair: drill.pair,
    // The member this leg must switch from: checked again once the leg holds the pair, and by OCP's pre-check.
    params: from ? { fromRecordedPrimary: leg === 1 ? from.primary : from.standby } : {},
    reason: `drill ${drill.id}, leg ${leg} of ${LEGS}`,
    requestedBy: drill.requestedBy,
    source: drill.source,
    idempotencyKey: `drill:${drill.id}:${leg}`,
    idempotencyScope: 'switchyard',
    drillId: drill.id,
  };
  let operation: Operation | undefined;
  try {
    // A leg asked for already (the drill's writer died before recording it) is adopted, never judged again.
    operation = await requestedAlready(deps, request);
    if (!operation && deps.now().getTime() > Date.parse(drill.deadline))
      return end(
        drill,
        'TIMED_OUT',
        `leg ${leg} was not sent by the deadline ${drill.deadline}; ${standing}`,
        deps,
        {},
      );
    const refusal = operation ? undefined : await legRefusal(deps, drill, leg);
    if (refusal) return end(drill, 'FAILED', `leg ${leg} was not sent: ${refusal}; ${standing}`, deps, {});
  } catch (error) {
    // A refusal that will not clear (the pair is gone from the config, its roles name no member) ends the drill.
    if (error instanceof AppError && error.statusCode < 500)
      return end(drill, 'FAILED', `leg ${leg} was not sent: ${error.message}; ${standing}`, deps, {});
    // What the leg depends on could not be read: nothing is sent, and the next tick asks again until the deadline.
    logger.warn('a drill leg waits: what it depends on could not be read', {
      scope: 'drill',
      pair: drill.pair,
      leg,
      error: describeError(error),
    });
    return drill;
  }
  if (!operation)
    try {
      operation = (await requestOperation(deps, request, options)).operation;
    } catch (error) {
      return end(
        drill,
        'FAILED',
        `leg ${leg} could not start (${describeError(error)}); ${standing}`,
        deps,
        {},
      );
    }
  const legs = [
    ...(drill.drill?.legs ?? []).filter((l) => l.leg !== leg),
    { leg, operationId: operation.id },
  ];
  const at = deps.now().toISOString();
  const steps = drill.steps.map((s) =>
    s.id === `leg-${leg}` ? { ...s, status: 'running' as const, startedAt: at } : s,
  );
  const started =
    drill.state === 'SUBMITTING'
      ? transition(drill, 'RUNNING', {
          at,
          actor: 'switchyard',
          message: `leg ${leg}: switchover ${operation.id}`,
        })
      : (recordSteps(drill, steps, { at, actor: 'switchyard' }) ?? drill);
  const saved = await persistAndNotify(deps, {
    ...started,
    steps,
    drill: { ...(drill.drill as Drill), legs },
  });
  // A leg refused at once (its precheck) ends the drill now rather than at the next tick.
  return isTerminal(operation.state) ? settleLeg(deps, saved, operation, options) : saved;
}

/** What a finished leg means for the drill: the next leg, or the drill's end. */
async function settleLeg(
  deps: Deps,
  drill: Operation,
  leg: Operation,
  options: CallOptions,
): Promise<Operation> {
  const number = drill.drill?.legs.find((l) => l.operationId === leg.id)?.leg ?? 1;
  const rto = leg.recovery?.rto.seconds ?? null;
  const legs = (drill.drill?.legs ?? []).map((l) =>
    l.operationId === leg.id ? { ...l, state: leg.state, rtoSeconds: rto, outcome: leg.outcome } : l,
  );
  const at = deps.now().toISOString();
  const status: Step['status'] = leg.state === 'SUCCEEDED' ? 'succeeded' : 'failed';
  // A leg settled at an earlier tick (the next one waited) keeps its step as it was: nothing new to tell.
  const steps = drill.steps.map((s) =>
    s.id === `leg-${number}` && s.status !== status
      ? {
          ...s,
          status,
          finishedAt: at,
          message: `switchover ${leg.id} ${leg.state}${rto !== null ? `, RTO ${formatSeconds(rto)}` : ''}`,
        }
      : s,
  );
  const patched = { ...drill, steps, drill: { ...(drill.drill as Drill), legs } };
  if (leg.state !== 'SUCCEEDED') {
    const notSwitched = leg.providerDoneAt === undefined && leg.jobs.length === 0 && leg.job === undefined;
    // OCP refused the leg because its primary is not the one the drill expected: the record is what is behind.
    const rolesDiffer = leg.findings.some((f) => f.rule === 'ocp.roles' && !f.passed);
    const standing = rolesDiffer
      ? `OCP's primary is not the one Switchyard's record names, so no switchover is needed: put the record right (PUT /v1/pairs/${drill.pair}/roles) after checking OCP`
      : !notSwitched
        ? `the pair may stand switched over: check its roles (GET /v1/pairs/${drill.pair}) before switching it back`
        : number === 1
          ? 'nothing was switched'
          : 'leg 1 left the pair switched over: switch it back with a plain switchover (POST /v1/switchovers) once the cause is fixed; a new drill would start from there';
    return end(
      patched,
      'FAILED',
      `leg ${number} (switchover ${leg.id}) ended ${leg.state}${leg.outcome ? `: ${leg.outcome}` : ''}; ${standing}`,
      deps,
      {},
    );
  }
  if (number < LEGS) {
    const progressed = recordSteps(drill, steps, { at, actor: 'switchyard' });
    const saved = progressed ? await persistAndNotify(deps, { ...progressed, drill: patched.drill }) : drill;
    return startLeg(deps, saved, number + 1, options);
  }
  const from = drill.drill?.from;
  const primary = from
    ? await pairNow(deps, drill.pair).then(
        (p) => memberIdsOf(p).primary,
        () => undefined,
      )
    : undefined;
  if (from && primary !== from.primary)
    return end(
      patched,
      'FAILED',
      `both legs succeeded, but the pair's primary is ${primary ?? 'unknown (its roles could not be read)'}, not ${from.primary} as before the drill: check GET /v1/pairs/${drill.pair}`,
      deps,
      {},
    );
  const figures = legs.map(
    (l) => `leg ${l.leg} ${l.rtoSeconds != null ? formatSeconds(l.rtoSeconds) : 'unmeasured'}`,
  );
  return end(
    patched,
    'SUCCEEDED',
    `switched over and back, each leg verified; RTO ${figures.join(', ')}`,
    deps,
    {},
  );
}

async function end(
  drill: Operation,
  state: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT',
  outcome: string,
  deps: Deps,
  patch: Partial<Operation>,
): Promise<Operation> {
  const at = deps.now().toISOString();
  const ended = transition(
    drill,
    state,
    { at, actor: 'switchyard', message: `drill ${state.toLowerCase()}: ${outcome}` },
    { outcome },
  );
  // A leg never sent is skipped; one still running when the drill gave up is no longer the drill's.
  const steps = (patch.steps ?? drill.steps).map((s) =>
    s.status === 'pending'
      ? { ...s, status: 'skipped' as const, finishedAt: at }
      : s.status === 'running'
        ? { ...s, status: 'cancelled' as const, finishedAt: at }
        : s,
  );
  const saved = await persistAndNotify(deps, { ...ended, ...patch, steps });
  await deps.store.releaseLock(drillLock(drill.pair), drill.id).catch((error) =>
    // The lock's holder has ended: the next drill takes it over (claimLock).
    logger.warn('a drill could not free its lock', {
      scope: 'drill',
      pair: drill.pair,
      error: describeError(error),
    }),
  );
  return saved;
}

/**
 * One poller step for an active drill: its current leg is read, and once that has ended the drill goes on or ends.
 * Two ticks at once request the same next leg (the drill's own idempotency key) and only one writes the drill.
 */
export async function advanceDrill(
  deps: Deps,
  drill: Operation,
  options: CallOptions = {},
): Promise<AdvanceResult> {
  const current = drill.drill?.legs.at(-1);
  if (drill.state === 'SUBMITTING' && !current) {
    // The request that created it may still be working (an evaluation asks several providers).
    // (The poller and the evaluation send legs too, and run up to two minutes: measured against the longest.)
    if (deps.now().getTime() - Date.parse(drill.updatedAt) < OUTLIVES_ANY_FUNCTION_MS) return 'skipped';
    if (drill.drill?.kind !== 'switchover' && deps.now().getTime() > Date.parse(drill.deadline)) {
      await end(drill, 'TIMED_OUT', `not evaluated by the deadline ${drill.deadline}`, deps, {});
      return 'finished';
    }
    // It died between the drill's record and its first leg or its evaluation: do that now (the same key, the same leg).
    const next =
      drill.drill?.kind === 'switchover'
        ? await startLeg(deps, drill, 1, options)
        : await evaluateDrill(deps, drill, options);
    return isTerminal(next.state) ? 'finished' : 'progressed';
  }
  if (!current) return 'skipped';
  const leg = await deps.store.get(current.operationId);
  if (!leg || !isTerminal(leg.state)) {
    if (deps.now().getTime() <= Date.parse(drill.deadline)) return 'unchanged';
    await end(
      drill,
      'TIMED_OUT',
      `leg ${current.leg} (switchover ${current.operationId}) had not ended by ${drill.deadline}`,
      deps,
      {},
    );
    return 'finished';
  }
  const next = await settleLeg(deps, drill, leg, options);
  return isTerminal(next.state) ? 'finished' : 'progressed';
}

/** The pair's newest drill, however many runs came after it: the schedule has time to page, and must not guess. */
async function lastDrill(deps: Deps, pair: string): Promise<Operation | undefined> {
  let cursor: string | undefined;
  do {
    const page = await deps.store.list({ pair, kinds: ['drill'], limit: 1, cursor });
    if (page.items[0]) return page.items[0];
    cursor = page.cursor;
  } while (cursor);
  return undefined;
}

export interface DrillScheduleSummary {
  started: string[];
  /** Due, but not drilled now, and why: the schedule tries again at the next evaluation. */
  skipped: { pair: string; why: string }[];
  errors: { pair: string; error: string }[];
}

/** Switchyard's own schedule: it asks, so it is no person's request and holds no person's approval. */
const SCHEDULE: Principal = { principal: 'schedule:drills', channel: 'schedule' };

/**
 * Why a scheduled switchover drill must not switch the pair now, if anything. It is automatic action
 * (automaticRefusal), it waits an hour after any alert on the pair, and it rehearses only on a pair its provider
 * confirmed protected (a person's declaration is not enough for a machine to act on) and that this evaluation found
 * ready. A fact that cannot be read is a reason too. (The pair's `failover.mode` is not: the schedule is its own.)
 */
async function scheduleRefusal(
  deps: Deps,
  pair: PairConfig,
  now: Date,
  evaluatedSince: Date,
): Promise<string | undefined> {
  const [automatic, incident, state] = await Promise.all([
    automaticRefusal(deps, pair, now),
    alertOnPair(deps, pair.name, new Date(now.getTime() - ALERT_QUIET_MS).toISOString()),
    deps.failover.getPairState(pair.name),
  ]);
  if (automatic) return automatic;
  if (incident) return incident;
  const protection = state.protection;
  if (protection?.state !== 'protected')
    return `the pair is not known to be protected (${protection?.state ?? 'not evaluated yet'})`;
  if (protection.declaredBy)
    return `the pair is protected on ${protection.declaredBy}'s word only, not confirmed by ${pair.provider}`;
  const readiness = state.readiness;
  if (readiness?.state !== 'ready' || Date.parse(readiness.at) < evaluatedSince.getTime())
    return `the pair was not found ready by this evaluation (${readiness ? `${readiness.state} at ${readiness.at}` : 'not evaluated yet'})`;
  return undefined;
}

/**
 * Drills the pairs whose `drill.everyDays` have passed since their last drill (or that were never drilled), one
 * after another. A pair that is busy, not safe to switch (scheduleRefusal), or a drill that cannot start, is tried
 * again at the next evaluation.
 */
export async function runDueDrills(
  deps: Deps,
  options: CallOptions = {},
  /** When the evaluation this schedule follows began: readiness older than it is not this evaluation's. */
  evaluatedSince: Date = new Date(deps.now().getTime() - 15 * 60_000),
): Promise<DrillScheduleSummary> {
  const summary: DrillScheduleSummary = { started: [], skipped: [], errors: [] };
  for (const pair of deps.config.pairs) {
    const schedule = pair.drill;
    if (!schedule || options.signal?.aborted) continue;
    try {
      const last = await lastDrill(deps, pair.name);
      const dueAt = last ? Date.parse(last.createdAt) + schedule.everyDays * 86_400_000 : 0;
      if (last && !isTerminal(last.state)) {
        summary.skipped.push({ pair: pair.name, why: `drill ${last.id} is still ${last.state}` });
        continue;
      }
      if (last && deps.now().getTime() < dueAt) continue;
      const provider = deps.providers.get(pair.provider);
      const kind = schedule.kind ?? (provider?.operations.switchover ? 'switchover' : 'evaluation');
      const refusal =
        kind === 'switchover' ? await scheduleRefusal(deps, pair, deps.now(), evaluatedSince) : undefined;
      if (refusal) {
        summary.skipped.push({ pair: pair.name, why: refusal });
        logger.info('a scheduled drill is due but not run now', {
          scope: 'drill',
          pair: pair.name,
          why: refusal,
        });
        continue;
      }
      const { drill } = await requestDrill(
        deps,
        {
          pair: pair.name,
          kind,
          reason: `every ${schedule.everyDays} days`,
          requestedBy: SCHEDULE,
        },
        options,
      );
      summary.started.push(drill.id);
    } catch (error) {
      summary.errors.push({ pair: pair.name, error: describeError(error) });
    }
  }
  return summary;
}
