import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as evaluatePairsHandler } from '../../functions/evaluate-pairs/handler.js';
import { handler as listPairs } from '../../functions/list-pairs/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import type { Deps } from '../../shared/deps.js';
import { setPairRoles } from '../../shared/failover/people-actions.js';
import { evaluatePair } from '../../shared/failover/readiness.js';
import type { PairConfig } from '../../shared/providers/registry.js';
import type { PairSummary } from '../../shared/views/pair-status.js';
import {
  depsFor,
  resetSimulator,
  type TestClock,
  type TestEnvironment,
  useTestEnvironment,
} from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { pollUntilDone, postOperation } from '../support/operations.js';
import { losePrimary, retireOldPrimaries } from '../support/outage.js';

/**
 * The scheduled evaluation of every pair, through real HTTP to the simulators: would a failover go through now,
 * and is the pair protected? Each is announced when it changes, and an unprotected pair again at the interval.
 */
const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;
const clock: TestClock = { at: Date.now() };
const LEDGER_DR = 'instances/9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03';
const ADMIN = { principal: 'api-key:sandbox-admin', channel: 'http' as const, person: 'ada' };

beforeAll(async () => {
  env = environment();
  deps = await depsFor(env, { now: () => clock.at });
});
beforeEach(async () => {
  await Promise.all([env.ocp.url, env.huawei.url, env.alibaba.url].map((url) => resetSimulator(url)));
  await Promise.all(
    [env.ocp.url, env.huawei.url, env.alibaba.url].map((url) =>
      fetch(`${url}/_sandbox/faults`, { method: 'DELETE' }),
    ),
  );
  await retireOldPrimaries('ledger-pg', 'billing-rds', 'payments-ob');
  clock.at = Date.now();
});

const pair = (name: string) => deps.config.pairs.find((p) => p.name === name) as PairConfig;
const evaluate = (name: string) => evaluatePair(deps, pair(name));
const conditions = (name: string, aspect: 'readiness' | 'protection') =>
  env.sink.pairConditions().filter((n) => n.condition.pair === name && n.condition.aspect === aspect);
const patch = (url: string, path: string, change: unknown) =>
  fetch(`${url}/_sandbox/${path}`, { method: 'PATCH', body: JSON.stringify(change) });

async function pairsView(): Promise<PairSummary[]> {
  const request = loadEvent<APIGatewayProxyEventV2>('http', 'list-pairs');
  return httpAnswer(await listPairs(request, lambdaContext())).body.items;
}

describe('readiness', () => {
  it('finds a healthy Huawei pair ready, says so without a word, and shows it with each check', async () => {
    const before = conditions('ledger-pg', 'readiness').length;
    const readiness = await evaluate('ledger-pg');

    expect(readiness.state).toBe('ready');
    expect(readiness.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['precheck', 'passed'],
      ['observer', 'passed'],
      ['lag', 'passed'],
      ['fencing', 'passed'],
    ]);
    expect(readiness.checks.find((c) => c.name === 'lag')?.detail).toContain('within the budget of 16 MB');
    expect(readiness.checks.find((c) => c.name === 'fencing')?.detail).toContain('pay-per-use on CLOUDSSD');
    // A pair first found ready is no news.
    expect(conditions('ledger-pg', 'readiness')).toHaveLength(before);
    const shown = (await pairsView()).find((p) => p.name === 'ledger-pg');
    expect(shown?.readiness).toMatchObject({ state: 'ready' });
    expect(shown?.protection).toMatchObject({ state: 'protected' });
  });

  it('catches an expired credential now, not during the disaster, and says it once', async () => {
    await evaluate('ledger-pg');
    await fetch(`${env.huawei.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ fault: { kind: 'expired-credentials' } }),
    });

    const refused = await evaluate('ledger-pg');
    await evaluate('ledger-pg');

    expect(refused.state).toBe('not-ready');
    expect(refused.checks.find((c) => c.name === 'precheck')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining('refused Switchyard’s credentials'),
    });
    expect(refused.checks.find((c) => c.name === 'observer')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining('could not be asked'),
    });
    const told = conditions('ledger-pg', 'readiness');
    expect(told.filter((n) => n.condition.state === 'not-ready')).toHaveLength(1);
    expect(told.at(-1)?.text).toContain('APIGW.0301');

    await fetch(`${env.huawei.url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await evaluate('ledger-pg')).state).toBe('ready');
    expect(conditions('ledger-pg', 'readiness').at(-1)?.condition).toMatchObject({
      state: 'ready',
      previous: 'not-ready',
    });
  });

  it('catches a lag over budget: not ready, and unprotected, reminded at the interval and not before', async () => {
    await evaluate('ledger-pg');
    const before = conditions('ledger-pg', 'protection').length;
    await patch(env.huawei.url, LEDGER_DR, { lag: { receiveMb: '40', replayMb: '41', replayMs: '900' } });

    const late = await evaluate('ledger-pg');

    expect(late.state).toBe('not-ready');
    expect(late.checks.find((c) => c.name === 'lag')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining('over the budget of 16 MB'),
    });
    const state = await deps.failover.getPairState('ledger-pg');
    expect(state.protection).toMatchObject({ state: 'unprotected', reason: 'over-budget' });
    expect(conditions('ledger-pg', 'protection')).toHaveLength(before + 1);

    clock.at += 30 * 60_000;
    await evaluate('ledger-pg');
    expect(conditions('ledger-pg', 'protection')).toHaveLength(before + 1);
    clock.at += 31 * 60_000;
    await evaluate('ledger-pg');
    const reminders = conditions('ledger-pg', 'protection').slice(before);
    expect(reminders).toHaveLength(2);
    expect(reminders[1]).toMatchObject({ condition: { reminder: true, state: 'unprotected' } });
    expect(reminders[1]?.text).toContain('is still unprotected (over-budget)');
    expect(reminders[1]?.id).not.toBe(reminders[0]?.id);

    const shown = (await pairsView()).find((p) => p.name === 'ledger-pg');
    expect(shown?.health.status).toBe('unprotected');
  });

  it('says a stopped replication leaves the pair unprotected', async () => {
    await patch(env.huawei.url, LEDGER_DR, { replicaState: '-1' });
    await evaluate('ledger-pg');
    expect((await deps.failover.getPairState('ledger-pg')).protection).toMatchObject({
      state: 'unprotected',
      reason: 'replication-stopped',
    });
  });

  it('names the fence condition Alibaba would refuse: a primary with read-only instances cannot be stopped', async () => {
    await patch(env.alibaba.url, 'instances/pgm-bp1billing0primary', {
      readOnlyInstances: ['pgr-bp1billing0ro01'],
    });
    const readiness = await evaluate('billing-rds');
    expect(readiness.checks.find((c) => c.name === 'fencing')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining('it has read-only instances (pgr-bp1billing0ro01)'),
    });
    // Alibaba reports no lag for a DR link: the protection is unknown, never assumed.
    expect((await deps.failover.getPairState('billing-rds')).protection?.state).toBe('unknown');
  });

  it('finds a Huawei pair whose DR relation is not built neither ready nor protected, and says why', async () => {
    const readiness = await evaluate('orders-pg');
    expect(readiness.checks.find((c) => c.name === 'precheck')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining('dr.relation: c39bd176fb0540929f6add80b91b212cin03 is no DR instance'),
    });
    expect((await deps.failover.getPairState('orders-pg')).protection).toMatchObject({
      state: 'unprotected',
      reason: 'dr-relation-broken',
    });
  });

  it('does not call an OCP pair with no lag budget protected on a sync SCN alone', async () => {
    await evaluate('orders-ob');
    const protection = (await deps.failover.getPairState('orders-ob')).protection;
    expect(protection?.state).toBe('unknown');
    expect(protection?.detail).toContain('sets no lag budget to judge it by');
  });

  it('is not ready while the pair is at risk of split brain', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    await pollUntilDone(env.store, asked.body.operation.id);
    await setPairRoles(deps, 'ledger-pg', 'configured-standby', 'look past the missing standby', ADMIN);
    const readiness = await evaluate('ledger-pg');
    expect(readiness.checks.find((c) => c.name === 'split-brain')).toMatchObject({ outcome: 'failed' });
  });

  it('has nothing to say of a pair with no standby', async () => {
    expect((await evaluate('crm-migration')).state).toBe('not-applicable');
  });

  it('runs on its schedule through its function, every pair', async () => {
    const summary = await evaluatePairsHandler(loadEvent('schedule', 'evaluate-pairs'), lambdaContext());
    expect(summary).toMatchObject({ evaluated: deps.config.pairs.length, errors: [] });
  });
});

describe('protection after a failover', () => {
  it('is lost by a promotion, announced after its end, and makes the pair not ready until it is re-protected', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    const done = await pollUntilDone(env.store, asked.body.operation.id);

    const state = await deps.failover.getPairState('ledger-pg');
    expect(state.protection).toMatchObject({
      state: 'unprotected',
      reason: 'no-standby',
      operationId: done.id,
    });
    const told = conditions('ledger-pg', 'protection').at(-1);
    expect(told?.text).toContain('has no standby until it is re-protected');
    expect(told?.nextAction).toContain('Re-protect ledger-pg');
    const endTold = env.sink.received.findIndex(
      (r) => r.notification.id === `${done.id}:${done.events.length}`,
    );
    const protectionTold = env.sink.received.findIndex((r) => r.notification.id === told?.id);
    expect(endTold).toBeLessThan(protectionTold);

    const readiness = await evaluate('ledger-pg');
    expect(readiness).toMatchObject({ state: 'not-ready', checks: [{ name: 'standby', outcome: 'failed' }] });
    // The evaluation does not take a stale link's word over the promotion's: still no standby.
    expect((await deps.failover.getPairState('ledger-pg')).protection?.reason).toBe('no-standby');
  });

  it("is not overwritten by an evaluation that read the pair before the promotion ended, and ends with a person's word", async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    // An evaluation that finds the DR link replicating, written after the promotion's end.
    const racing = evaluate('ledger-pg');
    const done = await pollUntilDone(env.store, asked.body.operation.id);
    await racing;
    await evaluate('ledger-pg');
    expect((await deps.failover.getPairState('ledger-pg')).protection).toMatchObject({
      reason: 'no-standby',
      operationId: done.id,
    });

    // A person says which member is primary (a failback or a rebuild outside Switchyard): the provider decides again,
    // and here Huawei lists no relation for the old primary.
    await setPairRoles(deps, 'ledger-pg', 'configured-standby', 'rebuilt outside Switchyard', ADMIN);
    await evaluate('ledger-pg');
    expect((await deps.failover.getPairState('ledger-pg')).protection).toMatchObject({
      state: 'unprotected',
      reason: 'dr-relation-broken',
    });
  });

  it('is kept by a switchover, whose old primary is the standby now', async () => {
    const asked = await postOperation(switchover, 'switchover', { pair: 'payments-ob' });
    await pollUntilDone(env.store, asked.body.operation.id);
    expect((await deps.failover.getPairState('payments-ob')).protection).toMatchObject({
      state: 'protected',
      operationId: asked.body.operation.id,
    });
  });
});
