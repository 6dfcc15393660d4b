import { createHash } from 'node:crypto';
import type { Deps } from '../deps.js';
import { ConflictError, UnprocessableError } from '../domain/errors.js';
import type { Operation, OperationKind, Principal } from '../domain/operation.js';

/** What makes two requests the same one: the pipeline's operations and a drill keep their keys alike. */
export interface IdempotentRequest {
  kind: OperationKind;
  pair: string;
  params: Record<string, unknown>;
  requestedBy: Principal;
  /** Idempotency-Key header, SQS message id, alert fingerprint: the same key is the same operation. */
  idempotencyKey?: string;
  /** Whose key it is (OperationRequest.idempotencyScope). */
  idempotencyScope?: 'caller' | 'switchyard';
}

/** What was asked, so a key reused for a different request is caught. */
export function fingerprint(request: IdempotentRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.kind, request.pair, request.params]))
    .digest('hex');
}

/**
 * Where a request's idempotency key is kept. A caller's is under a digest of who sent it, so two callers' keys never
 * meet and none reaches Switchyard's own, which are kept as they are.
 */
export function storedIdempotencyKey(request: IdempotentRequest): string | undefined {
  if (!request.idempotencyKey) return undefined;
  if (request.idempotencyScope === 'switchyard') return `${request.kind}:${request.idempotencyKey}`;
  const caller = createHash('sha256').update(request.requestedBy.principal).digest('hex');
  return `${request.kind}:caller:${caller}:${request.idempotencyKey}`;
}

/**
 * An earlier attempt of the same request: its operation, or the id it took when it stopped before creating it
 * (finished now under that id). A key used before for a different request is a 422.
 */
export async function earlierAttempt(
  deps: Deps,
  request: IdempotentRequest,
): Promise<{ existing?: Operation; operationId?: string }> {
  const key = storedIdempotencyKey(request);
  const seen = key ? await deps.store.getIdempotency(key) : undefined;
  if (!seen) return {};
  if (seen.fingerprint !== fingerprint(request))
    throw new UnprocessableError(
      'idempotency_key_reused',
      `Idempotency-Key "${request.idempotencyKey}" was used for a different request (operation ${seen.operationId}).`,
    );
  const existing = await deps.store.get(seen.operationId);
  return existing ? { existing } : { operationId: seen.operationId };
}

/** The operation an earlier attempt of the same request created under its idempotency key, if any. */
export async function requestedAlready(
  deps: Deps,
  request: IdempotentRequest,
): Promise<Operation | undefined> {
  const key = storedIdempotencyKey(request);
  const seen = key ? await deps.store.getIdempotency(key) : undefined;
  return seen ? deps.store.get(seen.operationId) : undefined;
}

/**
 * Records the request's key for `operationId`, once `lock` is held. When the same request got there first (in
 * parallel), the lock is given back and its operation is the answer; undefined when the key is this request's.
 */
export async function recordKey(
  deps: Deps,
  request: IdempotentRequest,
  operationId: string,
  lock: string,
  now: Date,
): Promise<Operation | undefined> {
  const key = storedIdempotencyKey(request);
  if (!key) return undefined;
  const raced = await deps.store.putIdempotency(
    key,
    { operationId, fingerprint: fingerprint(request) },
    deps.config.operations.idempotencyTtlSeconds,
    now,
  );
  if (!raced || raced.operationId === operationId) return undefined;
  await deps.store.releaseLock(lock, operationId);
  const existing = await deps.store.get(raced.operationId);
  if (existing) return existing;
  throw new ConflictError(
    `A request with the same Idempotency-Key is in progress (operation ${raced.operationId}).`,
  );
}
