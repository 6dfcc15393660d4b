import * as z from 'zod';
import type { Decision } from '../domain/decision.js';
import {
  AuditEventSchema,
  isTerminal,
  type Operation,
  OperationKindSchema,
  OperationStateSchema,
  PrincipalSchema,
  ProviderNameSchema,
  SourceSchema,
  TriggerSchema,
} from '../domain/operation.js';
import { describeRecovery, RecoverySchema } from '../domain/recovery.js';
import { countSteps, summarizeSteps } from '../domain/steps.js';

/**
 * What people are told about one change of an operation. Also the signed generic webhook's JSON body and
 * the SNS message, so every channel carries the same facts; documented in the OpenAPI document's webhooks.
 */
export const OperationNotificationSchema = z.object({
  /** Unique per change: receivers can drop a redelivery by it. */
  id: z.string(),
  type: z.enum(['operation.state', 'operation.progress']),
  at: z.string(),
  /** The whole change in one line, for logs, e-mail subjects and pagers. */
  text: z.string(),
  /** What a person can do now, in one sentence. */
  nextAction: z.string(),
  operation: z.object({
    id: z.string(),
    kind: OperationKindSchema,
    provider: ProviderNameSchema,
    pair: z.string(),
    state: OperationStateSchema,
    requestedBy: PrincipalSchema,
    source: SourceSchema,
    trigger: TriggerSchema.optional(),
    reason: z.string().optional(),
    /** "3/10 done, running: Switch primary tenant to standby". */
    progress: z.string(),
    stepCounts: z.object({ done: z.number(), running: z.number(), waiting: z.number(), failed: z.number() }),
    steps: z.array(z.object({ name: z.string(), status: z.string() })),
    /** Why it ended the way it did; on failure, the reason. */
    outcome: z.string().optional(),
    failedStep: z.string().optional(),
    job: z.string().optional(),
    approval: z
      .object({ approversNeeded: z.number(), approvedBy: z.array(z.string()), reason: z.string() })
      .optional(),
    /** A promotion or switchover's end: its timeline, RTO and RPO. */
    recovery: RecoverySchema.optional(),
  }),
  event: AuditEventSchema,
});
export type OperationNotification = z.infer<typeof OperationNotificationSchema>;

/** What people are told about a decision on an alert. Also a generic webhook body. */
export const DecisionNotificationSchema = z.object({
  id: z.string(),
  type: z.literal('decision'),
  at: z.string(),
  text: z.string(),
  nextAction: z.string(),
  decision: z.object({
    id: z.string(),
    pair: z.string().optional(),
    outcome: z.string(),
    reason: z.string(),
    alert: z.object({
      source: z.string(),
      name: z.string(),
      status: z.string(),
      fingerprint: z.string(),
      startsAt: z.string(),
    }),
  }),
});
export type DecisionNotification = z.infer<typeof DecisionNotificationSchema>;

/**
 * What people are told when a pair is at risk of split brain (its old primary promoted over but not fenced), and
 * when that ends: fenced by Switchyard, or acknowledged by a person.
 */
export const PairRiskNotificationSchema = z.object({
  id: z.string(),
  type: z.literal('pair.risk'),
  at: z.string(),
  text: z.string(),
  nextAction: z.string(),
  pair: z.object({
    name: z.string(),
    risk: z.enum(['split-brain', 'fenced', 'acknowledged']),
    /** The old primary not yet fenced. */
    member: z.string(),
    operationId: z.string(),
    detail: z.string(),
  }),
});
export type PairRiskNotification = z.infer<typeof PairRiskNotificationSchema>;

/** What people are told when a person acknowledges a pair: who, which pair, what it re-armed, and why. */
export const PairAcknowledgedNotificationSchema = z.object({
  id: z.string(),
  type: z.literal('pair.acknowledged'),
  at: z.string(),
  text: z.string(),
  nextAction: z.string(),
  acknowledgement: z.object({
    pair: z.string(),
    by: z.string(),
    /** What automatic failover may do again: fail over after a cooldown, or at all once a split-brain risk ends. */
    rearmed: z.array(z.enum(['cooldown', 'split-brain-risk'])),
    detail: z.string(),
    reason: z.string().optional(),
  }),
});
export type PairAcknowledgedNotification = z.infer<typeof PairAcknowledgedNotificationSchema>;

/** What people are told when a person says which member of a pair is its primary: who, which member, and why. */
export const PairRolesNotificationSchema = z.object({
  id: z.string(),
  type: z.literal('pair.roles'),
  at: z.string(),
  text: z.string(),
  nextAction: z.string(),
  roles: z.object({ pair: z.string(), primary: z.string(), by: z.string(), reason: z.string() }),
});
export type PairRolesNotification = z.infer<typeof PairRolesNotificationSchema>;

/** What people are told when a pair's readiness or protection changes, and again while it stays unprotected. */
export const PairConditionNotificationSchema = z.object({
  id: z.string(),
  type: z.literal('pair.condition'),
  at: z.string(),
  text: z.string(),
  nextAction: z.string(),
  condition: z.object({
    pair: z.string(),
    aspect: z.enum(['readiness', 'protection']),
    state: z.string(),
    previous: z.string().nullable(),
    since: z.string(),
    /** Each check that did not pass, or why the pair is not protected. */
    reasons: z.array(z.string()),
    /** Said again at the reminder interval while the state lasts. */
    reminder: z.boolean(),
  }),
});
export type PairConditionNotification = z.infer<typeof PairConditionNotificationSchema>;

/** What people are told when the global brake is engaged or released, by a person or by Switchyard itself. */
export const BrakeNotificationSchema = z.object({
  id: z.string(),
  type: z.literal('brake'),
  at: z.string(),
  text: z.string(),
  nextAction: z.string(),
  brake: z.object({
    change: z.enum(['engaged', 'released']),
    by: z.string(),
    /** Engaged by Switchyard at the hourly limit of automatic failovers, not by a person. */
    automatic: z.boolean(),
    reason: z.string().optional(),
  }),
});
export type BrakeNotification = z.infer<typeof BrakeNotificationSchema>;

/** What people are told instead of the unrouted alerts from one source past the limit of one window. */
export const SuppressedAlertsNotificationSchema = z.object({
  id: z.string(),
  type: z.literal('alerts.suppressed'),
  at: z.string(),
  text: z.string(),
  nextAction: z.string(),
  suppressed: z.object({
    source: z.string(),
    count: z.number().int(),
    limit: z.number().int(),
    from: z.string(),
    until: z.string(),
  }),
});
export type SuppressedAlertsNotification = z.infer<typeof SuppressedAlertsNotificationSchema>;

export const NotificationSchema = z.discriminatedUnion('type', [
  OperationNotificationSchema,
  DecisionNotificationSchema,
  PairRiskNotificationSchema,
  PairAcknowledgedNotificationSchema,
  PairRolesNotificationSchema,
  PairConditionNotificationSchema,
  BrakeNotificationSchema,
  SuppressedAlertsNotificationSchema,
]);
export type Notification = z.infer<typeof NotificationSchema>;

/** The port: tells people about a change. Implementations must not throw for delivery problems. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** The slash command people use; named in next actions so they can be pasted. */
export const CHAT_COMMAND = '/switchyard';

/** What a person can do about an operation in its current state. */
export function nextActionFor(operation: Operation): string {
  const { id, pair, state } = operation;
  // A drill sends nothing to a provider itself: its outcome says where its legs left the pair.
  if (operation.kind === 'drill' && isTerminal(state))
    return state === 'SUCCEEDED'
      ? 'Nothing to do.'
      : `Read the outcome above: it says whether the pair stands switched over. \`${CHAT_COMMAND} status ${pair}\` shows the legs; fix the cause before the next drill.`;
  switch (state) {
    case 'PENDING_APPROVAL': {
      const approval = operation.approval;
      const missing = (approval?.approversNeeded ?? 1) - (approval?.approvals.length ?? 0);
      return `Needs ${missing} more approver${missing === 1 ? '' : 's'} (not the requester): \`${CHAT_COMMAND} approve ${id}\` or \`${CHAT_COMMAND} reject ${id}\`, before ${operation.deadline}.`;
    }
    case 'SUBMITTING':
    case 'RUNNING':
      return `Nothing to do; follow it with \`${CHAT_COMMAND} status ${id}\`.`;
    case 'SUCCEEDED':
      return operation.source === 'alert'
        ? `Check the application on the new primary, then \`${CHAT_COMMAND} ack ${pair}\` to end the failover cooldown.`
        : 'Nothing to do.';
    case 'UNVERIFIED':
      return `Needs attention: the provider says the ${operation.kind} is done, but Switchyard could not confirm what is named above. Check that the new primary takes writes and the old one cannot before sending traffic; \`${CHAT_COMMAND} pairs\` shows whether ${pair} is at risk, and \`${CHAT_COMMAND} ack ${pair}\` (which also re-arms automatic failover) says it was looked at.`;
    case 'FAILED':
      return `Look at ${operation.job ? `provider job ${operation.job.id}` : 'the provider console'}${operation.failedStep ? ` (step "${operation.failedStep}")` : ''}; once the cause is fixed, ask again.`;
    case 'TIMED_OUT':
      return `The provider job${operation.job ? ` ${operation.job.id}` : ''} did not finish in time: check it on the provider's console before asking again.`;
    case 'REJECTED':
      return 'Nothing was sent to the provider. Address the reason above, then ask again.';
    case 'CANCELLED':
      return 'Nothing was sent to the provider. Ask again if it is still needed.';
  }
}

/** The state an operation was in just after its audit event number `eventNumber` (from 1). */
function stateAfter(operation: Operation, eventNumber: number) {
  return operation.events.slice(0, eventNumber).findLast((e) => e.to !== undefined)?.to ?? operation.state;
}

/**
 * Builds the notification for one audit event of an operation (numbered from 1; the newest by default). An
 * older event told late carries the state it led to; the steps are the operation's current ones.
 */
export function notificationFor(
  current: Operation,
  eventNumber = current.events.length,
): OperationNotification {
  const event = current.events[eventNumber - 1] as (typeof current.events)[number];
  const operation = { ...current, state: stateAfter(current, eventNumber) };
  const progress = summarizeSteps(operation.steps);
  const head = `${operation.kind} on ${operation.pair} (${operation.id})${operation.trigger ? ` [alert "${operation.trigger.name}"]` : ''}`;
  // The end of a promotion or switchover says how long recovery took and what it may have lost.
  const recovery =
    operation.recovery && eventNumber === current.events.length && isTerminal(current.state)
      ? operation.recovery
      : undefined;
  const measured = recovery ? ` ${describeRecovery(recovery)}.` : '';
  const text =
    event.type === 'state' || event.type === 'created'
      ? `${head}: ${event.from ? `${event.from} -> ` : ''}${operation.state}. ${event.message}${operation.steps.length > 0 ? ` [${progress}]` : ''}${measured}`
      : `${head}: ${event.message} [${progress}]`;
  return {
    id: `${operation.id}:${eventNumber}`,
    // A verification round is progress: the state is told when it ends.
    type: event.type === 'steps' || event.type === 'verification' ? 'operation.progress' : 'operation.state',
    at: event.at,
    text,
    nextAction: nextActionFor(operation),
    operation: {
      id: operation.id,
      kind: operation.kind,
      provider: operation.provider,
      pair: operation.pair,
      state: operation.state,
      requestedBy: operation.requestedBy,
      source: operation.source,
      trigger: operation.trigger,
      reason: operation.reason,
      progress,
      stepCounts: countSteps(operation.steps),
      steps: operation.steps.map((s) => ({ name: s.name, status: s.status })),
      outcome: operation.outcome,
      failedStep: operation.failedStep,
      job: operation.job?.id,
      approval: operation.approval && {
        approversNeeded: operation.approval.approversNeeded,
        approvedBy: operation.approval.approvals.map((a) => a.principal),
        reason: operation.approval.reason,
      },
      ...(recovery ? { recovery } : {}),
    },
    event,
  };
}

const DECISION_NEXT_ACTION: Record<Decision['outcome'], (d: Decision) => string> = {
  holding: () => 'Nothing yet: it is decided when the hold-off ends, unless the alert resolves first.',
  unrouted: () => 'Add an alerting.routes entry if this alert is about a pair.',
  ignored: () => 'Nothing: failover is off for this pair.',
  cancelled: () => 'Nothing: the alert resolved.',
  notified: (d) => `Decide yourself: \`${CHAT_COMMAND} promote ${d.pair}\` fails it over.`,
  'dry-run': () => 'Nothing was done (dry-run mode).',
  suppressed: (d) => `Follow the operation running on the pair: \`${CHAT_COMMAND} status ${d.pair}\`.`,
  declined: (d) =>
    d.pairConfigured === false
      ? `Nothing Switchyard can do: ${d.pair} is no longer in its config. If it still needs a failover, do it in the provider's console.`
      : `Check the primary yourself; \`${CHAT_COMMAND} promote ${d.pair}\` fails it over if it really is down.`,
  blocked: (d) =>
    `If the pair is healthy again, \`${CHAT_COMMAND} ack ${d.pair}\` ends the cooldown; \`${CHAT_COMMAND} promote ${d.pair}\` fails it over by hand.`,
  'needs-approval': (d) =>
    `A promotion waits for approval: \`${CHAT_COMMAND} status ${d.pair}\` shows it, then approve or reject it.`,
  'failover-requested': (d) => `Follow it with \`${CHAT_COMMAND} status ${d.pair}\`.`,
};

/** The notification for a decision's newest version. */
export function decisionNotificationFor(d: Decision): DecisionNotification {
  return {
    id: `${d.id}:${d.version}`,
    type: 'decision',
    at: d.updatedAt,
    text: `alert "${d.alert.name}" (${d.alert.source}, ${d.alert.status})${d.pair ? ` on ${d.pair}` : ''}: ${d.outcome}. ${d.reason}`,
    nextAction: DECISION_NEXT_ACTION[d.outcome](d),
    decision: {
      id: d.id,
      pair: d.pair,
      outcome: d.outcome,
      reason: d.reason,
      alert: {
        source: d.alert.source,
        name: d.alert.name,
        status: d.alert.status,
        fingerprint: d.alert.fingerprint,
        startsAt: d.alert.startsAt,
      },
    },
  };
}
