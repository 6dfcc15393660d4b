import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StaleWriteError } from '../domain/errors.js';
import { isTerminal, type Operation, OperationSchema } from '../domain/operation.js';
import type {
  IdempotencyRecord,
  ListQuery,
  LockHolder,
  LockResult,
  OperationStore,
} from './operation-store.js';
import { TABLE } from './table-definition.js';

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

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string })?.name === 'ConditionalCheckFailedException'
  );
}

/** Operations, locks and idempotency keys in one DynamoDB table, with conditional single-item writes only. */
export class DynamoOperationStore implements OperationStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(options: DynamoOperationStoreOptions) {
    this.table = options.tableName;
    this.client =
      options.documentClient ??
      DynamoDBDocumentClient.from(new DynamoDBClient(options.clientConfig ?? {}), {
        marshallOptions: { removeUndefinedValues: true },
      });
  }

  private item(operation: Operation) {
    return {
      ...opKey(operation.id),
      ...operation,
      // Only active operations are in the poller's sparse index.
      ...(isTerminal(operation.state) ? {} : { gsi1pk: 'ACTIVE', gsi1sk: operation.id }),
      gsi2pk: `PAIR#${operation.pair}`,
      gsi2sk: operation.id,
    };
  }

  private static parse(item: Record<string, unknown>): Operation {
    const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...rest } = item;
    return OperationSchema.parse(rest);
  }

  async create(operation: Operation): Promise<void> {
    await this.putOperation(
      operation,
      'attribute_not_exists(pk)',
      undefined,
      `Operation ${operation.id} already exists`,
    );
  }

  async update(next: Operation): Promise<void> {
    await this.putOperation(
      next,
      'version = :expected',
      { ':expected': next.version - 1 },
      `Operation ${next.id} changed since version ${next.version - 1} was read`,
    );
  }

  /** A whole-item put under a condition; a failed condition means someone else wrote first. */
  private async putOperation(
    operation: Operation,
    condition: string,
    values: Record<string, unknown> | undefined,
    staleMessage: string,
  ): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.item(operation),
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new StaleWriteError(staleMessage);
      throw error;
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
          ExpressionAttributeValues: { ':active': 'ACTIVE' },
        };
    if (query.state) {
      input.FilterExpression = '#state = :state';
      input.ExpressionAttributeNames = { '#state': 'state' };
      input.ExpressionAttributeValues = { ...input.ExpressionAttributeValues, ':state': query.state };
    }
    input.ScanIndexForward = false;
    input.Limit = query.limit;
    if (query.cursor)
      input.ExclusiveStartKey = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8'));
    const out = await this.client.send(new QueryCommand(input));
    const cursor = out.LastEvaluatedKey
      ? Buffer.from(JSON.stringify(out.LastEvaluatedKey)).toString('base64url')
      : undefined;
    return { items: (out.Items ?? []).map(DynamoOperationStore.parse), cursor };
  }

  async *activePages(pageSize = 100): AsyncGenerator<Operation[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TABLE.activeIndex,
          KeyConditionExpression: 'gsi1pk = :active',
          ExpressionAttributeValues: { ':active': 'ACTIVE' },
          ExclusiveStartKey: start,
          Limit: pageSize,
        }),
      );
      const page = (out.Items ?? []).map((item) => DynamoOperationStore.parse(item));
      start = out.LastEvaluatedKey;
      if (page.length > 0) yield page;
    } while (start);
  }

  async listActive(): Promise<Operation[]> {
    const items: Operation[] = [];
    for await (const page of this.activePages(1000)) items.push(...page);
    return items;
  }

  async acquireLock(target: string, holder: LockHolder, ttlSeconds: number, now: Date): Promise<LockResult> {
    const expiresAt = now.getTime() + ttlSeconds * 1000;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...lockKey(target),
            ...holder,
            expiresAt,
            [TABLE.ttlAttribute]: epochSeconds(new Date(expiresAt)) + 3600,
          },
          // Free, expired (its holder died), or already ours (a retried request).
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR operationId = :me',
          ExpressionAttributeValues: { ':now': now.getTime(), ':me': holder.operationId },
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.getLock(target, now);
      // Released between our write and our read: try once more.
      if (!current) return this.acquireLock(target, holder, ttlSeconds, now);
      return { acquired: false, holder: current };
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
      if (isConditionFailure(error)) return false;
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
      if (!isConditionFailure(error)) throw error;
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
      if (!isConditionFailure(error)) throw error;
      return this.getIdempotency(key);
    }
  }
}
