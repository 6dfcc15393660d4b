import type { Deps } from '../deps.js';
import { describeError, StaleWriteError } from '../domain/errors.js';
import { isTerminal, type Operation } from '../domain/operation.js';
import { recordSteps, transition } from '../domain/state-machine.js';
import { mergeSteps, summarizeSteps } from '../domain/steps.js';
import type { CallOptions } from '../providers/provider.js';
import { endOperation } from './end-operation.js';
import { fenceStepLast, phaseDriver, phasesOf } from './fencing.js';
import { followedUp, followUpSoon } from './follow-up.js';
import { changesRoles, recordRoles } from './pair-roles.js';
import { persistAndNotify, tellUntold } from './persist.js';
import { OUTLIVES_A_REQUEST_MS, pairLock, phaseStartedAt } from './pipeline.js';
import { continueAfterFenceFailure, submitToProvider } from './submit-to-provider.js';
import { verifyPromotion } from './verify-promotion.js';

/** A provider's words ended as a sentence, so what Switchyard adds after them reads as the next one. */
function asSentence(text: string): string {
  return /[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

export type AdvanceResult = 'unchanged' | 'progressed' | 'finished' | 'skipped';

/** How the poller advances an operation of a kind no provider driver follows (a drill, made of other operations). */
export type Advancer = (deps: Deps, operation: Operation, options: CallOptions) => Promise<AdvanceResult>;
export type Advancers = Partial<Record<Operation['kind'], Advancer>>;

/** One poller step for one active operation: ask the provider, move the state, persist, notify. */
export async function advanceOperation(
  deps: Deps,
  operation: Operation,
  options: CallOptions = {},
  advancers: Advancers = {},
): Promise<AdvanceResult> {
  const now = deps.now();
  const lock = pairLock(operation.pair);
  try {
    // A change whose writer died before announcing it is told first, so people hear changes in order.
    await tellUntold(deps, operation, now);
    const own = advancers[operation.kind];
    if (own) return await own(deps, operation, options);
    if (operation.kind === 'drill') return 'skipped';
    const overdue = now.getTime() > Date.parse(operation.deadline);
    const timeOut = async () => {
      const job = operation.job
        ? ` Provider job ${operation.job.id} may still be running: check it before acting again.`
        : '';
      await finish(
        deps,
        transition(
          operation,
          'TIMED_OUT',
          {
            at: now.toISOString(),
            actor: 'poller',
            message: `no result by the deadline ${operation.deadline}.${job}`,
          },
          { outcome: `timed out at ${summarizeSteps(operation.steps)}.${job}` },
        ),
      );
      return 'finished' as const;
    };
    // The job is done and its result is being confirmed: verification has its own window, inside the deadline.
    if (operation.state === 'RUNNING' && operation.verification?.state === 'verifying') {
      const driver = deps.providers.get(operation.provider)?.operations[operation.kind];
      if (!driver) return 'skipped';
      await renewLockIfDue(deps, lock, operation.id, now);
      const next = await verifyPromotion(deps, operation, driver, { actor: 'poller' }, options);
      return next === operation ? 'unchanged' : isTerminal(next.state) ? 'finished' : 'progressed';
    }
    if (overdue) {
      // An approval no one gave ends the operation; nothing was ever sent to the provider.
      if (operation.state === 'PENDING_APPROVAL') {
        await finish(
          deps,
          transition(
            operation,
            'CANCELLED',
            {
              at: now.toISOString(),
              actor: 'poller',
              message: `no approval by ${operation.deadline}; nothing was sent`,
            },
            { outcome: `approval expired at ${operation.deadline}` },
          ),
        );
        return 'finished';
      }
      // A job the provider may have finished is asked about once more below: a promotion that completed while
      // the poller was away is a promotion, with its roles recorded, not a time-out.
      if (operation.state !== 'RUNNING' || !operation.job) return await timeOut();
    }

    const provider = deps.providers.get(operation.provider);
    const driver = provider?.operations[operation.kind];
    if (!provider || !driver) return 'skipped';

    if (operation.state === 'SUBMITTING') {
      // The request that created it may still be talking to the provider.
      if (now.getTime() - Date.parse(operation.updatedAt) < OUTLIVES_A_REQUEST_MS) return 'skipped';
      // Taken up by one advancer only (a follow-up, its duplicate, the sweep): a conditional write claims this
      // attempt before the provider is asked or sent anything, and its new time keeps the others away meanwhile.
      operation = { ...operation, updatedAt: now.toISOString(), version: operation.version + 1 };
      await deps.store.update(operation);
      const found = await phaseDriver(driver, operation).findSubmitted(phaseStartedAt(operation), options);
      if (found) {
        const at = deps.now().toISOString();
        await persistAndNotify(
          deps,
          transition(
            operation,
            'RUNNING',
            {
              at,
              actor: 'poller',
              message: `found job ${found.id} on ${operation.provider}: the earlier submission did arrive`,
            },
            {
              job: { id: found.id, name: found.name, submittedAt: at, phase: operation.phase },
              submission: { ...operation.submission, ambiguous: false },
            },
          ),
        );
        return 'progressed';
      }
      // The provider has no job for it, so sending it (again) cannot run it twice.
      const next = await submitToProvider(deps, operation, driver, options);
      return next.state === 'SUBMITTING' ? 'unchanged' : 'progressed';
    }

    if (operation.state !== 'RUNNING' || !operation.job) return 'skipped';
    await renewLockIfDue(deps, lock, operation.id, now);
    const phase = phaseDriver(driver, operation);
    let job: Awaited<ReturnType<typeof phase.followJob>>;
    try {
      job = await phase.followJob(operation.job, options);
    } catch (error) {
      // Past the deadline a provider that cannot say ends the wait; before it, the next tick asks again.
      if (overdue) return await timeOut();
      throw error;
    }
    if (overdue && job.status === 'running') return await timeOut();
    const at = deps.now().toISOString();
    const steps = fenceStepLast(mergeSteps(operation.steps, job.steps), operation.fencing);
    if (job.status === 'running') {
      const next = recordSteps(operation, steps, { at, actor: 'poller' });
      if (!next) return 'unchanged';
      await persistAndNotify(deps, next);
      return 'progressed';
    }
    if (phase.fence && job.status === 'failed') {
      await continueAfterFenceFailure(
        deps,
        { ...operation, steps },
        driver,
        job.message ?? 'the fence failed',
        'poller',
        options,
      );
      return 'progressed';
    }
    // A fence that held is recorded before anything else happens: people see the old primary is fenced.
    const fencing =
      phase.fence && operation.fencing
        ? {
            ...operation.fencing,
            state: 'fenced' as const,
            detail: `${operation.fencing.member} is fenced: ${operation.fencing.mechanism}`,
            at,
          }
        : operation.fencing;
    const phases = phasesOf(driver, operation);
    // The provider made the standby the primary: recorded first, so every later operation acts on the pair as it
    // stands even if this operation's own write is lost and retried.
    const roles =
      job.status === 'succeeded' && !phase.fence && changesRoles(operation.kind)
        ? await recordRoles(deps, operation)
        : undefined;
    const rolesNote = roles ? `; ${roles}` : '';
    // When the provider said the promotion itself was done: a mark of the run's timeline.
    const providerDoneAt =
      job.status === 'succeeded' && !phase.fence && changesRoles(operation.kind)
        ? at
        : operation.providerDoneAt;
    if (job.status === 'succeeded' && operation.phase + 1 < phases) {
      // This phase is done: send the next one, with the same submit-at-most-once care as the first.
      const next = await persistAndNotify(
        deps,
        transition(
          operation,
          'SUBMITTING',
          {
            at,
            actor: 'poller',
            message: phase.fence
              ? `${fencing?.detail}; promoting`
              : `phase ${operation.phase + 1} of ${phases} done (job ${operation.job.id})${rolesNote}; submitting phase ${operation.phase + 2}`,
          },
          {
            steps,
            fencing,
            providerDoneAt,
            phase: operation.phase + 1,
            jobs: [...operation.jobs, operation.job],
            job: undefined,
            submission: { attempts: 0, ambiguous: false },
          },
        ),
      );
      await submitToProvider(deps, next, driver, options);
      return 'progressed';
    }
    const succeeded = job.status === 'succeeded';
    const completed = `${operation.provider} job ${operation.job.id} completed${job.result ? `: ${job.result}` : ''}${phase.fence ? `: ${fencing?.detail}` : ''}${rolesNote}`;
    if (succeeded && changesRoles(operation.kind)) {
      // The provider says it is done; Switchyard says SUCCEEDED only once it has confirmed the result.
      lockRenewedAt.delete(operation.id);
      const next = await verifyPromotion(
        deps,
        { ...operation, steps, fencing, providerDoneAt },
        driver,
        { actor: 'poller', message: completed },
        options,
      );
      return isTerminal(next.state) ? 'finished' : 'progressed';
    }
    const advice = succeeded ? undefined : phase.failureAdvice();
    const reason = advice
      ? `${asSentence(job.message ?? 'the provider reported failure')} ${advice}`
      : (job.message ?? 'the provider reported failure');
    await finish(
      deps,
      transition(
        operation,
        succeeded ? 'SUCCEEDED' : 'FAILED',
        {
          at,
          actor: 'poller',
          message: succeeded
            ? completed
            : `${operation.provider} job ${operation.job.id} failed${job.failedStep ? ` at "${job.failedStep}"` : ''}: ${reason}`,
        },
        { steps, fencing, ...(succeeded ? {} : { outcome: reason, failedStep: job.failedStep }) },
      ),
    );
    return 'finished';
  } catch (error) {
    // Another poller tick got there first: its write, its notification.
    if (error instanceof StaleWriteError) return 'skipped';
    throw error;
  }
}

/** Active operations read from the store at a time: enough to keep every worker busy, few enough to hold. */
const PAGE_SIZE = 200;

/** When this container last renewed each operation's lock (or, for one it has not yet, when it takes it to have been). */
const lockRenewedAt = new Map<string, number>();

/**
 * Renews a running operation's pair lock once a third of its lifetime has passed, not on every tick: a
 * fleet of thousands then costs one store write per operation every few minutes instead of every minute.
 * A container new to an operation spreads its renewals over the next third rather than renewing the whole
 * fleet on its first tick: the container before renewed each lock within a third, so with ticks at least
 * every third of lockTtlSeconds (one minute against 900 s by default) no lock lapses. One that does lapse
 * still keeps its pair: a request that finds the lapsed holder running hands the lock back.
 */
async function renewLockIfDue(deps: Deps, lock: string, operationId: string, now: Date) {
  const ttlMs = deps.config.operations.lockTtlSeconds * 1000;
  const last = lockRenewedAt.get(operationId);
  if (last === undefined) {
    lockRenewedAt.set(operationId, now.getTime() - Math.random() * (ttlMs / 3));
    return;
  }
  if (now.getTime() - last < ttlMs / 3) return;
  await deps.store.renewLock(lock, operationId, deps.config.operations.lockTtlSeconds, now);
  lockRenewedAt.set(operationId, now.getTime());
}

async function finish(deps: Deps, next: Operation) {
  lockRenewedAt.delete(next.id);
  await endOperation(deps, next);
}

export interface PollSummary {
  active: number;
  /** Operations whose follow-ups are in hand: the sweep leaves them to those. */
  followed: number;
  /** Changes told late: their writer died between the store write and the announcement. */
  toldLate: number;
  progressed: number;
  finished: number;
  unchanged: number;
  skipped: number;
  errors: { operationId: string; error: string }[];
}

/**
 * One poller tick: every active operation advanced, `concurrency` at a time, a page of the active list at a
 * time so memory stays flat however large the fleet; one failure does not stop the rest.
 */
export async function pollActiveOperations(
  deps: Deps,
  options: CallOptions = {},
  advancers: Advancers = {},
): Promise<PollSummary> {
  const summary: PollSummary = {
    active: 0,
    followed: 0,
    toldLate: 0,
    progressed: 0,
    finished: 0,
    unchanged: 0,
    skipped: 0,
    errors: [],
  };
  const seen = new Set<string>();
  const followUps = deps.config.poller.followUps;
  for await (const page of deps.store.activePages(PAGE_SIZE)) {
    if (options.signal?.aborted) break;
    summary.active += page.length;
    let next = 0;
    const worker = async () => {
      while (next < page.length && !options.signal?.aborted) {
        const operation = page[next++] as Operation;
        seen.add(operation.id);
        try {
          // With follow-ups the poller is the sweep: it takes up only what a lost or late follow-up left behind,
          // then starts that operation's follow-ups again.
          if (followUps && followedUp(operation, deps.now())) {
            summary.followed++;
            continue;
          }
          summary[await advanceOperation(deps, operation, options, advancers)]++;
          if (followUps) await followUpSoon(deps, operation);
        } catch (error) {
          summary.errors.push({ operationId: operation.id, error: describeError(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.config.poller.concurrency, page.length) }, worker));
  }
  // Ended operations with a change not confirmed told (their writer died): tell it, free the pair if still held.
  for await (const page of deps.store.untoldEndedPages(PAGE_SIZE)) {
    if (options.signal?.aborted) break;
    for (const operation of page)
      try {
        summary.toldLate += await tellUntold(deps, operation, deps.now());
        await deps.store.releaseLock(pairLock(operation.pair), operation.id);
      } catch (error) {
        summary.errors.push({ operationId: operation.id, error: describeError(error) });
      }
  }
  // Forget renewals of operations that ended elsewhere, so the map stays the size of the fleet.
  if (!options.signal?.aborted)
    for (const id of lockRenewedAt.keys()) if (!seen.has(id)) lockRenewedAt.delete(id);
  return summary;
}
