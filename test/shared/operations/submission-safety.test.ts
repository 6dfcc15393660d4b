import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../shared/deps.js';
import { advanceOperation, pollActiveOperations } from '../../../shared/operations/advance-operation.js';
import { requestOperation } from '../../../shared/operations/request-operation.js';
import { type TestClock, type TestEnvironment, useClockedEnvironment } from '../../support/environment.js';

const clocked = useClockedEnvironment();
let env: TestEnvironment;
let deps: Deps;
let clock: TestClock;
beforeAll(() => {
  ({ env, deps, clock } = clocked());
});
// Each case starts with free pairs: let what the last one started run to its end.
afterEach(async () => {
  for (let tick = 0; tick < 200 && (await env.store.listActive()).length > 0; tick++) {
    clock.at = Math.max(clock.at, Date.now()) + 61_000;
    await pollActiveOperations(deps);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

const request = (pair: string) => ({
  kind: 'switchover' as const,
  pair,
  params: {},
  requestedBy: { principal: 'test', channel: 'http' as const },
  source: 'http' as const,
});
const fault = (rule: unknown) =>
  fetch(`${env.ocp.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });
const tasksOnOcp = async () =>
  ((await (await fetch(`${env.ocp.url}/_sandbox/state`)).json()) as { tasks: unknown[] }).tasks.length;

describe('submitting at most once', () => {
  it('after a lost answer, finds the job OCP did start instead of sending the switchover again', async () => {
    await fault({ route: 'switchover', times: 1, fault: { kind: 'drop', when: 'after' } });

    const { operation } = await requestOperation(deps, request('orders-ob'));
    expect(operation.state).toBe('SUBMITTING');
    expect(operation.submission.ambiguous).toBe(true);

    // Within the grace period the poller leaves it to the request that may still be submitting.
    expect(await advanceOperation(deps, operation)).toBe('skipped');
    clock.at += 2 * 60_000;
    expect(await advanceOperation(deps, (await env.store.get(operation.id))!)).toBe('progressed');

    const adopted = (await env.store.get(operation.id))!;
    expect(adopted.state).toBe('RUNNING');
    expect(adopted.job?.id).toBeDefined();
    expect(env.ocp.calls.get('switchover')).toBe(1);
    expect(await tasksOnOcp()).toBe(1);
    expect(adopted.events.map((e) => e.type)).toEqual(['created', 'submission', 'state']);
  });

  it('after a request that never reached OCP, sends it once more and runs it once', async () => {
    await fault({ route: 'switchover', times: 1, fault: { kind: 'drop', when: 'before' } });

    const { operation } = await requestOperation(deps, request('payments-ob'));
    expect(operation.submission.ambiguous).toBe(true);
    clock.at += 2 * 60_000;
    await advanceOperation(deps, (await env.store.get(operation.id))!);

    const resubmitted = (await env.store.get(operation.id))!;
    expect(resubmitted.state).toBe('RUNNING');
    expect(resubmitted.submission.attempts).toBe(2);
    expect(await tasksOnOcp()).toBe(1);
  });

  it('ends an operation past its deadline TIMED_OUT, announces it and frees the pair', async () => {
    await fault({ route: 'switchover', times: 1, fault: { kind: 'drop', when: 'after' } });
    const { operation } = await requestOperation(deps, request('orders-ob'));
    clock.at = Date.parse(operation.deadline) + 1;

    const summary = await pollActiveOperations(deps);

    expect(summary.finished).toBeGreaterThanOrEqual(1);
    const ended = (await env.store.get(operation.id))!;
    expect(ended.state).toBe('TIMED_OUT');
    expect(env.sink.forOperation(operation.id).at(-1)?.notification.operation.state).toBe('TIMED_OUT');
    expect(await env.store.getLock('pair:orders-ob', new Date(clock.at))).toBeUndefined();
  });

  it('fails the operation, without a retry, when OCP refuses the switchover', async () => {
    await fault({
      route: 'switchover',
      times: 1,
      fault: { kind: 'status', status: 400, message: 'tenant is locked' },
    });

    const { operation } = await requestOperation(deps, request('payments-ob'));

    expect(operation.state).toBe('FAILED');
    expect(operation.outcome).toContain('tenant is locked');
    expect(await env.store.getLock('pair:payments-ob', new Date(clock.at))).toBeUndefined();
  });
});
