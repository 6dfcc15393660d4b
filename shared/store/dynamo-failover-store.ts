import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type Brake,
  type Decision,
  DecisionSchema,
  isFinal,
  type PairFailoverState,
} from '../domain/decision.js';
import { StaleWriteError } from '../domain/errors.js';
import type { FailoverStore, UnroutedWindow } from './failover-store.js';
import { conditionFailed, indexPartitionPages, TABLE, tableClient } from './table-definition.js';

const DAY = 86_400;
const decisionKey = (id: string) => ({ pk: `DECISION#${id}`, sk: 'DECISION' });
const episodeKey = (fingerprint: string) => ({ pk: `EPISODE#${fingerprint}`, sk: 'EPISODE' });
const pairStateKey = (pair: string) => ({ pk: `PAIRSTATE#${pair}`, sk: 'PAIRSTATE' });
const BRAKE_KEY = { pk: 'BRAKE', sk: 'BRAKE' };
const UNROUTED_WINDOW = 'WINDOW#';
const unroutedKey = (source: string, start: string) => ({
  pk: `UNROUTED#${source}`,
  sk: `${UNROUTED_WINDOW}${start}`,
});
/** Partitions of the poller's index for decisions: still holding, and final but not yet confirmed told. */
const HOLDING = 'HOLDING';
const UNTOLD = 'UNTOLD-DECISION';

/** Decisions and failover state in Switchyard's one table. */
export class DynamoFailoverStore implements FailoverStore {
  private readonly client: DynamoDBDocumentClient;

  constructor(
    private readonly options: {
      tableName: string;
      documentClient?: DynamoDBDocumentClient;
      clientConfig?: DynamoDBClientConfig;
    },
  ) {
    this.client = options.documentClient ?? tableClient(options.clientConfig);
  }

  private get table() {
    return this.options.tableName;
  }

  private async put(
    item: Record<string, unknown>,
    condition: string,
    values: Record<string, unknown> | undefined,
    stale: string,
  ) {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) throw new StaleWriteError(stale);
      throw error;
    }
  }

  private async get(key: Record<string, string>) {
    return (await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })))
      .Item;
  }

  async openEpisode(fingerprint: string, decisionId: string, now: Date) {
    try {
      await this.put(
        {
          ...episodeKey(fingerprint),
          decisionId,
          [TABLE.ttlAttribute]: Math.floor(now.getTime() / 1000) + 7 * DAY,
        },
        'attribute_not_exists(pk)',
        undefined,
        'episode open',
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof StaleWriteError)) throw error;
      return this.episode(fingerprint);
    }
  }

  async episode(fingerprint: string) {
    return (await this.get(episodeKey(fingerprint)))?.decisionId as string | undefined;
  }

  async closeEpisode(fingerprint: string) {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: episodeKey(fingerprint) }));
  }

  private decisionItem({ told: _kept, ...d }: Decision) {
    return {
      ...decisionKey(d.id),
      ...d,
      // The poller's sparse index: holding decisions, and final ones until their notification is confirmed told.
      gsi1pk: isFinal(d.outcome) ? UNTOLD : HOLDING,
      gsi1sk: d.id,
      gsi2pk: `DECISIONS#${d.pair ?? '-'}`,
      gsi2sk: d.id,
      [TABLE.ttlAttribute]: Math.floor(Date.parse(d.createdAt) / 1000) + 90 * DAY,
    };
  }

  private static parse(item: Record<string, unknown>): Decision {
    const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, ttl: _g, ...rest } = item;
    return DecisionSchema.parse(rest);
  }

  createDecision(decision: Decision) {
    return this.put(
      this.decisionItem(decision),
      'attribute_not_exists(pk)',
      undefined,
      `decision ${decision.id} exists`,
    );
  }

  updateDecision(next: Decision) {
    return this.put(
      this.decisionItem(next),
      'version = :v',
      { ':v': next.version - 1 },
      `decision ${next.id} changed`,
    );
  }

  async getDecision(id: string) {
    const item = await this.get(decisionKey(id));
    return item ? DynamoFailoverStore.parse(item) : undefined;
  }

  async listDecisions(pair: string | undefined, limit: number) {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: TABLE.pairIndex,
        KeyConditionExpression: 'gsi2pk = :p',
        ExpressionAttributeValues: { ':p': `DECISIONS#${pair ?? '-'}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(DynamoFailoverStore.parse);
  }

  listHolding() {
    return this.partition(HOLDING);
  }

  listUntold() {
    return this.partition(UNTOLD);
  }

  async recordTold(d: Decision) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: decisionKey(d.id),
          UpdateExpression: `SET told = :v${isFinal(d.outcome) ? ' REMOVE gsi1pk, gsi1sk' : ''}`,
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': d.version },
        }),
      );
    } catch (error) {
      // A newer version was written since: its own announcement records it.
      if (!conditionFailed(error)) throw error;
    }
  }

  private async partition(name: string) {
    const decisions: Decision[] = [];
    for await (const items of indexPartitionPages(this.client, this.table, name))
      decisions.push(...items.map(DynamoFailoverStore.parse));
    return decisions;
  }

  async getPairState(pair: string): Promise<PairFailoverState> {
    const item = await this.get(pairStateKey(pair));
    if (!item) return { pair, version: 0 };
    const { pk: _a, sk: _b, ...state } = item;
    return state as PairFailoverState;
  }

  putPairState(next: PairFailoverState) {
    return next.version === 1
      ? this.put(
          { ...pairStateKey(next.pair), ...next },
          'attribute_not_exists(pk)',
          undefined,
          `pair state ${next.pair} changed`,
        )
      : this.put(
          { ...pairStateKey(next.pair), ...next },
          'version = :v',
          { ':v': next.version - 1 },
          `pair state ${next.pair} changed`,
        );
  }

  async getBrake(): Promise<Brake> {
    const item = await this.get(BRAKE_KEY);
    if (!item) return { engaged: false, recent: [], version: 0 };
    const { pk: _a, sk: _b, ...brake } = item;
    return brake as Brake;
  }

  putBrake(next: Brake) {
    return next.version === 1
      ? this.put({ ...BRAKE_KEY, ...next }, 'attribute_not_exists(pk)', undefined, 'brake changed')
      : this.put({ ...BRAKE_KEY, ...next }, 'version = :v', { ':v': next.version - 1 }, 'brake changed');
  }

  async countUnrouted(source: UnroutedWindow['source'], start: string, expiresAt: Date) {
    // ADD is atomic in DynamoDB: concurrent receivers in any container each see their own count.
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: unroutedKey(source, start),
        UpdateExpression: 'ADD unrouted :one SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
        ExpressionAttributeValues: { ':one': 1, ':ttl': Math.floor(expiresAt.getTime() / 1000) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.unrouted);
  }

  async listUnroutedWindows(source: UnroutedWindow['source'], from: string, before: string) {
    const { pk, sk: last } = unroutedKey(source, before);
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :last',
        ExpressionAttributeValues: { ':p': pk, ':from': unroutedKey(source, from).sk, ':last': last },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? [])
      .filter((item) => item.sk !== last)
      .map(
        (item): UnroutedWindow => ({
          source,
          start: String(item.sk).slice(UNROUTED_WINDOW.length),
          count: Number(item.unrouted ?? 0),
          summaryTold: item.summaryTold === true,
        }),
      );
  }

  async recordSummaryTold(source: UnroutedWindow['source'], start: string) {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: unroutedKey(source, start),
        UpdateExpression: 'SET summaryTold = :told',
        ExpressionAttributeValues: { ':told': true },
      }),
    );
  }
}
