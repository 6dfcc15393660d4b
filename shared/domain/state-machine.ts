import { AppError } from './errors.js';
import type { AuditEvent, Operation, OperationState, Step } from './operation.js';
import { describeStepChanges } from './steps.js';

/** Every allowed state change, in one place. Terminal states have no way out. */
export const TRANSITIONS: Readonly<Record<OperationState, readonly OperationState[]>> = {
  PENDING_APPROVAL: ['SUBMITTING', 'CANCELLED', 'REJECTED', 'TIMED_OUT'],
  SUBMITTING: ['RUNNING', 'SUCCEEDED', 'UNVERIFIED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELLED'],
  // RUNNING -> SUBMITTING: the next phase of an operation of several phases is about to be sent.
  // RUNNING -> UNVERIFIED: the provider's job completed, and what it did could not be confirmed.
  RUNNING: ['SUBMITTING', 'SUCCEEDED', 'UNVERIFIED', 'FAILED', 'TIMED_OUT', 'CANCELLED'],
  SUCCEEDED: [],
  UNVERIFIED: [],
  FAILED: [],
  TIMED_OUT: [],
  CANCELLED: [],
  REJECTED: [],
};

/** States a new operation may start in. */
// CANCELLED: an alert's promotion that finds, on its last look, the primary up again or the alert resolved.
export const INITIAL_STATES: readonly OperationState[] = [
  'PENDING_APPROVAL',
  'SUBMITTING',
  'REJECTED',
  'CANCELLED',
];

export class InvalidTransitionError extends AppError {
  constructor(from: OperationState, to: OperationState) {
    super('invalid_transition', 409, `An operation in ${from} cannot move to ${to}.`);
  }
}

export function canTransition(from: OperationState, to: OperationState): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface ChangeContext {
  at: string;
  actor: string;
  message: string;
}

/** Moves an operation to a new state, recording the audit event. Returns a new object. */
export function transition(
  operation: Operation,
  to: OperationState,
  context: ChangeContext,
  changes: Partial<
    Pick<
      Operation,
      | 'job'
      | 'jobs'
      | 'phase'
      | 'steps'
      | 'outcome'
      | 'failedStep'
      | 'submission'
      | 'approval'
      | 'deadline'
      | 'findings'
      | 'fencing'
      | 'observation'
      | 'verification'
      | 'providerDoneAt'
      | 'recovery'
    >
  > = {},
): Operation {
  if (!canTransition(operation.state, to)) throw new InvalidTransitionError(operation.state, to);
  const event: AuditEvent = {
    at: context.at,
    actor: context.actor,
    type: 'state',
    from: operation.state,
    to,
    message: context.message,
  };
  return { ...operation, ...changes, state: to, updatedAt: context.at, events: [...operation.events, event] };
}

/** Records new provider progress without a state change; returns undefined when nothing changed. */
export function recordSteps(operation: Operation, steps: Step[], context: Omit<ChangeContext, 'message'>) {
  const message = describeStepChanges(operation.steps, steps);
  if (message === undefined) return undefined;
  const event: AuditEvent = { at: context.at, actor: context.actor, type: 'steps', message };
  return {
    ...operation,
    steps,
    updatedAt: context.at,
    events: [...operation.events, event],
  } satisfies Operation;
}
