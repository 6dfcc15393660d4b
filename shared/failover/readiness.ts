import type { PairConfig } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import type { PairFailoverState } from '../domain/decision.js';
import { describeError, ProviderError } from '../domain/errors.js';
import type { Observation } from '../domain/observation.js';
import { isTerminal, type OperationKind } from '../domain/operation.js';
import type { Readiness } from '../domain/pair-condition.js';
import type { ProviderCheck } from '../domain/verification.js';
import { observePrimary } from '../operations/observe-primary.js';
import { changePairState } from '../operations/pair-state.js';
import {
  type ProtectionFinding,
  protectionAfter,
  readinessNotice,
  recordProtection,
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

/** What the evaluation found of the pair's protection, from its observation and its last run. */
function protectionFrom(
  pair: PairConfig,
  state: PairFailoverState,
  observation: Observation | undefined,
): ProtectionFinding {
  const current = state.protection;
  // No standby since a promotion: nothing the provider says of an old link changes that, only a re-protection.
  if (current?.state === 'unprotected' && current.reason === 'no-standby')
    return {
      state: current.state,
      reason: current.reason,
      detail: current.detail,
      operationId: current.operationId,
    };
  if (!observation) return { state: 'unknown', detail: 'the pair could not be observed' };
  if (observation.drRelation === 'absent')
    return { state: 'unprotected', reason: 'dr-relation-broken', detail: observation.lagDetail };
  if (observation.replicating === false)
    return { state: 'unprotected', reason: 'replication-stopped', detail: observation.lagDetail };
  const over = overBudget({ ...pair.failover, requireKnownLag: false }, observation);
  if (over && observation.lag !== undefined)
    return { state: 'unprotected', reason: 'over-budget', detail: over };
  if (
    observation.replicating === true ||
    observation.lag?.seconds !== undefined ||
    observation.lag?.mb !== undefined
  )
    return { state: 'protected', detail: observation.lagDetail };
  return {
    state: 'unknown',
    detail: `Switchyard could not confirm the standby replicates: ${observation.lagDetail}`,
  };
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
    await deps.store.list({ pair: pair.name, kinds: ['promote-standby', 'switchover'], limit: 1 })
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
  const standing = standingPair(pair, state.roles?.primary);
  const provider = deps.providers.get(pair.provider);
  const promote = provider?.operations['promote-standby'];
  let checks: ProviderCheck[];
  let observation: Observation | undefined;
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
  else if (state.protection?.state === 'unprotected' && state.protection.reason === 'no-standby')
    checks = [check('standby', 'failed', state.protection.detail)];
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
    checks = [precheck, observerCheck(observed), lagCheck(standing, observed), fencing];
  }
  await recordProtection(deps, pair.name, protectionFrom(pair, state, observation));
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
  errors: { pair: string; error: string }[];
}

/** Every configured pair, a few at a time; one that fails is logged and does not stop the rest. */
export async function evaluatePairs(deps: Deps, options: CallOptions = {}): Promise<EvaluationSummary> {
  const summary: EvaluationSummary = { evaluated: 0, ready: 0, errors: [] };
  const pairs = [...deps.config.pairs];
  const worker = async () => {
    for (let pair = pairs.shift(); pair && !options.signal?.aborted; pair = pairs.shift())
      try {
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
