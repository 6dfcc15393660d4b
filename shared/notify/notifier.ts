import type { AuditEvent, Operation } from '../domain/operation.js';
import { summarizeSteps } from '../domain/steps.js';

/** What people are told about one change of an operation. Also the generic webhook's JSON body. */
export interface OperationNotification {
  /** Unique per change: receivers can drop a redelivery by it. */
  id: string;
  type: 'operation.state' | 'operation.progress';
  at: string;
  text: string;
  operation: {
    id: string;
    kind: Operation['kind'];
    provider: Operation['provider'];
    pair: string;
    state: Operation['state'];
    requestedBy: Operation['requestedBy'];
    source: Operation['source'];
    trigger?: Operation['trigger'];
    reason?: string;
    progress: string;
    steps: { name: string; status: string }[];
    outcome?: string;
    failedStep?: string;
    job?: string;
  };
  event: AuditEvent;
}

/** What people are told about a decision on an alert. Also a generic webhook body. */
export interface DecisionNotification {
  id: string;
  type: 'decision';
  at: string;
  text: string;
  decision: {
    id: string;
    pair?: string;
    outcome: string;
    reason: string;
    alert: { source: string; name: string; status: string; fingerprint: string; startsAt: string };
  };
}

export type Notification = OperationNotification | DecisionNotification;

/** The port: tells people about a change. Implementations must not throw for delivery problems. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** Builds the notification for the newest audit event of an operation. */
export function notificationFor(operation: Operation): OperationNotification {
  const event = operation.events.at(-1) as AuditEvent;
  const progress = summarizeSteps(operation.steps);
  const head = `${operation.kind} on ${operation.pair} (${operation.id})${operation.trigger ? ` [alert "${operation.trigger.name}"]` : ''}`;
  const text =
    event.type === 'state' || event.type === 'created'
      ? `${head}: ${event.from ? `${event.from} -> ` : ''}${operation.state}. ${event.message}${operation.steps.length > 0 ? ` [${progress}]` : ''}`
      : `${head}: ${event.message} [${progress}]`;
  return {
    id: `${operation.id}:${operation.events.length}`,
    type: event.type === 'steps' ? 'operation.progress' : 'operation.state',
    at: event.at,
    text,
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
      steps: operation.steps.map((s) => ({ name: s.name, status: s.status })),
      outcome: operation.outcome,
      failedStep: operation.failedStep,
      job: operation.job?.id,
    },
    event,
  };
}
