import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect } from 'vitest';
import { LOCAL_AWS_ENV } from '../../sandbox/local-dynamo.js';
import { type TestEnvironment, useTestEnvironment } from './environment.js';

/** DynamoDB actions that change the table, as named in the `X-Amz-Target` header of each request. */
const STORE_WRITE_ACTIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** Simulator routes that only read (describe, get, list, prechecks); every other route is a write. */
const PROVIDER_READ_ROUTE = /^(Describe|get|list)|PreCheck$|^(drInfos|drReplicaStatus|subtaskLog)$/;

export interface WriteWatch {
  /** Store write requests that reached dynalite plus provider writes that reached a simulator. */
  count(): number;
  /** Store write requests alone. */
  storeWrites(): number;
  /** Items in the table now: a slower cross-check for the end of a property. */
  tableItems(): Promise<number>;
  stop(): void;
}

/** Counts writes where they land (in-process dynalite, the simulators): cheap enough for every case. */
export function watchWrites(env: TestEnvironment): WriteWatch {
  let storeWrites = 0;
  const onRequest = (message: unknown) => {
    const target = (message as { request: IncomingMessage }).request.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith('DynamoDB_')) return;
    if (STORE_WRITE_ACTIONS.has(target.slice(target.indexOf('.') + 1))) storeWrites++;
  };
  subscribe('http.server.request.start', onRequest);
  const providerWrites = () => {
    let total = 0;
    for (const simulator of [env.ocp, env.huawei, env.alibaba])
      for (const [route, calls] of simulator.calls) if (!PROVIDER_READ_ROUTE.test(route)) total += calls;
    return total;
  };
  const client = new DynamoDBClient({
    endpoint: env.dynamo.endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: {
      accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
  return {
    count: () => storeWrites + providerWrites(),
    storeWrites: () => storeWrites,
    async tableItems() {
      let items = 0;
      let start: Record<string, never> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: env.tableName, Select: 'COUNT', ExclusiveStartKey: start }),
        );
        items += page.Count ?? 0;
        start = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (start);
      return items;
    },
    stop() {
      unsubscribe('http.server.request.start', onRequest);
      client.destroy();
    },
  };
}

/** The table grows by no more than the writes counted during `run`: a cross-check of the count. */
export async function expectOnlyCountedWrites(writes: WriteWatch, run: () => Promise<void>) {
  const itemsBefore = await writes.tableItems();
  const storeBefore = writes.storeWrites();
  await run();
  const grown = (await writes.tableItems()) - itemsBefore;
  expect(grown).toBeGreaterThanOrEqual(0);
  expect(grown).toBeLessThanOrEqual(writes.storeWrites() - storeBefore);
}

/** A test file's environment with its writes watched from the start: the running pair inside a test. */
export function useWatchedEnvironment(): () => { env: TestEnvironment; writes: WriteWatch } {
  const environment = useTestEnvironment();
  let watched: { env: TestEnvironment; writes: WriteWatch } | undefined;
  beforeAll(() => {
    const env = environment();
    watched = { env, writes: watchWrites(env) };
  });
  afterAll(() => watched?.writes.stop());
  return () => {
    if (!watched) throw new Error('the test environment has not started');
    return watched;
  };
}
