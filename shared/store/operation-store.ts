import type { Operation, OperationKind, OperationState } from '../domain/operation.js';

export type FollowUpMark = NonNullable<Operation['followUp']>;

/** Who holds a target lock. */
export interface LockHolder {
  operationId: string;
  idempotencyKey?: string;
  /** When the holder took it (ms since the epoch): a holder with no operation long after this died. */
  acquiredAt?: number;
}

export type LockResult =
  /** `replaced`: the holder of an expired lock this one overwrote, whose operation may still be running. */
  { acquired: true; replaced?: LockHolder } | { acquired: false; holder: LockHolder };

export interface IdempotencyRecord {
  operationId: string;
  /** Hash of what was asked, so a key reused for a different request is caught. */
  fingerprint: string;
}

export interface ListQuery {
  pair?: string;
  state?: OperationState;
  /** Only these kinds (a pair's promotions and switchovers, say); a page is still `limit` long unless the listing ended or a thousand items were read for it (then its cursor goes on). */
  kinds?: readonly OperationKind[];
  limit: number;
  cursor?: string;
}

/** The port for operations, target locks and idempotency keys. Every write is a single-item conditional write. */
export interface OperationStore {
  /** Writes a new operation; fails with StaleWriteError if the id exists. */
  create(operation: Operation): Promise<void>;
  /** Writes `next` only if the stored version is still `next.version - 1`; StaleWriteError otherwise. */
  update(next: Operation): Promise<void>;
  get(id: string): Promise<Operation | undefined>;
  list(query: ListQuery): Promise<{ items: Operation[]; cursor?: string }>;
  /** Every operation not yet in a terminal state. */
  listActive(): Promise<Operation[]>;
  /** The same, a page at a time: the poller holds one page in memory, however large the fleet. */
  activePages(pageSize?: number): AsyncIterable<Operation[]>;

  /** Ended operations with a change not yet confirmed announced, a page at a time (the poller tells them). */
  untoldEndedPages(pageSize?: number): AsyncIterable<Operation[]>;
  /** Records audit events (numbered from 1) as announced; returns every number recorded for the operation. */
  recordAnnounced(id: string, eventNumbers: number[]): Promise<number[]>;
  /**
   * Takes an ended operation whose every change was announced off the poller's list, if still at `version`, and
   * records when (`toldAt`: the end of a run's timeline).
   */
  retireEnded(id: string, version: number, toldAt: string): Promise<void>;

  /**
   * Moves the operation's follow-up mark to `next` if it still names `expected` (none yet: undefined), without
   * touching its version; false when another handler moved it first.
   */
  armFollowUp(id: string, expected: number | undefined, next: FollowUpMark): Promise<boolean>;

  acquireLock(target: string, holder: LockHolder, ttlSeconds: number, now: Date): Promise<LockResult>;
  /** Takes a lock from a holder that died before creating its operation; false if anything changed meanwhile. */
  takeOverLock(
    target: string,
    dead: LockHolder,
    holder: LockHolder,
    ttlSeconds: number,
    now: Date,
  ): Promise<boolean>;
  renewLock(target: string, operationId: string, ttlSeconds: number, now: Date): Promise<boolean>;
  releaseLock(target: string, operationId: string): Promise<void>;
  getLock(target: string, now: Date): Promise<LockHolder | undefined>;

  getIdempotency(key: string): Promise<IdempotencyRecord | undefined>;
  /** Records a key once; returns the existing record when another request got there first. */
  putIdempotency(
    key: string,
    record: IdempotencyRecord,
    ttlSeconds: number,
    now: Date,
  ): Promise<IdempotencyRecord | undefined>;
}

/** Bumps the version for a conditional update. */
export function nextVersion(operation: Operation): Operation {
  return { ...operation, version: operation.version + 1 };
}
