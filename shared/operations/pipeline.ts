import type { PairConfig } from '../config/config-schema.js';
import type { Operation } from '../domain/operation.js';
import type { OperationInput } from '../providers/provider.js';

/**
 * Longer than a function that takes requests runs (29 s): a submission or a lock left this long by the
 * request that made it was abandoned, and the poller or the next request may take it up.
 */
export const OUTLIVES_A_REQUEST_MS = 60_000;

/**
 * Longer than any Switchyard function runs (the poller's 120 s): a change still untold this long after it was
 * written lost its writer, and the poller tells it.
 */
export const OUTLIVES_ANY_FUNCTION_MS = 150_000;

/** The lock name for a pair: one active operation per pair. */
export function pairLock(pair: PairConfig | string): string {
  return `pair:${typeof pair === 'string' ? pair : pair.name}`;
}

/** What a driver needs of an operation to submit or follow its current phase. */
export function inputOf(operation: Operation): OperationInput {
  return { kind: operation.kind, target: operation.target, params: operation.params, phase: operation.phase };
}

/** When the current phase began being submitted: the time of the last move into SUBMITTING. */
export function phaseStartedAt(operation: Operation): string {
  return operation.events.findLast((e) => e.to === 'SUBMITTING')?.at ?? operation.createdAt;
}
