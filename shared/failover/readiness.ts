import type { PairConfig } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import { describeError, ProviderError } from '../domain/errors.js';
import type { Observation } from '../domain/observation.js';
import { isTerminal, type OperationKind } from '../domain/operation.js';
import type { Readiness } from '../domain/pair-condition.js';
import type { ProviderCheck } from '../domain/verification.js';
import { observePrimary } from '../operations/observe-primary.js';
import { changePairState } from '../operations/pair-state.js';
import { pairLock } from '../operations/pipeline.js';
import {
  type ProtectionFinding,
  protectionAfter,
  readinessNotice,
  recordProtection,
  stillNoStandby,
} from '../operations/protection.js';
import type { CallOptions, OperationInput } from '../providers/provider.js';
import { memberIdsOf, standingPair, targetOf } from '../providers/registry.js';
import { logger } from '../telemetry/logger.js';
import { overBudget } from './failover-rules.js';

/** Pairs evaluated at once: each asks its provider three or four questions. */
const CONCURRENCY = 4;

const check = (name: string, outcome: ProviderCheck['outcome'], detail: string): ProviderCheck => ({
  name,
  outcome,
  detail,
});

/** A provider that refused Switchyard's credentials: found now, not during the disaster. */
function refusedCredentials(error: unknown): boolean {
  return error instanceof ProviderError && (error.httpStatus === 401 || error.httpStatus === 403);
}

/**
 * The dry run of what a person would ask for first: a switchover where the provider offers one (it loses nothing,
 * and OCP refuses a failover while the primary answers), otherwise the promotion.
 */
async function dryRun(
  deps: Deps,
  pair: PairConfig,
  input: Omit<OperationInput, 'kind'>,
  options: CallOptions,
) {
  const provider = deps.providers.get(pair.provider);
  const kind: OperationKind = provider?.operations.switchover ? 'switchover' : 'promote-standby';
  const driver = provider?.operations[kind];
  if (!driver) return check('precheck', 'failed', `${pair.provider} offers no ${kind}`);
  try {
    const result = await driver.precheck({ ...input, kind }, options);
    const failed = result.findings.filter((f) => !f.passed).map((f) => `${f.rule}: ${f.message}`);
    return result.valid
      ? check('precheck', 'passed', `the ${kind} prechecks pass as a dry run`)
      : check('precheck', 'failed', `the ${kind} prechecks refuse it: ${failed.join('; ')}`);
  } catch (error) {
    return check(
      'precheck',
      refusedCredentials(error) ? 'failed' : 'unknown',
      `${refusedCredentials(error) ? 'the provider refused Switchyard’s credentials' : 'no answer'} (${describeError(error)})`,
    );
  }
}

function observerCheck(observation: Observation): ProviderCheck {
  const unreached = observation.evidence.filter((e) => e.reached === false);
  const said = observation.evidence.map((e) => `${e.observer} ${e.asked}: ${e.answer}`).join('; ');
  if (unreached.length > 0) return check('observer', 'failed', `an observer could not be asked: ${said}`);
  // The pair's own observer is asked of a primary that answers: anything but up (a 401, a redirect, a 500) means it
  // could never say down either, and every real outage would wait for a person.
  const own = observation.evidence.find((e) => e.observer === 'the pair observer');
  if (own && own.verdict !== 'up')
    return check(
      'observer',
      'failed',
      `the pair observer cannot vouch for the primary: ${own.asked}: ${own.answer}`,
    );
  return check('observer', 'passed', `every observer answered: ${said}`);
}

function lagCheck(pair: PairConfig, observation: Observation): ProviderCheck {
  // An unknown lag stops only an automatic failover: in the other modes a person decides anyway.
  const policy = {
    ...pair.failover,
    requireKnownLag: pair.failover.mode === 'auto' && pair.failover.requireKnownLag,
  };
  const over = overBudget(policy, observation);
  if (over) return check('lag', 'failed', over);
  const budget = [
    pair.failover.maxLagSeconds !== undefined ? `${pair.failover.maxLagSeconds} s` : undefined,
    pair.failover.maxLagMb !== undefined ? `${pair.failover.maxLagMb} MB` : undefined,
  ].filter(Boolean);
  return check(
    'lag',
    'passed',
    `${observation.lagDetail}${budget.length ? `, within the budget of ${budget.join(' and ')}` : '; no budget is set'}`,
  );
}

async function fenceCheck(deps: Deps, pair: PairConfig, input: OperationInput, options: CallOptions) {
  if (pair.failover.fencing === 'off') return check('fencing', 'passed', 'fencing is off for this pair');
  const fencer = deps.providers.get(pair.provider)?.operations['promote-standby']?.fencer;
  if (!fencer)
    return check(
      'fencing',
      pair.failover.fencing === 'required' ? 'failed' : 'passed',
      `${pair.provider} offers no way to fence the old primary${pair.failover.fencing === 'required' ? ': under fencing: required a promotion over a primary that answers is refused' : ''}`,
    );
  const permitted = await fencer.permitted(input, options);
  return check('fencing', permitted.outcome, permitted.detail);
}

/**
 * What the evaluation found of the pair's protection. Protected only on a positive sign: the provider says the standby
 * replicates (or its lag was checked against a budget) and the dry run passed; anything less is unknown.
 */
function protectionFrom(
  pair: PairConfig,
  observation: Observation | undefined,
  precheck: ProviderCheck | undefined,
): ProtectionFinding {
  if (!observation) return { state: 'unknown', detail: 'the pair could not be observed' };
  if (observation.drRelation === 'absent')
    return { state: 'unprotected', reason: 'dr-relation-broken', detail: observation.lagDetail };
  if (observation.replicating === false)
    return { state: 'unprotected', reason: 'replication-stopped', detail: observation.lagDetail };
  const { maxLagSeconds, maxLagMb } = pair.failover;
  const budgeted = maxLagSeconds !== undefined || maxLagMb !== undefined;
  const over = overBudget({ ...pair.failover, requireKnownLag: false }, observation);
  const lagKnown = observation.lag?.seconds !== undefined || observation.lag?.mb !== undefined;
  // A budget whose own figure was not read is unchecked, not exceeded.
  const unreadable =
    (maxLagSeconds !== undefined && observation.lag?.seconds === undefined) ||
    (maxLagMb !== undefined && observation.lag?.mb === undefined);
  if (over && lagKnown && !unreadable) return { state: 'unprotected', reason: 'over-budget', detail: over };
  const unconfirmed = (why: string): ProtectionFinding => ({
    state: 'unknown',
    detail: `Switchyard could not confirm the standby replicates within budget: ${why}`,
  });
  if (over) return unconfirmed(over);
  if (precheck?.outcome !== 'passed') return unconfirmed(precheck?.detail ?? 'no dry run was made');
  if (observation.replicating === true || (lagKnown && budgeted))
    return { state: 'protected', detail: observation.lagDetail };
  return unconfirmed(
    lagKnown
      ? `${observation.lagDetail}, and the pair sets no lag budget to judge it by (failover.maxLagSeconds or maxLagMb)`
      : observation.lagDetail,
  );
}

/**
 * Evaluates one pair: its readiness (would a failover go through now?) and its protection, each recorded on the
 * pair's state and announced when it changes. A run that left the pair without a standby is applied first, should its
 * own end not have recorded it.
 */
export async function evaluatePair(
  deps: Deps,
  pair: PairConfig,
  options: CallOptions = {},
): Promise<Readiness> {
  const now = deps.now().toISOString();
  let state = await deps.failover.getPairState(pair.name);
  const [lastRun] = (
    await deps.store.list({
      pair: pair.name,
      kinds: ['promote-standby', 'switchover', 'reprotect'],
      limit: 1,
    })
  ).items;
  const left = lastRun && isTerminal(lastRun.state) ? protectionAfter(lastRun) : undefined;
  const recordedSince = Date.parse(state.protection?.since ?? '');
  const unrecorded =
    lastRun !== undefined &&
    (state.protection === undefined ||
      (state.protection.operationId !== lastRun.id && !(recordedSince >= Date.parse(lastRun.updatedAt))));
  if (left && unrecorded) {
    await recordProtection(deps, pair.name, left);
    state = await deps.failover.getPairState(pair.name);
  }
  // A re-protection that ended without its end being recorded (its writer died) must not stay `reprotecting`.
  const rebuilding = state.protection?.state === 'reprotecting' ? state.protection.operationId : undefined;
  if (rebuilding) {
    const run = rebuilding === lastRun?.id ? lastRun : await deps.store.get(rebuilding);
    if (!run || isTerminal(run.state)) {
      await recordProtection(
        deps,
        pair.name,
        (run && protectionAfter(run)) ?? {
          state: 'unknown',
          detail: `reprotect ${rebuilding} has ended${run ? ` ${run.state}` : ''}: whether DR was rebuilt is not confirmed yet`,
          operationId: rebuilding,
        },
      );
      state = await deps.failover.getPairState(pair.name);
    }
  }
  const standing = standingPair(pair, state.roles?.primary);
  const provider = deps.providers.get(pair.provider);
  const promote = provider?.operations['promote-standby'];
  let checks: ProviderCheck[];
  let observation: Observation | undefined;
  let dryRunCheck: ProviderCheck | undefined;
  if (!standing)
    checks = [check('roles', 'failed', "Switchyard's record of the pair's roles names no configured member")];
  else if (memberIdsOf(standing).standby === null || !promote)
    return recordReadiness(deps, pair.name, {
      state: 'not-applicable',
      at: now,
      checks: [
        check(
          'standby',
          'passed',
          memberIdsOf(standing).standby === null
            ? 'the pair has no standby to fail over to'
            : `${pair.provider} offers no promotion`,
        ),
      ],
    });
  else if (stillNoStandby(state))
    checks = [check('standby', 'failed', state.protection?.detail ?? 'the pair has no standby')];
  else {
    const input: OperationInput = {
      kind: 'promote-standby',
      target: targetOf(standing),
      params: {},
      phase: 0,
    };
    const [precheck, observed, fencing] = await Promise.all([
      dryRun(deps, standing, input, options),
      observePrimary(standing, provider, promote, input, { ...options, now: deps.now }),
      fenceCheck(deps, standing, input, options),
    ]);
    observation = observed;
    dryRunCheck = precheck;
    checks = [precheck, observerCheck(observed), lagCheck(standing, observed), fencing];
    // A pair at risk of split brain takes no operation (409 pair.at-risk) until it is fenced or retired.
    if (state.atRisk)
      checks.push(
        check('split-brain', 'failed', `${state.atRisk.member} is not fenced: ${state.atRisk.detail}`),
      );
  }
  if (!stillNoStandby(state))
    await recordProtection(deps, pair.name, protectionFrom(pair, observation, dryRunCheck), 'evaluation');
  return recordReadiness(deps, pair.name, {
    state: checks.every((c) => c.outcome === 'passed') ? 'ready' : 'not-ready',
    at: now,
    checks,
  });
}

/** Records readiness, conditionally, and announces it only when its state changed from one already known. */
async function recordReadiness(
  deps: Deps,
  pair: string,
  found: Omit<Readiness, 'since'>,
): Promise<Readiness> {
  let notice: ReturnType<typeof readinessNotice> | undefined;
  let recorded: Readiness = { ...found, since: found.at };
  await changePairState(deps, pair, (state) => {
    const previous = state.readiness;
    const changed = previous?.state !== found.state;
    recorded = { ...found, since: changed ? found.at : (previous?.since ?? found.at) };
    // The first evaluation of a ready pair is no news; every change after is.
    notice =
      changed && !(previous === undefined && found.state !== 'not-ready')
        ? readinessNotice(pair, recorded, previous)
        : undefined;
    return { ...state, readiness: recorded };
  });
  if (notice) await deps.notifier.notify(notice);
  return recorded;
}

export interface EvaluationSummary {
  evaluated: number;
  ready: number;
  /** Pairs an operation holds: their prechecks would judge the operation, not the pair; the operation's end does. */
  busy: number;
  errors: { pair: string; error: string }[];
}

/** Every configured pair, a few at a time; one that fails is logged and does not stop the rest. */
export async function evaluatePairs(deps: Deps, options: CallOptions = {}): Promise<EvaluationSummary> {
  const summary: EvaluationSummary = { evaluated: 0, ready: 0, busy: 0, errors: [] };
  const pairs = [...deps.config.pairs];
  const worker = async () => {
    for (let pair = pairs.shift(); pair && !options.signal?.aborted; pair = pairs.shift())
      try {
        // Mid-switchover a pair is "not ready" only because it is switching: its last readiness stands meanwhile.
        const holder = await deps.store.getLock(pairLock(pair), deps.now());
        const running = holder && (await deps.store.get(holder.operationId));
        if (running && !isTerminal(running.state)) {
          summary.busy++;
          continue;
        }
        const readiness = await evaluatePair(deps, pair, options);
        summary.evaluated++;
        if (readiness.state === 'ready') summary.ready++;
      } catch (error) {
        summary.errors.push({ pair: pair.name, error: describeError(error) });
        logger.warn('a pair could not be evaluated', {
          scope: 'readiness',
          pair: pair.name,
          error: describeError(error),
        });
      }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return summary;
}
