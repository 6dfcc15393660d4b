import type { Deps } from '../deps.js';
import { describeError } from '../domain/errors.js';
import type { Operation } from '../domain/operation.js';
import { logger, operationKeys } from '../telemetry/logger.js';
import { changesRoles } from './pair-roles.js';
import { persistAndNotify } from './persist.js';
import { pairLock } from './pipeline.js';
import { protectionAfter, recordProtection } from './protection.js';
import { recoveryOf } from './recovery-report.js';
import { markIfAtRisk } from './split-brain.js';

/**
 * Ends an operation: the split-brain risk is recorded first (if this write then fails, the operation is not ended
 * and the next tick tries again), then the end is written and told, then the pair is free. A promotion or
 * switchover ends with its timeline, RTO and RPO, which its last notification states.
 */
export async function endOperation(deps: Deps, ended: Operation): Promise<Operation> {
  await markIfAtRisk(deps, ended);
  const saved = await persistAndNotify(deps, await withRecovery(deps, ended));
  await recordWhatItLeft(deps, saved);
  await deps.store.releaseLock(pairLock(ended.pair), ended.id);
  return saved;
}

/** What an ended run did to the pair's protection, said after its end, so people hear the end first. */
export async function recordWhatItLeft(deps: Deps, saved: Operation): Promise<void> {
  const protection = protectionAfter(saved);
  if (protection)
    await recordProtection(deps, saved.pair, protection).catch((error) =>
      // The next scheduled evaluation records it from the run (evaluatePair): never a reason to hold the pair.
      logger.warn('the protection a run left could not be recorded yet', {
        scope: 'protection',
        ...operationKeys(saved),
        error: describeError(error),
      }),
    );
}

async function withRecovery(deps: Deps, ended: Operation): Promise<Operation> {
  if (!changesRoles(ended.kind)) return ended;
  let decision: Awaited<ReturnType<Deps['failover']['getDecision']>>;
  if (ended.trigger)
    try {
      decision = await deps.failover.getDecision(ended.trigger.decisionId);
    } catch (error) {
      // Without the alert's times the run is measured from the request: said in the RTO's `from`, not guessed.
      logger.warn(
        'the decision behind an ended promotion could not be read; its RTO counts from the request',
        {
          scope: 'recovery',
          ...operationKeys(ended),
          error: describeError(error),
        },
      );
    }
  return { ...ended, recovery: recoveryOf(ended, decision) };
}
