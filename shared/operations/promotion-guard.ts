import type { PairConfig } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import { describeEvidence, type Observation } from '../domain/observation.js';
import type { Fencing, Finding, Trigger } from '../domain/operation.js';
import type { CallOptions, OperationDriver, OperationInput, Provider } from '../providers/provider.js';
import { planFencing, safetyRefusal } from './fencing.js';
import { observePrimary } from './observe-primary.js';

/** What the promotion's safety rules make of a request, before anything is written or sent. */
export interface PromotionGuard {
  observation: Observation;
  findings: Finding[];
  fencing?: Fencing;
  /** The operation ends CANCELLED at once, saying why: an alert's promotion no longer called for. */
  cancel?: string;
  /** People decide first (a planned failover; an alert's promotion whose primary cannot be confirmed down now). */
  approval?: { reason: string; approversNeeded: 1 | 2 };
}

/**
 * An alert's promotion looks once more just before anything is sent: a resolved alert or a primary that is up
 * again cancels it. Returns why it is no longer called for, or nothing.
 */
export async function noLongerCalledFor(
  deps: Deps,
  trigger: Trigger,
  observation: Observation,
): Promise<string | undefined> {
  // Resolved is no open episode: one that resolved and fired again is still firing, under a newer decision.
  if ((await deps.failover.episode(trigger.fingerprint)) === undefined)
    return `the alert "${trigger.name}" was resolved before the promotion was sent`;
  if (observation.primary === 'up')
    return `the primary is up again (${describeEvidence(observation)}), so the alert's promotion is not sent`;
  return undefined;
}

export function observationFinding(observation: Observation): Finding {
  return {
    rule: 'primary.observed',
    passed: true,
    warning: observation.primary !== 'down',
    message: `the primary is ${observation.primary === 'unknown' ? 'not confirmed down or up' : observation.primary}: ${describeEvidence(observation)}`,
  };
}

/** Asks every observer of the pair's primary; in a failover this runs beside the provider's precheck. */
export function observeForPromotion(
  deps: Deps,
  pair: PairConfig,
  provider: Provider,
  driver: OperationDriver,
  input: OperationInput,
  options: CallOptions = {},
): Promise<Observation> {
  return observePrimary(pair, provider, driver, input, { ...options, now: deps.now });
}

/**
 * The promotion's safety rules, for all three answers of the observers. A promotion asked while the primary is up
 * is a planned failover: a second person approves it and the old primary is fenced first, or it is refused (409).
 * An alert's promotion is cancelled when the primary is up again or the alert resolved, and waits for a person
 * when the primary cannot be confirmed down. Fencing follows the pair's policy (fencing.ts).
 */
export async function guardPromotion(
  deps: Deps,
  pair: PairConfig,
  provider: Provider,
  driver: OperationDriver,
  input: OperationInput,
  observation: Observation,
  request: { trigger?: Trigger; approval?: unknown },
): Promise<PromotionGuard> {
  const evidence = describeEvidence(observation);
  const findings = [observationFinding(observation)];
  if (request.trigger) {
    const cancel = await noLongerCalledFor(deps, request.trigger, observation);
    if (cancel) return { observation, findings, cancel };
  }
  const planned = !request.trigger && observation.primary === 'up';
  if (!planned && observation.primary !== 'down' && provider.operations.switchover)
    findings.push({
      rule: 'switchover-available',
      passed: true,
      warning: true,
      message: `if the primary still answers, ${provider.displayName}'s switchover swaps the roles without losing data: POST /v1/switchovers`,
    });
  if (planned && provider.operations.switchover)
    findings.push(
      safetyRefusal(
        'planned-failover.use-switchover',
        `the primary is up (${evidence}), so a promotion now is a planned failover; ${provider.displayName} offers a switchover, which swaps the roles without losing data: use POST /v1/switchovers`,
      ),
    );
  const plan = planFencing(pair.failover.fencing, driver.fencer, input, observation, provider.displayName);
  if ('refusal' in plan) return { observation, findings: [...findings, plan.refusal] };
  const { fencing } = plan;
  if (planned && fencing.phase !== 0)
    findings.push(
      safetyRefusal(
        'planned-failover.fence-first',
        `the primary is up (${evidence}), so a promotion now is a planned failover, which fences the old primary before promoting; for ${pair.name} that is not possible (${fencing.detail})`,
      ),
    );
  const approval = planned
    ? {
        reason: `planned failover: the primary is up (${evidence}); a second person must approve, and ${fencing.member} is fenced before the promotion`,
        approversNeeded: 1 as const,
      }
    : observation.primary !== 'down' && !(request.trigger && request.approval)
      ? {
          reason: request.trigger
            ? `the primary could not be confirmed down just before the promotion (${evidence}): a person decides`
            : `the primary could not be confirmed down (${evidence}): one person's word is not enough, a second person must approve`,
          approversNeeded: 1 as const,
        }
      : undefined;
  return { observation, findings, fencing, ...(approval ? { approval } : {}) };
}
