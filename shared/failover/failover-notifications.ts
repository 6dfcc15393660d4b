import type { Brake, PairFailoverState } from '../domain/decision.js';
import {
  type BrakeNotification,
  CHAT_COMMAND,
  type PairAcknowledgedNotification,
  type SuppressedAlertsNotification,
} from '../notify/notifier.js';
import type { UnroutedWindow } from '../store/failover-store.js';

/** The reason a person gave, or a plain statement that they gave none: silence must not read as a reason. */
const reasonText = (reason: string | undefined) => (reason ? `Reason: "${reason}".` : 'No reason given.');

/** What an acknowledgement changed, in the words the on-call channel reads. */
export interface AcknowledgementFacts {
  before: PairFailoverState;
  after: PairFailoverState;
  by: string;
  /** A cooldown was in force, so alerts may fail the pair over on their own again. */
  endedCooldown: boolean;
  /** The person said the unfenced old primary is out of service, ending its split-brain risk. */
  endedRisk: boolean;
  reason?: string;
}

function acknowledgementDetail({ before, endedCooldown, endedRisk }: AcknowledgementFacts): string {
  const pair = before.pair;
  const parts = [
    endedCooldown
      ? `the cooldown after its automatic failover at ${before.lastAutomaticFailoverAt} is over, so alerts may fail ${pair} over on their own again`
      : `no cooldown was in force on ${pair}`,
  ];
  if (endedRisk)
    parts.push(`${before.atRisk?.member} is declared out of service, so the split-brain risk is over`);
  else if (before.atRisk)
    parts.push(`${pair} is still at risk of split brain: ${before.atRisk.member} is not fenced`);
  return parts.join('; ');
}

/** A person acknowledged a pair: who, which pair, what it re-armed, and the reason they gave. */
export function acknowledgementNotification(facts: AcknowledgementFacts): PairAcknowledgedNotification {
  const { after, by, reason } = facts;
  const detail = acknowledgementDetail(facts);
  return {
    // One id per acknowledgement: the pair state's version moves with each.
    id: `${after.pair}:ack:${after.version}`,
    type: 'pair.acknowledged',
    at: after.acknowledgedAt ?? new Date().toISOString(),
    text: `${by} acknowledged ${after.pair}: ${detail}. ${reasonText(reason)}`,
    nextAction: `If this was not expected, \`${CHAT_COMMAND} brake on\` stops automatic failover everywhere.`,
    acknowledgement: {
      pair: after.pair,
      by,
      rearmed: [
        ...(facts.endedCooldown ? (['cooldown'] as const) : []),
        ...(facts.endedRisk ? (['split-brain-risk'] as const) : []),
      ],
      detail,
      ...(reason ? { reason } : {}),
    },
  };
}

/** The brake was engaged or released: by whom (a person, or Switchyard at the hourly limit), and why. */
export function brakeNotification(
  brake: Brake,
  change: { by: string; automatic: boolean; reason?: string },
): BrakeNotification {
  const { by, automatic, reason } = change;
  const text = brake.engaged
    ? `Brake engaged by ${by}: no automatic failover anywhere; every alert's promotion waits for a person. ${automatic ? `Switchyard engaged it: ${reason}.` : reasonText(reason)}`
    : `Brake released by ${by}: automatic failover is armed again everywhere, its hourly count from zero. ${reasonText(reason)}`;
  return {
    // One id per change: the brake's version moves with each.
    id: `brake:${brake.version}`,
    type: 'brake',
    at: brake.changedAt ?? new Date().toISOString(),
    text,
    nextAction: brake.engaged
      ? `Once failovers may run on their own again, an admin releases it: \`${CHAT_COMMAND} brake off\`.`
      : `If this was not expected, \`${CHAT_COMMAND} brake on\` stops automatic failover again.`,
    brake: { change: brake.engaged ? 'engaged' : 'released', by, automatic, ...(reason ? { reason } : {}) },
  };
}

/** The unrouted alerts of one source and window past the announcement limit, told as one summary. */
export function suppressedAlertsNotification(
  window: UnroutedWindow,
  limit: number,
  windowMs: number,
  at: Date,
): SuppressedAlertsNotification {
  const { source, start } = window;
  const count = window.count - limit;
  const until = new Date(Date.parse(start) + windowMs).toISOString();
  return {
    // One summary per source and window: a receiver drops a repeat by it.
    id: `unrouted:${source}:${start}`,
    type: 'alerts.suppressed',
    at: at.toISOString(),
    text: `…and ${count} more unrouted alert${count === 1 ? '' : 's'} from ${source} between ${start} and ${until}, recorded but not announced: at most ${limit} unrouted alerts per source are announced every ${windowMs / 60_000} minutes.`,
    nextAction: `\`GET /v1/decisions\` lists them. If they are about a pair, add an alerting.routes entry; if no one should be sending them, rotate the ${source} credential.`,
    suppressed: { source, count, limit, from: start, until },
  };
}
