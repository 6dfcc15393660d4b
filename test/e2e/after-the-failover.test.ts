import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as declareProtection } from '../../functions/declare-protection/handler.js';
import { handler as pairHistory } from '../../functions/pair-history/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as reprotect } from '../../functions/reprotect/handler.js';
import { handler as runDrill } from '../../functions/run-drill/handler.js';
import type { Deps } from '../../shared/deps.js';
import type { Operation } from '../../shared/domain/operation.js';
import { runDueDrills } from '../../shared/failover/drill.js';
import { evaluatePair } from '../../shared/failover/readiness.js';
import type { PairConfig } from '../../shared/providers/registry.js';
import type { Run } from '../../shared/views/pair-history.js';
import { depsFor, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { pollUntilDone, postOperation } from '../support/operations.js';
import { losePrimary, retireOldPrimaries } from '../support/outage.js';

/**
 * The walk-through's "after the failover", through real HTTP to the simulators and never a sandbox reset: a pair is
 * promoted, left unprotected, re-protected (or told why not), declared protected by a person where no API can do it,
 * and drilled. Each step goes on from where the last one left the sandbox.
 */
const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;
const LEDGER_PRIMARY = 'instances/5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03';
const LEDGER_DR = 'instances/9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03';

beforeAll(async () => {
  env = environment();
  deps = await depsFor(env);
});

const pair = (name: string) => deps.config.pairs.find((p) => p.name === name) as PairConfig;
const protectionTold = (name: string) =>
  env.sink.pairConditions().filter((n) => n.condition.pair === name && n.condition.aspect === 'protection');
const patch = (path: string, change: unknown) =>
  fetch(`${env.huawei.url}/_sandbox/${path}`, { method: 'PATCH', body: JSON.stringify(change) });

async function declare(name: string, body: unknown, key = 'sandbox-approver-key') {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'declare-protection');
  event.rawPath = `/v1/pairs/${name}/protection`;
  event.pathParameters = { pair: name };
  event.headers.authorization = `Bearer ${key}`;
  event.body = JSON.stringify(body);
  return httpAnswer(await declareProtection(event, lambdaContext()));
}

async function history(name: string): Promise<Run[]> {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'pair-history');
  event.pathParameters = { pair: name };
  event.rawPath = `/v1/pairs/${name}/history`;
  return httpAnswer(await pairHistory(event, lambdaContext())).body.runs;
}

describe('after a Huawei failover', () => {
  let promotion: Operation;

  it('a promotion leaves the pair unprotected, and reprotect names the rules Huawei would refuse it by', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    promotion = await pollUntilDone(env.store, asked.body.operation.id);
    expect((await deps.failover.getPairState('ledger-pg')).protection).toMatchObject({
      state: 'unprotected',
      reason: 'no-standby',
    });

    // The old primary is lost and unfenced: nothing is rebuilt on a pair at risk of split brain.
    const atRisk = await postOperation(reprotect, 'reprotect', { pair: 'ledger-pg' });
    expect(atRisk.status).toBe(422);
    expect(JSON.stringify(atRisk.body)).toContain('pair.at-risk');

    await retireOldPrimaries('ledger-pg');
    await losePrimary(env, 'ledger-pg', true);
    const refused = await postOperation(reprotect, 'reprotect', { pair: 'ledger-pg' });
    expect(refused.status).toBe(422);
    expect(refused.body.operation.state).toBe('REJECTED');
    // The promoted DR instance is standalone, the old primary primary/standby: the reverse of what DR needs.
    const failed = (refused.body.operation as Operation).findings.filter((f) => !f.passed).map((f) => f.rule);
    expect(failed).toEqual(expect.arrayContaining(['primary.ha', 'dr.single']));
    expect(refused.body.operation.outcome).toContain('the primary must be primary/standby (Ha)');
    // A refusal changes nothing: still no standby, said once.
    expect((await deps.failover.getPairState('ledger-pg')).protection).toMatchObject({
      state: 'unprotected',
      reason: 'no-standby',
      operationId: promotion.id,
    });
    expect(protectionTold('ledger-pg').filter((n) => n.condition.state === 'unprotected')).toHaveLength(1);
  });

  it('rebuilds DR in the new direction once the instances allow it, reprotecting meanwhile, each change told once', async () => {
    // A person changed the instances in the console: the new primary primary/standby, the old one standalone.
    await patch(LEDGER_DR, { type: 'Ha' });
    await patch(LEDGER_PRIMARY, { type: 'Single', status: 'ACTIVE' });
    const before = protectionTold('ledger-pg').length;

    const asked = await postOperation(reprotect, 'reprotect', { pair: 'ledger-pg' });
    expect(asked.status).toBe(202);
    const running = await deps.failover.getPairState('ledger-pg');
    expect(running.protection).toMatchObject({ state: 'reprotecting', operationId: asked.body.operation.id });
    // An evaluation while it runs does not overwrite it.
    await evaluatePair(deps, pair('ledger-pg'));
    expect((await deps.failover.getPairState('ledger-pg')).protection?.state).toBe('reprotecting');

    const done = await pollUntilDone(env.store, asked.body.operation.id);
    expect(done.state).toBe('SUCCEEDED');
    // Built from the new primary to the old one, as the pair stands.
    expect(done.target).toMatchObject({
      primaryInstanceId: '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03',
      drInstanceId: '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03',
    });
    expect(done.steps.map((s) => s.id)).toEqual(['build_master_dr_relation', 'build_slave_dr_relation']);

    const readiness = await evaluatePair(deps, pair('ledger-pg'));
    await evaluatePair(deps, pair('ledger-pg'));
    expect((await deps.failover.getPairState('ledger-pg')).protection?.state).toBe('protected');
    expect(readiness.checks.find((c) => c.name === 'precheck')?.outcome).toBe('passed');
    expect(
      protectionTold('ledger-pg')
        .slice(before)
        .map((n) => n.condition.state),
    ).toEqual(['reprotecting', 'unknown', 'protected']);

    // Protected now, so a second re-protection is refused before anything is sent.
    const again = await postOperation(reprotect, 'reprotect', { pair: 'ledger-pg' });
    expect(again.status).toBe(422);
    expect(JSON.stringify(again.body)).toContain('there is nothing to re-protect');
  });

  it('drills a pair with no switchover API as a readiness evaluation, and fails it on an expired credential', async () => {
    const ready = await postOperation(runDrill, 'run-drill', { pair: 'ledger-pg' });
    expect(ready.status).toBe(202);
    expect(ready.body.operation).toMatchObject({
      kind: 'drill',
      state: 'SUCCEEDED',
      drill: { kind: 'evaluation' },
    });
    expect(ready.body.operation.outcome).toContain('a failover would go through now');

    await fetch(`${env.huawei.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ fault: { kind: 'expired-credentials' } }),
    });
    try {
      const refused = await postOperation(runDrill, 'run-drill', { pair: 'ledger-pg' });
      expect(refused.body.operation.state).toBe('FAILED');
      expect(refused.body.operation.outcome).toContain('APIGW.0301');
    } finally {
      await fetch(`${env.huawei.url}/_sandbox/faults`, { method: 'DELETE' });
    }
    const drills = (await history('ledger-pg')).filter((r) => r.kind === 'drill');
    expect(drills.map((d) => d.state)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(drills[0]?.drill?.checks?.find((c) => c.name === 'observer')?.outcome).toBe('failed');

    // A switchover drill where the provider has none is refused, naming the field.
    const unsupported = await postOperation(runDrill, 'run-drill', { pair: 'ledger-pg', kind: 'switchover' });
    expect(unsupported.status).toBe(422);
    expect(JSON.stringify(unsupported.body)).toContain('body.kind');
  });
});

describe('where no API re-protects', () => {
  it('Alibaba: reprotect says why not, and a person declares the pair protected, told once and kept', async () => {
    const refused = await postOperation(reprotect, 'reprotect', { pair: 'billing-rds' });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('CreateGadInstanceMember is MySQL only');
    expect(refused.body.detail).toContain('PUT /v1/pairs/billing-rds/protection');

    // Alibaba reports no lag for a DR link, so the evaluation cannot say.
    await evaluatePair(deps, pair('billing-rds'));
    expect((await deps.failover.getPairState('billing-rds')).protection?.state).toBe('unknown');
    const before = protectionTold('billing-rds').length;

    // An operator may not say it; an approver may.
    expect(
      (await declare('billing-rds', { state: 'protected', reason: 'x' }, 'sandbox-operator-key')).status,
    ).toBe(403);
    const declared = await declare('billing-rds', {
      state: 'protected',
      reason: 'DR instance rebuilt in the console',
    });
    expect(declared.status).toBe(200);
    expect(declared.body.protection).toMatchObject({
      state: 'protected',
      declaredBy: 'api-key:sandbox-approver',
    });
    await evaluatePair(deps, pair('billing-rds'));
    // The evaluation's unknown does not undo a person's word.
    expect((await deps.failover.getPairState('billing-rds')).protection?.state).toBe('protected');
    const told = protectionTold('billing-rds').slice(before);
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toContain('api-key:sandbox-approver says DR was rebuilt outside Switchyard');

    expect((await declare('billing-rds', { state: 'protected', reason: 'again' })).status).toBe(409);
    const bad = await declare('billing-rds', { state: 'unprotected', reason: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('body.state');
  });

  it('OCP: reprotect after a failover says why not', async () => {
    const refused = await postOperation(reprotect, 'reprotect', { pair: 'payments-ob' });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('createStandbyTenant makes a new tenant');
  });
});

describe('a switchover drill', () => {
  it('switches over and back, verifies and measures each leg, and reports it in the history', async () => {
    const asked = await postOperation(runDrill, 'run-drill', {
      pair: 'orders-ob',
      reason: 'quarterly DR drill',
    });
    expect(asked.status).toBe(202);
    expect(asked.body.operation).toMatchObject({
      kind: 'drill',
      state: 'RUNNING',
      drill: { kind: 'switchover' },
    });

    const drill = await pollUntilDone(env.store, asked.body.operation.id);
    expect(drill.state).toBe('SUCCEEDED');
    expect(drill.drill?.legs.map((l) => [l.leg, l.state])).toEqual([
      [1, 'SUCCEEDED'],
      [2, 'SUCCEEDED'],
    ]);
    for (const leg of drill.drill?.legs ?? []) expect(leg.rtoSeconds).toBeGreaterThan(0);
    expect(drill.outcome).toMatch(/switched over and back, each leg verified; RTO leg 1 \d+ s, leg 2 \d+ s/);
    // Back where it started: the configured primary is the primary again.
    expect((await deps.failover.getPairState('orders-ob')).roles?.primary).toBe('cluster 1 tenant 1001');

    const runs = await history('orders-ob');
    const reported = runs.find((r) => r.id === drill.id);
    expect(reported?.drill?.legs).toHaveLength(2);
    const legIds = drill.drill?.legs.map((l) => l.operationId) ?? [];
    for (const id of legIds)
      expect(runs.find((r) => r.id === id)).toMatchObject({ kind: 'switchover', outcome: 'verified' });
    // Its start and end were announced like any operation's.
    expect(env.sink.forOperation(drill.id).map((r) => r.notification.type)).toContain('operation.state');
  });
});

describe('a drill on a schedule', () => {
  it('starts when the last drill is older than everyDays, once, and as the schedule, not a person', async () => {
    const clock = { at: Date.now() };
    const scheduled = await depsFor(env, {
      now: () => clock.at,
      adjust: (config) => {
        const ledger = config.pairs.find((p) => p.name === 'ledger-pg');
        if (ledger) ledger.drill = { everyDays: 7 };
      },
    });
    // ledger-pg was drilled above, moments ago: not due.
    expect(await runDueDrills(scheduled)).toEqual({ started: [], errors: [] });

    clock.at += 7 * 86_400_000 + 1000;
    const due = await runDueDrills(scheduled);
    expect(due.started).toHaveLength(1);
    expect(await runDueDrills(scheduled)).toEqual({ started: [], errors: [] });
    const drill = (await env.store.get(due.started[0] as string)) as Operation;
    expect(drill).toMatchObject({
      kind: 'drill',
      pair: 'ledger-pg',
      requestedBy: { principal: 'schedule:drills', channel: 'schedule' },
      drill: { kind: 'evaluation' },
    });
    expect(drill.state).toBe('SUCCEEDED');
  });
});
