import type { Deps } from '../deps.js';
import type { Operation } from '../domain/operation.js';
import { persistAndNotify } from './persist.js';
import { pairLock } from './pipeline.js';
import { markIfAtRisk } from './split-brain.js';

/**
 * Ends an operation: the split-brain risk is recorded first (if this write then fails, the operation is not ended
 * and the next tick tries again), then the end is written and told, then the pair is free.
 */
export async function endOperation(deps: Deps, ended: Operation): Promise<Operation> {
  await markIfAtRisk(deps, ended);
  const saved = await persistAndNotify(deps, ended);
  await deps.store.releaseLock(pairLock(ended.pair), ended.id);
  return saved;
}
