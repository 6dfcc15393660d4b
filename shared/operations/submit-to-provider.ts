import type { Deps } from '../deps.js';
import { describeError, ProviderError } from '../domain/errors.js';
import type { Operation } from '../domain/operation.js';
import { transition } from '../domain/state-machine.js';
import type { CallOptions, OperationDriver } from '../providers/provider.js';
import { logger, operationKeys } from '../telemetry/logger.js';
import { recordWhatItLeft } from './end-operation.js';
import { afterFenceFailure, FENCE_STEP_ID, phaseDriver, phasesOf } from './fencing.js';
import { persistAndNotify } from './persist.js';
import { pairLock } from './pipeline.js';
import { recordProtection } from './protection.js';
import { verifyPromotion } from './verify-promotion.js';

/**
 * A fence that did not take, recorded: under `required` with the primary not reported down the operation ends
 * FAILED with nothing promoted; otherwise it goes on to the next phase, or ends if the fence came last.
 */
export async function continueAfterFenceFailure(
  deps: Deps,
  operation: Operation,
  driver: OperationDriver,
  reason: string,
  actor: string,
  options: CallOptions = {},
): Promise<Operation> {
  const at = deps.now().toISOString();
  const { goOn, fencing } = afterFenceFailure(operation, reason);
  // The fence step people saw planned says what came of it.
  operation = {
    ...operation,
    steps: operation.steps.map((s) =>
      s.id === FENCE_STEP_ID ? { ...s, status: goOn ? 'skipped' : 'failed', message: fencing.detail } : s,
    ),
  };
  if (!goOn) {
    const saved = await persistAndNotify(
      deps,
      transition(
        operation,
        'FAILED',
        { at, actor, message: `not promoted: ${fencing.detail}` },
        { fencing, outcome: `not promoted: ${fencing.detail} [fencing.required]` },
      ),
    );
    await deps.store.releaseLock(pairLock(operation.pair), operation.id);
    return saved;
  }
  // The fence came last: the promotion is done, and its result is confirmed (or not) like any other's.
  if (operation.phase + 1 >= phasesOf(driver, operation))
    return verifyPromotion(
      deps,
      { ...operation, fencing },
      driver,
      { actor, message: `promoted; ${fencing.detail}` },
      options,
    );
  const next = await persistAndNotify(deps, {
    ...operation,
    fencing,
    phase: operation.phase + 1,
    job: undefined,
    jobs: operation.job ? [...operation.jobs, operation.job] : operation.jobs,
    submission: { attempts: 0, ambiguous: false },
    updatedAt: at,
    events: [...operation.events, { at, actor, type: 'submission', message: `${fencing.detail}; promoting` }],
  });
  return submitToProvider(deps, next, driver, options);
}

/**
 * Sends a SUBMITTING operation's current phase to its provider once. A definite refusal ends it FAILED; an answer
 * we did not get (timeout, reset, 5xx) leaves it SUBMITTING and marked ambiguous, so the poller asks the provider
 * what happened before anything is sent again. A fence phase that fails follows the pair's fencing policy.
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
  const phase = phaseDriver(driver, operation);
  try {
    const job = await phase.submit(options);
    const at = deps.now().toISOString();
    const next = transition(
      operation,
      'RUNNING',
      {
        at,
        actor: 'switchyard',
        message: `${phase.fence ? 'fence sent' : 'submitted'} to ${operation.provider} as job ${job.id}${job.name ? ` (${job.name})` : ''}`,
      },
      {
        job: { id: job.id, name: job.name, submittedAt: at, phase: operation.phase },
        submission: { ...submission, ambiguous: false },
      },
    );
    const saved = await persistAndNotify(deps, next);
    // A re-protection under way is the pair's protection until it ends.
    if (saved.kind === 'reprotect' && saved.phase === 0)
      await recordProtection(deps, saved.pair, {
        state: 'reprotecting',
        detail: `reprotect ${saved.id} is rebuilding DR in the direction ${saved.pair} stands now`,
        operationId: saved.id,
      }).catch((error) =>
        logger.warn('the re-protection under way could not be recorded yet', {
          scope: 'protection',
          ...operationKeys(saved),
          error: describeError(error),
        }),
      );
    return saved;
  } catch (error) {
    const at = deps.now().toISOString();
    const refused = error instanceof ProviderError && error.outcome === 'not-applied';
    // A fence with no clear answer is no fence: under `required` nothing is promoted, and the pair is not held
    // for an hour on a guess; the old primary may be fenced or not, which the operation says.
    if (phase.fence)
      return continueAfterFenceFailure(
        deps,
        { ...operation, submission: { ...submission, ambiguous: false, lastError: describeError(error) } },
        driver,
        refused
          ? `${operation.provider} refused: ${describeError(error)}`
          : `${operation.provider} did not answer (${describeError(error)}), so it may or may not have taken the fence: check it`,
        'switchyard',
        options,
      );
    if (refused) {
      const advice = phase.failureAdvice();
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
              refusedFor: error.refusedFor,
              providerCode: error.providerCode,
              providerMessage: error.providerMessage,
            },
          },
        },
      );
      const saved = await persistAndNotify(deps, next);
      await recordWhatItLeft(deps, saved);
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
