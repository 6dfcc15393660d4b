import { beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../shared/deps.js';
import { ConflictError } from '../../../shared/domain/errors.js';
import { isTerminal, type Operation } from '../../../shared/domain/operation.js';
import { pollActiveOperations } from '../../../shared/operations/advance-operation.js';
import { OUTLIVES_ANY_FUNCTION_MS } from '../../../shared/operations/pipeline.js';
import { requestOperation } from '../../../shared/operations/request-operation.js';
import { containerWith } from '../../support/dying-container.js';
import { type TestClock, type TestEnvironment, useClockedEnvironment } from '../../support/environment.js';

const clocked = useClockedEnvironment();
let env: TestEnvironment;
let deps: Deps;
let clock: TestClock;
beforeAll(() => {
  ({ env, deps, clock } = clocked());
});

const switchover = (pair: string) => ({
  kind: 'switchover' as const,
  pair,
  params: {},
  requestedBy: { principal: 'test', channel: 'http' as const },
  source: 'http' as const,
});

async function pollUntilFree(pair: string) {
  for (let tick = 0; tick < 100 && (await env.store.getLock(`pair:${pair}`, new Date(clock.at))); tick++) {
    clock.at += 61_000;
    await pollActiveOperations(deps);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('stuck work', () => {
  it('frees a pair whose lock holder died before creating its operation, once it cannot still be running', async () => {
    // A request took the lock, then its Lambda stopped before writing anything.
    await env.store.acquireLock(
      'pair:orders-ob',
      { operationId: 'died-on-the-way' },
      900,
      new Date(clock.at),
    );

    await expect(requestOperation(deps, switchover('orders-ob'))).rejects.toBeInstanceOf(ConflictError);
    clock.at += OUTLIVES_ANY_FUNCTION_MS + 1_000;
    const { operation } = await requestOperation(deps, switchover('orders-ob'));

    expect(operation.state).toBe('RUNNING');
    expect((await env.store.getLock('pair:orders-ob', new Date(clock.at)))?.operationId).toBe(operation.id);
    await pollUntilFree('orders-ob');
  });

  it('frees a pair at once when its holder ended but died before releasing it', async () => {
    const { operation: first } = await requestOperation(deps, switchover('payments-ob'));
    // The poller writes SUCCEEDED, then its Lambda stops before the lock is released or anyone is told.
    const dying = containerWith(deps, {
      type: 'crash',
      on: 'store',
      method: 'update',
      when: 'after',
      matching: ([written]) => isTerminal((written as Operation).state),
    });
    for (let tick = 0; tick < 300 && !dying.struck(); tick++) {
      clock.at += 1_000;
      await new Promise((resolve) => setTimeout(resolve, 20));
      await pollActiveOperations(dying.deps).catch(() => undefined);
    }
    expect((await env.store.get(first.id))?.state).toBe('SUCCEEDED');
    expect((await env.store.getLock('pair:payments-ob', new Date(clock.at)))?.operationId).toBe(first.id);

    const { operation: next } = await requestOperation(deps, switchover('payments-ob'));

    expect(next.state).toBe('RUNNING');
    await pollUntilFree('payments-ob');
    // The ending nobody heard of is told by a later tick, once its writer can no longer be running: a tick after
    // that, whether or not the next switchover freed the pair sooner.
    clock.at += OUTLIVES_ANY_FUNCTION_MS + 1_000;
    await pollActiveOperations(deps);
    const told = env.sink.forOperation(first.id).map((r) => r.notification.operation.state);
    expect(told.at(-1)).toBe('SUCCEEDED');
  });

  it('keeps a pair for an operation still running whose lock lapsed, as when the poller was down', async () => {
    const { operation: running } = await requestOperation(deps, switchover('orders-ob'));
    clock.at += 901_000;

    await expect(requestOperation(deps, switchover('orders-ob'))).rejects.toThrow(/lock had lapsed/);

    expect((await env.store.getLock('pair:orders-ob', new Date(clock.at)))?.operationId).toBe(running.id);
    await pollUntilFree('orders-ob');
    expect((await env.store.get(running.id))?.state).toBe('SUCCEEDED');
  });

  it('lets the lock of a holder that stopped renewing it expire, and the next operation proceed', async () => {
    await env.store.acquireLock(
      'pair:orders-ob',
      { operationId: 'stopped-renewing' },
      900,
      new Date(clock.at),
    );
    clock.at += 901_000;

    const { operation } = await requestOperation(deps, switchover('orders-ob'));

    expect(operation.state).toBe('RUNNING');
    await pollUntilFree('orders-ob');
  });
});
