import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../shared/deps.js';
import { ConflictError } from '../../shared/domain/errors.js';
import { isTerminal, type Operation } from '../../shared/domain/operation.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { requestOperation } from '../../shared/operations/request-operation.js';
import {
  depsFor,
  resetSimulator,
  type TestClock,
  type TestEnvironment,
  useTestEnvironment,
} from '../support/environment.js';

/**
 * After a switchover, Switchyard asks OCP about both tenants and the pair's application checks before it says
 * SUCCEEDED, through real HTTP to the OCP simulator and to a small application server this file starts.
 */
const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;
const clock: TestClock = { at: Date.now() };

/** The application: each path answers as its test sets it, and counts what it was asked. */
const answers = new Map<string, number[]>();
const asked = new Map<string, number>();
let app: Server;
let appUrl: string;

beforeAll(async () => {
  env = environment();
  app = createServer((request, response) => {
    const path = request.url ?? '/';
    asked.set(path, (asked.get(path) ?? 0) + 1);
    const queue = answers.get(path) ?? [];
    const status = queue.length > 1 ? (queue.shift() as number) : (queue[0] ?? 404);
    if (status === 0) return; // never answers
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  deps = await depsFor(env, {
    now: () => clock.at,
    adjust: (config) => {
      const pair = config.pairs.find((p) => p.name === 'orders-ob');
      if (!pair) throw new Error('orders-ob is not in the sandbox config');
      pair.verification = {
        windowSeconds: 120,
        checks: [
          { name: 'orders-write', url: `${appUrl}/write?token=secret-token`, method: 'POST', timeoutMs: 300 },
        ],
      };
    },
  });
});
afterAll(() => {
  app.closeAllConnections();
  app.close();
});
beforeEach(async () => {
  await resetSimulator(env.ocp.url);
  await fetch(`${env.ocp.url}/_sandbox/faults`, { method: 'DELETE' });
  answers.clear();
  asked.clear();
  clock.at = Date.now();
});

const switchover = () =>
  requestOperation(deps, {
    kind: 'switchover',
    pair: 'orders-ob',
    params: {},
    requestedBy: { principal: 'test', channel: 'http' },
    source: 'http',
  });

/** Poller ticks a second apart (on the test's clock) until `until` holds of the operation or it ended. */
async function tickUntil(id: string, until: (op: Operation) => boolean, step = 1_000): Promise<Operation> {
  for (let tick = 0; tick < 400; tick++) {
    const current = (await env.store.get(id)) as Operation;
    if (until(current) || isTerminal(current.state)) return current;
    clock.at += step;
    await pollActiveOperations(deps);
  }
  throw new Error(`operation ${id} never got there`);
}
const verifying = (op: Operation) => op.verification?.state === 'verifying';
const told = (id: string) => env.sink.forOperation(id).map((r) => r.notification);

describe('verification after a switchover', () => {
  it("confirms the switchover through OCP and the application's write path before it says SUCCEEDED", async () => {
    answers.set('/write?token=secret-token', [204]);
    const { operation } = await switchover();

    const done = await tickUntil(operation.id, () => false);

    expect(done.state).toBe('SUCCEEDED');
    expect(done.verification?.state).toBe('verified');
    expect(done.verification?.checks.map((c) => [c.name, c.by, c.outcome])).toEqual([
      ['new-primary.role', 'provider', 'passed'],
      ['new-primary.writable', 'provider', 'passed'],
      ['old-primary.fenced', 'provider', 'passed'],
      ['app:orders-write', 'application', 'passed'],
    ]);
    const application = done.verification?.checks.at(-1);
    expect(application?.detail).toBe(`POST ${appUrl}/write: HTTP 204`);
    // The URL's query may hold a token: it is never recorded.
    expect(JSON.stringify(done)).not.toContain('secret-token');
    expect(application?.ms).toBeGreaterThanOrEqual(0);
  });

  it('waits for an application that answers again a little after the switchover, then says SUCCEEDED', async () => {
    answers.set('/write?token=secret-token', [503, 503, 503, 200]);
    const { operation } = await switchover();

    const waiting = await tickUntil(operation.id, verifying);
    expect(waiting.state).toBe('RUNNING');
    expect(waiting.verification?.checks.find((c) => c.name === 'app:orders-write')).toMatchObject({
      outcome: 'failed',
      detail: `POST ${appUrl}/write: HTTP 503`,
    });
    expect(waiting.events.at(-1)).toMatchObject({ type: 'verification' });
    expect(waiting.events.at(-1)?.message).toContain('verifying: app:orders-write failed');

    const done = await tickUntil(operation.id, () => false);
    expect(done.state).toBe('SUCCEEDED');
    // Rounds that found the same were not written again: one event while verifying, then the end.
    expect(done.events.filter((e) => e.type === 'verification')).toHaveLength(1);
    expect(told(operation.id).map((n) => n.operation.state)).toContain('SUCCEEDED');
    // The pair is free for the next operation only once the result is confirmed.
    expect(await env.store.getLock('pair:orders-ob', new Date(clock.at))).toBeUndefined();
  });

  it('holds the pair while it verifies: no other operation starts on it', async () => {
    answers.set('/write?token=secret-token', [503]);
    const { operation } = await switchover();
    await tickUntil(operation.id, verifying);

    await expect(switchover()).rejects.toBeInstanceOf(ConflictError);
    await tickUntil(operation.id, () => false, 10_000);
  });

  it('ends UNVERIFIED, saying what failed, when the application never answers 2xx within the window', async () => {
    answers.set('/write?token=secret-token', [503]);
    const { operation } = await switchover();
    const waiting = await tickUntil(operation.id, verifying);
    const until = Date.parse(waiting.verification?.until as string);

    const done = await tickUntil(operation.id, () => false, 10_000);

    expect(done.state).toBe('UNVERIFIED');
    expect(clock.at).toBeGreaterThanOrEqual(until);
    expect(done.verification).toMatchObject({ state: 'unverified' });
    expect(done.outcome).toBe(
      `the provider's job completed, but Switchyard could not confirm the result: app:orders-write failed: POST ${appUrl}/write: HTTP 503`,
    );
    const end = told(operation.id).find((n) => n.operation.state === 'UNVERIFIED');
    expect(end?.text).toContain(`not verified by ${waiting.verification?.until}`);
    expect(end?.nextAction).toContain('Needs attention');
    // The roles did change at the provider, and Switchyard's record says so.
    expect((await deps.failover.getPairState('orders-ob')).roles?.operationId).toBe(operation.id);
    expect(await env.store.getLock('pair:orders-ob', new Date(clock.at))).toBeUndefined();
  });

  it('takes an application that does not answer in time for unknown, never for passed', async () => {
    answers.set('/write?token=secret-token', [0]);
    const { operation } = await switchover();

    const done = await tickUntil(operation.id, () => false, 10_000);

    expect(done.state).toBe('UNVERIFIED');
    expect(done.verification?.checks.at(-1)).toMatchObject({ name: 'app:orders-write', outcome: 'unknown' });
    expect(done.verification?.checks.at(-1)?.detail).toContain('no answer');
  });

  it('takes a provider that cannot answer for unknown, asks again, and says SUCCEEDED once OCP confirms', async () => {
    answers.set('/write?token=secret-token', [200]);
    const { operation } = await switchover();
    // OCP's tenant details fail while the switchover runs and just after it.
    await fetch(`${env.ocp.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: 'getTenant', fault: { kind: 'status', status: 500 } }),
    });

    const waiting = await tickUntil(operation.id, verifying);
    expect(waiting.verification?.checks.filter((c) => c.by === 'provider').map((c) => c.outcome)).toEqual([
      'unknown',
      'unknown',
      'unknown',
    ]);
    expect(waiting.state).toBe('RUNNING');

    await fetch(`${env.ocp.url}/_sandbox/faults`, { method: 'DELETE' });
    const done = await tickUntil(operation.id, () => false);
    expect(done.state).toBe('SUCCEEDED');
  });
});
