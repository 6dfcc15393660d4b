import { describe, expect, it } from 'vitest';
import type { Observation, PrimaryVerdict } from '../../../shared/domain/observation.js';
import { FailoverPolicySchema } from '../../../shared/domain/pair-policy.js';
import { decideFailover, type FailoverFacts } from '../../../shared/failover/failover-rules.js';

const NOW = new Date('2026-12-02T04:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function observed(primary: PrimaryVerdict, lag?: { seconds?: number; mb?: number }): Observation {
  return {
    primary,
    evidence: [
      {
        observer: 'Huawei',
        asked: 'ListInstances for the primary',
        answer: `said ${primary}`,
        verdict: primary,
      },
    ],
    ...(lag ? { lag } : {}),
    lagDetail: lag ? 'the DR instance is a little behind' : 'the lag is unknown',
  };
}

/** A healthy-by-default auto pair whose primary is down with a known lag: each case changes one thing. */
function facts(
  change: Omit<Partial<FailoverFacts>, 'policy'> & { policy?: Record<string, unknown> } = {},
): FailoverFacts {
  const { policy, ...rest } = change;
  return {
    pair: 'ledger-pg',
    policy: FailoverPolicySchema.parse({ mode: 'auto', maxLagMb: 16, ...policy }),
    observation: observed('down', { mb: 1 }),
    now: NOW,
    brake: { engaged: false, recent: [] },
    maxAutomaticFailoversPerHour: 2,
    ...rest,
  };
}

describe('the failover rules, for each answer of the observers', () => {
  it.each([
    ['down, lag within budget', facts(), 'failover-requested', undefined],
    [
      'up',
      facts({ observation: observed('up', { mb: 1 }) }),
      'declined',
      'the primary is up, so no failover',
    ],
    [
      'unknown',
      facts({ observation: observed('unknown', { mb: 1 }) }),
      'needs-approval',
      'unknown is not down',
    ],
    [
      'down, but the pair is at risk of split brain',
      facts({ atRisk: { member: 'old' } }),
      'blocked',
      'at risk of split brain',
    ],
    [
      'up, and at risk',
      facts({ atRisk: { member: 'old' }, observation: observed('up') }),
      'blocked',
      'at risk',
    ],
    [
      'down, in a cooldown no one acknowledged',
      facts({ lastAutomaticFailoverAt: minutesAgo(10) }),
      'blocked',
      'cooldown',
    ],
    [
      'down, in a cooldown a person acknowledged',
      facts({ lastAutomaticFailoverAt: minutesAgo(10), acknowledgedAt: minutesAgo(5) }),
      'failover-requested',
      undefined,
    ],
    [
      'down, after the cooldown',
      facts({ lastAutomaticFailoverAt: minutesAgo(61) }),
      'failover-requested',
      undefined,
    ],
    [
      'down, in approve mode',
      facts({ policy: { mode: 'approve' } }),
      'needs-approval',
      'failover mode is approve',
    ],
    [
      'down, lag over budget',
      facts({ observation: observed('down', { mb: 40 }) }),
      'needs-approval',
      'over the budget of 16 MB',
    ],
    [
      'down, the budgeted lag unreadable',
      facts({ observation: observed('down', { seconds: 1 }) }),
      'needs-approval',
      'could not be read',
    ],
    [
      'down, no lag, a known lag required (the default)',
      facts({ policy: { maxLagMb: undefined }, observation: observed('down') }),
      'needs-approval',
      'requires a known lag',
    ],
    [
      'down, no lag, a known lag not required',
      facts({ policy: { maxLagMb: undefined, requireKnownLag: false }, observation: observed('down') }),
      'failover-requested',
      undefined,
    ],
    [
      'down, the brake engaged',
      facts({ brake: { engaged: true, reason: 'by ada', recent: [] } }),
      'needs-approval',
      'brake is engaged',
    ],
    [
      'down, the hourly limit reached',
      facts({ brake: { engaged: false, recent: [minutesAgo(5), minutesAgo(20)] } }),
      'needs-approval',
      'reached the limit of 2',
    ],
    [
      'down, the hourly limit reached only by failovers older than an hour',
      facts({ brake: { engaged: false, recent: [minutesAgo(65), minutesAgo(90)] } }),
      'failover-requested',
      undefined,
    ],
    [
      'down, dry-run mode',
      facts({ policy: { mode: 'dry-run' } }),
      'dry-run',
      'would promote the standby now',
    ],
    [
      'unknown, dry-run mode',
      facts({ policy: { mode: 'dry-run' }, observation: observed('unknown', { mb: 1 }) }),
      'dry-run',
      'would wait for an approval',
    ],
  ])('%s: %s', (_case, given, outcome, phrase) => {
    const verdict = decideFailover(given);
    expect(verdict.outcome).toBe(outcome);
    if (phrase) expect(verdict.reason).toContain(phrase);
  });

  it('asks two people when data may be lost, and says every reason a person decides', () => {
    const verdict = decideFailover(
      facts({ policy: { mode: 'approve' }, observation: observed('unknown', { mb: 40 }) }),
    );
    expect(verdict).toMatchObject({ outcome: 'needs-approval', dataLoss: true });
    expect(verdict.reason).toContain('could not be confirmed down');
    expect(verdict.reason).toContain('failover mode is approve');
    expect(verdict.reason).toContain('over the budget of 16 MB');
  });

  it('counts the failover it requests, forgetting those older than an hour', () => {
    const verdict = decideFailover(
      facts({ brake: { engaged: false, recent: [minutesAgo(90), minutesAgo(30)] } }),
    );
    expect(verdict).toMatchObject({
      outcome: 'failover-requested',
      recent: [minutesAgo(30), NOW.toISOString()],
    });
  });

  it('engages the brake when the limit is reached, with the failovers that reached it', () => {
    const verdict = decideFailover(
      facts({ brake: { engaged: false, recent: [minutesAgo(5), minutesAgo(20)] } }),
    );
    expect(verdict).toMatchObject({
      outcome: 'needs-approval',
      dataLoss: false,
      engageBrake: {
        reason: '2 automatic failovers within an hour (limit 2)',
        recent: [minutesAgo(5), minutesAgo(20)],
      },
    });
  });
});
