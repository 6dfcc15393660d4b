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
import type { FailoverStore } from './failover-store.js';
import { conditionFailed, indexPartitionPages, TABLE, tableClient } from './table-definition.js';

const DAY = 86_400;
const decisionKey = (id: string) => ({ pk: `DECISION#${id}`, sk: 'DECISION' });
const episodeKey = (fingerprint: string) => ({ pk: `EPISODE#${fingerprint}`, sk: 'EPISODE' });
const pairStateKey = (pair: string) => ({ pk: `PAIRSTATE#${pair}`, sk: 'PAIRSTATE' });
const BRAKE_KEY = { pk: 'BRAKE', sk: 'BRAKE' };
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
}
