import { describeError, ProviderError } from '../domain/errors.js';
import type { Operation } from '../domain/operation.js';
import { transition } from '../domain/state-machine.js';
import type { CallOptions, OperationDriver } from '../providers/provider.js';
import { type Deps, inputOf, pairLock } from './deps.js';
import { persistAndNotify } from './persist.js';

/**
 * Sends a SUBMITTING operation to its provider once. A definite refusal ends it FAILED; an answer we
 * did not get (timeout, reset, 5xx) leaves it SUBMITTING and marked ambiguous, so the poller asks the
 * provider what happened before anything is sent again.
 */
export async function submitToProvider(
  deps: Deps,
  operation: Operation,
  driver: OperationDriver,
  options: CallOptions = {},
): Promise<Operation> {
  const attemptAt = deps.now().toISOString();
  const submission = {
    ...operation.submission,
    attempts: operation.submission.attempts + 1,
    lastAttemptAt: attemptAt,
  };
  try {
    const job = await driver.submit(inputOf(operation), options);
    const at = deps.now().toISOString();
    const next = transition(
      operation,
      'RUNNING',
      {
        at,
        actor: 'switchyard',
        message: `submitted to ${operation.provider} as job ${job.id}${job.name ? ` (${job.name})` : ''}`,
      },
      {
        job: { id: job.id, name: job.name, submittedAt: at, phase: operation.phase },
        submission: { ...submission, ambiguous: false },
      },
    );
    return await persistAndNotify(deps, next);
  } catch (error) {
    const at = deps.now().toISOString();
    if (error instanceof ProviderError && error.outcome === 'not-applied') {
      const advice = driver.failureAdvice?.(inputOf(operation), operation.phase);
      const outcome = `${describeError(error)}${advice ? ` ${advice}` : ''}`;
      const next = transition(
        operation,
        'FAILED',
        { at, actor: 'switchyard', message: `${operation.provider} refused the request: ${outcome}` },
        {
          outcome,
          submission: {
            ...submission,
            ambiguous: false,
            lastError: describeError(error),
            refusal: {
              answerStatus: error.answerStatus,
              providerCode: error.providerCode,
              providerMessage: error.providerMessage,
            },
          },
        },
      );
      const saved = await persistAndNotify(deps, next);
      await deps.store.releaseLock(pairLock(operation.pair), operation.id);
      return saved;
    }
    const next: Operation = {
      ...operation,
      submission: { ...submission, ambiguous: true, lastError: describeError(error) },
      updatedAt: at,
      events: [
        ...operation.events,
        {
          at,
          actor: 'switchyard',
          type: 'submission',
          message: `no clear answer from ${operation.provider} (${describeError(error)}); will ask it for the job before any retry`,
        },
      ],
    };
    return persistAndNotify(deps, next);
  }
}
