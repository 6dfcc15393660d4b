import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StaleWriteError, UnprocessableError } from '../domain/errors.js';
import { isTerminal, type Operation, OperationSchema } from '../domain/operation.js';
import type {
  FollowUpMark,
  IdempotencyRecord,
  ListQuery,
  LockHolder,
  LockResult,
  OperationStore,
} from './operation-store.js';
import { conditionFailed, indexPartitionPages, TABLE, tableClient } from './table-definition.js';

export interface DynamoOperationStoreOptions {
  tableName: string;
  /** A ready client (tests, benchmarks); otherwise one is built from `clientConfig`. */
  documentClient?: DynamoDBDocumentClient;
  clientConfig?: DynamoDBClientConfig;
}

const opKey = (id: string) => ({ pk: `OP#${id}`, sk: 'OP' });
const lockKey = (target: string) => ({ pk: `LOCK#${target}`, sk: 'LOCK' });
const idemKey = (key: string) => ({ pk: `IDEM#${key}`, sk: 'IDEM' });
const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A lock item taken now by `holder`; the table's TTL removes it an hour after it expires. */
function lockItem(target: string, holder: LockHolder, ttlSeconds: number, now: Date) {
  const expiresAt = now.getTime() + ttlSeconds * 1000;
  return {
    ...lockKey(target),
    ...holder,
    acquiredAt: now.getTime(),
    expiresAt,
    [TABLE.ttlAttribute]: epochSeconds(new Date(expiresAt)) + 3600,
  };
}

/** Partitions of the poller's index: operations still running, and ended ones with a change not yet told. */
const ACTIVE = 'ACTIVE';
const UNTOLD = 'UNTOLD';

/** Optional attributes of an operation: an update removes those the new version does not have. */
/** Written by their own conditional updates, never with the operation: an update leaves them be. */
const KEPT_APART = new Set(['announced', 'toldAt', 'followUp']);
const OPTIONAL_ATTRIBUTES = Object.entries(OperationSchema.shape)
  .filter(([name, schema]) => !KEPT_APART.has(name) && schema.safeParse(undefined).success)
  .map(([name]) => name);

/** A cursor this store never gave out: 422 naming `query.cursor`, whichever listing it was passed to. */
const invalidCursor = () =>
  new UnprocessableError('invalid_cursor', 'The cursor is not one this API gave out.', {
    errors: [{ field: 'query.cursor', message: 'not a cursor from a previous page' }],
  });

/**
 * The key a cursor names, as an earlier page gave it: base64url JSON of a key of the listing's own index whose
 * attributes are strings, and, for a pair's listing, of that pair. Anything else is refused, never a read the caller
 * steered.
 */
/** Items read per request of a filtered listing: enough that a rare kind is found in few round trips. */
const FILTERED_READ = 100;
/** Requests one filtered listing makes at most: a thousand items, well inside API Gateway's 29 s. */
const FILTERED_READS = 10;

function startKeyOf(cursor: string, pair: string | undefined): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const expected = pair ? ['gsi2pk', 'gsi2sk', 'pk', 'sk'] : ['gsi1pk', 'gsi1sk', 'pk', 'sk'];
  if (
    typeof key !== 'object' ||
    key === null ||
    Array.isArray(key) ||
    Object.keys(key).sort().join() !== expected.join() ||
    Object.values(key).some((v) => typeof v !== 'string')
  )
    throw invalidCursor();
  const named = key as Record<string, string>;
  if (!named.pk?.startsWith('OP#') || (pair !== undefined && named.gsi2pk !== `PAIR#${pair}`))
    throw invalidCursor();
  return named;
}

/** Operations, locks and idempotency keys in one DynamoDB table, with conditional single-item writes only. */
export class DynamoOperationStore implements OperationStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(options: DynamoOperationStoreOptions) {
    this.table = options.tableName;
    this.client = options.documentClient ?? tableClient(options.clientConfig);
  }

  /**
   * The stored attributes of an operation. Every write adds an audit event not yet announced, so an ended
   * operation stays on the poller's list (partition UNTOLD) until its announcements are confirmed.
   */
  private attributes(operation: Operation) {
    const { announced: _kept, toldAt: _keptToo, followUp: _itsOwn, ...rest } = operation;
    return {
      ...rest,
      gsi1pk: isTerminal(operation.state) ? UNTOLD : ACTIVE,
      gsi1sk: operation.id,
      gsi2pk: `PAIR#${operation.pair}`,
      gsi2sk: operation.id,
    };
  }

  private static parse(item: Record<string, unknown>): Operation {
    const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, announced, ...rest } = item;
    const told = announced instanceof Set ? [...(announced as Set<number>)].sort((a, b) => a - b) : undefined;
    return OperationSchema.parse({ ...rest, ...(told ? { announced: told } : {}) });
  }

  async create(operation: Operation): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...opKey(operation.id), ...this.attributes(operation) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) throw new StaleWriteError(`Operation ${operation.id} already exists`);
      throw error;
    }
  }

  /** Sets every attribute of the operation and removes the optional ones it no longer has, leaving `announced` be. */
  async update(next: Operation): Promise<void> {
    const attributes = this.attributes(next) as Record<string, unknown>;
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': next.version - 1 };
    const sets: string[] = [];
    for (const [i, [name, value]] of Object.entries(attributes).entries()) {
      if (value === undefined) continue;
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      sets.push(`#a${i} = :a${i}`);
    }
    const removes = OPTIONAL_ATTRIBUTES.filter((name) => attributes[name] === undefined).map((name, i) => {
      names[`#r${i}`] = name;
      return `#r${i}`;
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: opKey(next.id),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (conditionFailed(error))
        throw new StaleWriteError(`Operation ${next.id} changed since version ${next.version - 1} was read`);
      throw error;
    }
  }

  async armFollowUp(id: string, expected: number | undefined, next: FollowUpMark): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: opKey(id),
          UpdateExpression: 'SET followUp = :next',
          ConditionExpression:
            expected === undefined
              ? 'attribute_exists(pk) AND attribute_not_exists(followUp)'
              : 'followUp.#token = :expected',
          ExpressionAttributeValues: {
            ':next': next,
            ...(expected === undefined ? {} : { ':expected': expected }),
          },
          ...(expected === undefined ? {} : { ExpressionAttributeNames: { '#token': 'token' } }),
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async recordAnnounced(id: string, eventNumbers: number[]): Promise<number[]> {
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: opKey(id),
        UpdateExpression: 'ADD announced :told',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':told': new Set(eventNumbers) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const told = out.Attributes?.announced as Set<number> | undefined;
    return told ? [...told].sort((a, b) => a - b) : [];
  }

  async retireEnded(id: string, version: number, toldAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: opKey(id),
          UpdateExpression: 'SET toldAt = :toldAt REMOVE gsi1pk, gsi1sk',
          ConditionExpression: '#version = :version AND gsi1pk = :untold',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': version, ':untold': UNTOLD, ':toldAt': toldAt },
        }),
      );
    } catch (error) {
      // Changed since (it cannot be, once ended) or already retired: nothing to do.
      if (!conditionFailed(error)) throw error;
    }
  }

  async get(id: string): Promise<Operation | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: opKey(id), ConsistentRead: true }),
    );
    return out.Item ? DynamoOperationStore.parse(out.Item) : undefined;
  }

  async list(query: ListQuery): Promise<{ items: Operation[]; cursor?: string }> {
    const input: QueryCommandInput = query.pair
      ? {
          TableName: this.table,
          IndexName: TABLE.pairIndex,
          KeyConditionExpression: 'gsi2pk = :pair',
          ExpressionAttributeValues: { ':pair': `PAIR#${query.pair}` },
        }
      : {
          TableName: this.table,
          IndexName: TABLE.activeIndex,
          KeyConditionExpression: 'gsi1pk = :active',
          ExpressionAttributeValues: { ':active': ACTIVE },
        };
    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    if (query.state) {
      filters.push('#state = :state');
      names['#state'] = 'state';
      values[':state'] = query.state;
    }
    if (query.kinds) {
      filters.push(`#kind IN (${query.kinds.map((_, i) => `:kind${i}`).join(', ')})`);
      names['#kind'] = 'kind';
      query.kinds.forEach((kind, i) => {
        values[`:kind${i}`] = kind;
      });
    }
    if (filters.length > 0) {
      input.FilterExpression = filters.join(' AND ');
      input.ExpressionAttributeNames = names;
      input.ExpressionAttributeValues = { ...input.ExpressionAttributeValues, ...values };
    }
    input.ScanIndexForward = false;
    if (query.cursor) input.ExclusiveStartKey = startKeyOf(query.cursor, query.pair);
    // DynamoDB applies Limit before the filter: a filtered listing reads on until its page is full, the index
    // ends, or it has read FILTERED_READS requests' worth (then the page is short and its cursor goes on), so
    // "the pair's last drill" is found behind newer switchovers and no listing reads a whole history at once.
    const filtered = filters.length > 0;
    const keyNames = query.pair ? ['gsi2pk', 'gsi2sk', 'pk', 'sk'] : ['gsi1pk', 'gsi1sk', 'pk', 'sk'];
    const raw: Record<string, unknown>[] = [];
    let lastKey: Record<string, unknown> | undefined;
    let reads = 0;
    do {
      reads++;
      input.Limit = filtered ? Math.max(query.limit, FILTERED_READ) : query.limit;
      let out: QueryCommandOutput;
      try {
        out = await this.client.send(new QueryCommand(input));
      } catch (error) {
        // DynamoDB refuses a key of the right shape that starts no page of this listing.
        if (query.cursor && error instanceof Error && error.name === 'ValidationException')
          throw invalidCursor();
        throw error;
      }
      lastKey = out.LastEvaluatedKey;
      for (const item of out.Items ?? []) {
        raw.push(item);
        if (raw.length === query.limit) {
          // The page ends at this item: the next one starts right after it, whatever else this read returned.
          if (item !== out.Items?.at(-1))
            lastKey = Object.fromEntries(keyNames.map((name) => [name, item[name]]));
          break;
        }
      }
      input.ExclusiveStartKey = lastKey;
    } while (filtered && raw.length < query.limit && lastKey && reads < FILTERED_READS);
    const cursor = lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : undefined;
    return { items: raw.map(DynamoOperationStore.parse), cursor };
  }

  activePages(pageSize = 100): AsyncGenerator<Operation[]> {
    return this.partitionPages(ACTIVE, pageSize);
  }

  untoldEndedPages(pageSize = 100): AsyncGenerator<Operation[]> {
    return this.partitionPages(UNTOLD, pageSize);
  }

  private async *partitionPages(partition: string, pageSize: number): AsyncGenerator<Operation[]> {
    for await (const items of indexPartitionPages(this.client, this.table, partition, pageSize))
      yield items.map((item) => DynamoOperationStore.parse(item));
  }

  async listActive(): Promise<Operation[]> {
    const items: Operation[] = [];
    for await (const page of this.activePages(1000)) items.push(...page);
    return items;
  }

  async acquireLock(target: string, holder: LockHolder, ttlSeconds: number, now: Date): Promise<LockResult> {
    try {
      const out = await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: lockItem(target, holder, ttlSeconds, now),
          // Free, expired (its holder died), or already ours (a retried request).
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR operationId = :me',
          ExpressionAttributeValues: { ':now': now.getTime(), ':me': holder.operationId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = out.Attributes;
      return old && old.operationId !== holder.operationId
        ? {
            acquired: true,
            replaced: {
              operationId: old.operationId as string,
              idempotencyKey: old.idempotencyKey as string | undefined,
              acquiredAt: old.acquiredAt as number | undefined,
            },
          }
        : { acquired: true };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      const current = await this.getLock(target, now);
      // Released between our write and our read: try once more.
      if (!current) return this.acquireLock(target, holder, ttlSeconds, now);
      return { acquired: false, holder: current };
    }
  }

  async takeOverLock(
    target: string,
    dead: LockHolder,
    holder: LockHolder,
    ttlSeconds: number,
    now: Date,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: lockItem(target, holder, ttlSeconds, now),
          ConditionExpression: 'operationId = :dead AND acquiredAt = :deadAt',
          ExpressionAttributeValues: { ':dead': dead.operationId, ':deadAt': dead.acquiredAt ?? -1 },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async renewLock(target: string, operationId: string, ttlSeconds: number, now: Date): Promise<boolean> {
    const expiresAt = now.getTime() + ttlSeconds * 1000;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: lockKey(target),
          UpdateExpression: 'SET expiresAt = :expiresAt, #ttl = :ttl',
          ConditionExpression: 'operationId = :me',
          ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
          ExpressionAttributeValues: {
            ':expiresAt': expiresAt,
            ':ttl': epochSeconds(new Date(expiresAt)) + 3600,
            ':me': operationId,
          },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async releaseLock(target: string, operationId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: lockKey(target),
          ConditionExpression: 'operationId = :me',
          ExpressionAttributeValues: { ':me': operationId },
        }),
      );
    } catch (error) {
      // Someone else holds it now (ours had expired): theirs is not ours to release.
      if (!conditionFailed(error)) throw error;
    }
  }

  async getLock(target: string, now: Date): Promise<LockHolder | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: lockKey(target), ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item || (item.expiresAt as number) < now.getTime()) return undefined;
    return {
      operationId: item.operationId as string,
      idempotencyKey: item.idempotencyKey as string | undefined,
      acquiredAt: item.acquiredAt as number | undefined,
    };
  }

  async getIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: idemKey(key), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    return { operationId: out.Item.operationId as string, fingerprint: out.Item.fingerprint as string };
  }

  async putIdempotency(
    key: string,
    record: IdempotencyRecord,
    ttlSeconds: number,
    now: Date,
  ): Promise<IdempotencyRecord | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...idemKey(key), ...record, [TABLE.ttlAttribute]: epochSeconds(now) + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return undefined;
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      return this.getIdempotency(key);
    }
  }
}
