import { describeEvidence, lagIsKnown, type Observation } from '../domain/observation.js';
import type { FailoverPolicy } from '../domain/pair-policy.js';

const HOUR_MS = 3_600_000;

/** What an alert decision rests on, read from the observers and the store; the rules below are pure. */
export interface FailoverFacts {
  pair: string;
  policy: FailoverPolicy;
  observation: Observation;
  now: Date;
  /** The old primary of an earlier promotion, not fenced yet. */
  atRisk?: { member: string };
  /** The last automatic failover that was sent (one cancelled before sending is none), and its acknowledgement. */
  lastAutomaticFailoverAt?: string;
  acknowledgedAt?: string;
  brake: { engaged: boolean; reason?: string; recent: readonly string[] };
  maxAutomaticFailoversPerHour: number;
}

export type FailoverVerdict =
  | { outcome: 'declined' | 'blocked' | 'dry-run'; reason: string }
  /** A person decides: two approvers when data may be lost; `engageBrake` when this alert trips the brake. */
  | {
      outcome: 'needs-approval';
      reason: string;
      dataLoss: boolean;
      engageBrake?: { reason: string; recent: string[] };
    }
  /** Promote on its own, counting this failover in `recent`. */
  | { outcome: 'failover-requested'; reason: string; recent: string[] };

/** The RPO rule: a known lag over the budget, a budgeted figure that cannot be read, or an unknown lag when required. */
export function overBudget(policy: FailoverPolicy, observation: Observation): string | undefined {
  const { lag } = observation;
  // A budget whose figure could not be read cannot be checked: that is a person's call, not a pass.
  if (policy.maxLagSeconds !== undefined && lag?.seconds === undefined)
    return `${observation.lagDetail}: the lag in seconds could not be read, so the budget of ${policy.maxLagSeconds} s cannot be checked`;
  if (policy.maxLagMb !== undefined && lag?.mb === undefined)
    return `${observation.lagDetail}: the lag in MB could not be read, so the budget of ${policy.maxLagMb} MB cannot be checked`;
  if (policy.maxLagSeconds !== undefined && lag?.seconds !== undefined && lag.seconds > policy.maxLagSeconds)
    return `${observation.lagDetail}, over the budget of ${policy.maxLagSeconds} s`;
  if (policy.maxLagMb !== undefined && lag?.mb !== undefined && lag.mb > policy.maxLagMb)
    return `${observation.lagDetail}, over the budget of ${policy.maxLagMb} MB`;
  if (policy.requireKnownLag && !lagIsKnown(observation))
    return `${observation.lagDetail}, and the pair requires a known lag before promoting on its own`;
  return undefined;
}

/** When the cooldown of the pair's last automatic failover ends, if it is in force: no one acknowledged it yet. */
export function cooldownEndsAt(
  policy: Pick<FailoverPolicy, 'cooldownSeconds'>,
  facts: Pick<FailoverFacts, 'lastAutomaticFailoverAt' | 'acknowledgedAt'>,
  now: Date,
): Date | undefined {
  const last = facts.lastAutomaticFailoverAt ? Date.parse(facts.lastAutomaticFailoverAt) : undefined;
  if (last === undefined) return undefined;
  const acknowledged = facts.acknowledgedAt !== undefined && Date.parse(facts.acknowledgedAt) >= last;
  const ends = last + policy.cooldownSeconds * 1000;
  return !acknowledged && now.getTime() < ends ? new Date(ends) : undefined;
}

/**
 * The failover rules for an alert whose hold-off is over, for each of the observers' three answers: a pair at
 * risk of split brain is blocked; up declines; a cooldown blocks; dry-run says what would happen; unknown, approve
 * mode, an RPO budget not met or the brake leave it to people, saying every reason; only down, past all of them
 * and under the hourly limit, promotes on its own.
 */
export function decideFailover(facts: FailoverFacts): FailoverVerdict {
  const { pair, policy, observation, now, brake } = facts;
  const evidence = describeEvidence(observation);
  if (facts.atRisk)
    return {
      outcome: 'blocked',
      reason: `${pair} is at risk of split brain: ${facts.atRisk.member} was promoted over and is not fenced yet, so no failover until it is fenced or a person says it is out of service (POST /v1/pairs/${pair}/ack with oldPrimaryRetired)`,
    };
  if (observation.primary === 'up')
    return { outcome: 'declined', reason: `the primary is up, so no failover: ${evidence}` };

  const cooldownEnds = cooldownEndsAt(policy, facts, now);
  if (cooldownEnds)
    return {
      outcome: 'blocked',
      reason: `cooldown: Switchyard failed ${pair} over on its own at ${facts.lastAutomaticFailoverAt}; no automatic failover there until a person acknowledges it (POST /v1/pairs/${pair}/ack) or until ${cooldownEnds.toISOString()}`,
    };

  const over = overBudget(policy, observation);
  const unconfirmed =
    observation.primary === 'unknown' ? `the primary could not be confirmed down (${evidence})` : undefined;
  if (policy.mode === 'dry-run')
    return {
      outcome: 'dry-run',
      reason:
        unconfirmed || over
          ? `would wait for ${over ? 'two approvals' : 'an approval'} (${[unconfirmed, over && `RPO budget: ${over}`].filter(Boolean).join('; ')}); dry-run mode does nothing`
          : `would promote the standby now (${evidence}; ${observation.lagDetail}); dry-run mode does nothing`,
    };

  // Every reason a person must decide, said together: two approvers when data may be lost.
  const forPeople = [
    unconfirmed && `${unconfirmed}: unknown is not down, so a person decides`,
    policy.mode === 'approve' &&
      `failover mode is approve for ${pair}: a person decides (${evidence}; ${observation.lagDetail})`,
    over && `RPO budget: ${over}; no automatic promotion, data may be lost`,
    brake.engaged &&
      `the global brake is engaged (${brake.reason ?? 'by a person'}): every pair waits for a person; release it with POST /v1/brake`,
  ].filter((r): r is string => typeof r === 'string');
  if (forPeople.length > 0)
    return { outcome: 'needs-approval', reason: forPeople.join('; '), dataLoss: over !== undefined };

  const recent = brake.recent.filter((t) => now.getTime() - Date.parse(t) < HOUR_MS);
  const limit = facts.maxAutomaticFailoversPerHour;
  if (recent.length >= limit)
    return {
      outcome: 'needs-approval',
      reason: `brake engaged: ${recent.length} automatic failovers within an hour reached the limit of ${limit}; every pair now waits for a person`,
      dataLoss: false,
      engageBrake: { reason: `${recent.length} automatic failovers within an hour (limit ${limit})`, recent },
    };
  return {
    outcome: 'failover-requested',
    reason: `(${evidence}; ${observation.lagDetail})`,
    recent: [...recent, now.toISOString()],
  };
}
