import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { awsRequestHandler } from '../aws/request-handler.js';

/** Index names and key attributes of the one Switchyard table; serverless.yml declares the same (a test compares). */
export const TABLE = {
  activeIndex: 'active-operations',
  pairIndex: 'operations-by-pair',
  ttlAttribute: 'ttl',
} as const;

/** The table as CreateTable input, for the local store and tests. */
export function operationTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
      { AttributeName: 'gsi2pk', AttributeType: 'S' },
      { AttributeName: 'gsi2sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE.activeIndex,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: TABLE.pairIndex,
        KeySchema: [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/**
 * The one document client both stores share: absent values are left out, and any object is stored as a map (an
 * alert label called `constructor` must be stored, not refused).
 */
export function tableClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ requestHandler: awsRequestHandler(), ...config }), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

/** A conditional write that found the item changed: the SDK's class, or its name across SDK copies. */
export function conditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string })?.name === 'ConditionalCheckFailedException'
  );
}

/** The items of one partition of the poller's index, a page at a time, however many pages it takes. */
export async function* indexPartitionPages(
  client: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  pageSize?: number,
): AsyncGenerator<Record<string, unknown>[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TABLE.activeIndex,
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': partition },
        ExclusiveStartKey: start,
        ...(pageSize ? { Limit: pageSize } : {}),
      }),
    );
    start = out.LastEvaluatedKey;
    if (out.Items && out.Items.length > 0) yield out.Items;
  } while (start);
}
