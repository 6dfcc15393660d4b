import type { Deps } from '../deps.js';
import { ConflictError } from '../domain/errors.js';
import { isTerminal, type Operation } from '../domain/operation.js';
import type { LockHolder } from '../store/operation-store.js';
import { OUTLIVES_ANY_FUNCTION_MS, pairLock } from './pipeline.js';

export type Claim =
  /** The pair is ours under `operationId`; `existing` when the same request claimed it before and created it. */
  | { claimed: true; operationId: string; existing?: Operation }
  /** Someone else holds it: `active` is their operation, if it exists; `lapsed` when its lock had expired. */
  | { claimed: false; holder: LockHolder; active?: Operation; lapsed?: boolean };

/**
 * Claims a pair for one operation with a conditional write, before anything else happens: a request, and an
 * alert decision before it enqueues its promotion, so two of them at once make one operation. A holder with the
 * same idempotency key is the same request (a retry, or the decision that claimed the pair for this promotion).
 */
export async function claimPair(
  deps: Deps,
  pair: string,
  holder: { operationId: string; idempotencyKey?: string },
  now: Date,
): Promise<Claim> {
  return claimLock(deps, pairLock(pair), holder, deps.config.operations.lockTtlSeconds, now);
}

/** The same claim on any lock one operation at a time may hold (a pair's, or its drill's). */
export async function claimLock(
  deps: Deps,
  lock: string,
  holder: { operationId: string; idempotencyKey?: string },
  ttl: number,
  now: Date,
): Promise<Claim> {
  const { store } = deps;
  const locked = await store.acquireLock(lock, holder, ttl, now);
  if (locked.acquired) {
    if (!locked.replaced) return { claimed: true, operationId: holder.operationId };
    // An expired lock is no proof its holder died: an operation still running keeps its pair (the poller was down).
    const lapsed = await store.get(locked.replaced.operationId);
    if (!lapsed || isTerminal(lapsed.state)) return { claimed: true, operationId: holder.operationId };
    await store.takeOverLock(lock, { ...holder, acquiredAt: now.getTime() }, locked.replaced, ttl, now);
    return { claimed: false, holder: locked.replaced, active: lapsed, lapsed: true };
  }
  const active = await store.get(locked.holder.operationId);
  if (holder.idempotencyKey && locked.holder.idempotencyKey === holder.idempotencyKey)
    return { claimed: true, operationId: locked.holder.operationId, ...(active ? { existing: active } : {}) };
  // The holder ended but died before freeing the pair, or died before creating its operation: the pair is free.
  const holderDied = active
    ? isTerminal(active.state)
    : locked.holder.acquiredAt !== undefined &&
      now.getTime() - locked.holder.acquiredAt > OUTLIVES_ANY_FUNCTION_MS;
  if (holderDied && (await store.takeOverLock(lock, locked.holder, holder, ttl, now)))
    return { claimed: true, operationId: holder.operationId };
  return { claimed: false, holder: locked.holder, ...(active ? { active } : {}) };
}

/** The 409 for a pair someone else holds, naming their operation. */
export function pairBusy(pair: string, claim: Extract<Claim, { claimed: false }>): ConflictError {
  const { holder, active } = claim;
  const message = claim.lapsed
    ? `Pair ${pair} is busy with operation ${holder.operationId} (${active?.kind}, ${active?.state}), whose lock had lapsed: check that the poller runs.`
    : `Pair ${pair} is busy with operation ${holder.operationId}${active ? ` (${active.kind}, ${active.state})` : ''}; one operation at a time per pair.`;
  return new ConflictError(message, {
    activeOperation: holder.operationId,
    location: `/v1/operations/${holder.operationId}`,
  });
}
