import { setMaxListeners } from 'node:events';
import type { Context } from 'aws-lambda';

/** Ends before the Lambda does, so an in-flight provider call is cancelled and its outcome recorded. */
export const TIMEOUT_EARLY_MS = 1_000;

/** Time left after provider calls are cancelled, to record what was sent and answer before the handler ends. */
export const RECORD_MARGIN_MS = 1_000;

/**
 * The signal work is given: cancelled RECORD_MARGIN_MS before middy gives up on the handler, so a provider call
 * still waiting is recorded as ambiguous and answered, instead of the Lambda ending with nothing said.
 */
export function workSignal(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  signal: AbortSignal,
): AbortSignal {
  const left = context.getRemainingTimeInMillis?.();
  if (left === undefined || !Number.isFinite(left)) return signal;
  const work = AbortSignal.any([
    signal,
    AbortSignal.timeout(Math.max(0, left - TIMEOUT_EARLY_MS - RECORD_MARGIN_MS)),
  ]);
  // Every call the invocation makes at once listens on it (the poller's workers, an evaluation's pairs): not a leak.
  setMaxListeners(256, work);
  return work;
}
