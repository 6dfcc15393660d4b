import { configuredPair } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import { ConflictError, describeError, UnprocessableError } from '../domain/errors.js';
import { type Drill, isTerminal, type Operation, type Principal, type Step } from '../domain/operation.js';
import { formatSeconds } from '../domain/recovery.js';
import { recordSteps, transition } from '../domain/state-machine.js';
import type { AdvanceResult } from '../operations/advance-operation.js';
import { pairNow } from '../operations/pair-roles.js';
import { persistAndNotify } from '../operations/persist.js';
import { pairLock } from '../operations/pipeline.js';
import { requestOperation } from '../operations/request-operation.js';
import type { CallOptions } from '../providers/provider.js';
import { rolesOf, targetOf } from '../providers/registry.js';
import { evaluatePair } from './readiness.js';

export type DrillKind = Drill['kind'];

export interface DrillRequest {
  pair: string;
  /** Absent: a switchover drill where the provider offers switchover, an evaluation drill elsewhere. */
  kind?: DrillKind;
  reason?: string;
  requestedBy: Principal;
}

const LEGS = 2;

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
): Promise<Operation> {
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
  const holder = await deps.store.getLock(pairLock(configured), deps.now());
  if (holder)
    throw new ConflictError(
      `Pair ${configured.name} is busy with operation ${holder.operationId}; drill it once that has ended.`,
      { activeOperation: holder.operationId },
    );
  const pair = await pairNow(deps, configured.name);
  const roles = rolesOf(pair);
  const at = deps.now().toISOString();
  const drill: Operation = {
    id: deps.newId(),
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
    drill: { kind, legs: [] },
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
    deadline: new Date(Date.parse(at) + deps.config.operations.deadlineSeconds.drill * 1000).toISOString(),
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
  const created = await persistAndNotify(deps, drill, { create: true });
  return kind === 'switchover' ? startLeg(deps, created, 1, options) : evaluateDrill(deps, created, options);
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

/** Asks for leg `leg` (a switchover of the pair as it stands), under a key of the drill's own, so a retry is the same. */
async function startLeg(deps: Deps, drill: Operation, leg: number, options: CallOptions): Promise<Operation> {
  let operation: Operation;
  try {
    const outcome = await requestOperation(
      deps,
      {
        kind: 'switchover',
        pair: drill.pair,
        params: {},
        reason: `drill ${drill.id}, leg ${leg} of ${LEGS}`,
        requestedBy: drill.requestedBy,
        source: drill.source,
        idempotencyKey: `drill:${drill.id}:${leg}`,
        idempotencyScope: 'switchyard',
        drillId: drill.id,
      },
      options,
    );
    operation = outcome.operation;
  } catch (error) {
    const standing =
      leg === 1 ? 'nothing was switched' : 'the pair stands switched over: switch it back once it is free';
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
  const steps = drill.steps.map((s) =>
    s.id === `leg-${number}`
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
    const standing =
      leg.providerDoneAt === undefined && leg.jobs.length === 0 && leg.job === undefined
        ? `the pair was not switched by leg ${number}`
        : `the pair may stand switched over: check its roles (GET /v1/pairs/${drill.pair}) before switching it back`;
    return end(
      patched,
      'FAILED',
      `leg ${number} (switchover ${leg.id}) ended ${leg.state}${leg.outcome ? `: ${leg.outcome}` : ''}; ${standing}`,
      deps,
      {},
    );
  }
  if (number < LEGS) {
    const progressed = recordSteps(drill, steps, { at, actor: 'switchyard' }) ?? drill;
    const saved = await persistAndNotify(deps, { ...progressed, drill: patched.drill });
    return startLeg(deps, saved, number + 1, options);
  }
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
  return persistAndNotify(deps, { ...ended, ...patch });
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
    // The request died between the drill's record and its first leg: ask for it now (the same key, the same leg).
    const next = await startLeg(deps, drill, 1, options);
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

export interface DrillScheduleSummary {
  started: string[];
  errors: { pair: string; error: string }[];
}

/** Switchyard's own schedule: it asks, so it is no person's request and holds no person's approval. */
const SCHEDULE: Principal = { principal: 'schedule:drills', channel: 'schedule' };

/**
 * Drills the pairs whose `drill.everyDays` have passed since their last drill (or that were never drilled), one
 * after another. A pair that is busy, or a drill that cannot start, is tried again at the next evaluation.
 */
export async function runDueDrills(deps: Deps, options: CallOptions = {}): Promise<DrillScheduleSummary> {
  const summary: DrillScheduleSummary = { started: [], errors: [] };
  for (const pair of deps.config.pairs) {
    const schedule = pair.drill;
    if (!schedule || options.signal?.aborted) continue;
    try {
      const [last] = (await deps.store.list({ pair: pair.name, kinds: ['drill'], limit: 1 })).items;
      const dueAt = last ? Date.parse(last.createdAt) + schedule.everyDays * 86_400_000 : 0;
      if (last && (!isTerminal(last.state) || deps.now().getTime() < dueAt)) continue;
      const drill = await requestDrill(
        deps,
        {
          pair: pair.name,
          kind: schedule.kind,
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
