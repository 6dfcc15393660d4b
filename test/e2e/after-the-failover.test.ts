import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as declareProtection } from '../../functions/declare-protection/handler.js';
import { handler as pairHistory } from '../../functions/pair-history/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as reprotect } from '../../functions/reprotect/handler.js';
import { handler as runDrill } from '../../functions/run-drill/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import type { Deps } from '../../shared/deps.js';
import type { Operation } from '../../shared/domain/operation.js';
import { isTerminal } from '../../shared/domain/operation.js';
import { evaluateDueDecisions, receiveAlert } from '../../shared/failover/decide-alert.js';
import { advanceDrill, runDueDrills } from '../../shared/failover/drill.js';
import { setBrake } from '../../shared/failover/people-actions.js';
import { evaluatePair } from '../../shared/failover/readiness.js';
import { advanceOperation } from '../../shared/operations/advance-operation.js';
import { rejectOperation } from '../../shared/operations/approve-operation.js';
import { pairNow } from '../../shared/operations/pair-roles.js';
import { type PairConfig, targetOf } from '../../shared/providers/registry.js';
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
    expect(await runDueDrills(scheduled)).toEqual({ started: [], skipped: [], errors: [] });

    clock.at += 7 * 86_400_000 + 1000;
    const due = await runDueDrills(scheduled);
    expect(due.started).toHaveLength(1);
    expect(await runDueDrills(scheduled)).toEqual({ started: [], skipped: [], errors: [] });
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

/** Ends whatever the last test left waiting or running on the pairs. */
async function settle() {
  for (const waiting of (await env.store.listActive()).filter((o) => o.state === 'PENDING_APPROVAL'))
    await rejectOperation(deps, waiting.id, { principal: 'test-cleanup', channel: 'http' }, 'next test');
  for (const active of await env.store.listActive()) await pollUntilDone(env.store, active.id);
}

/** Follows one operation to its end with the poller's own step, leaving every other operation (a drill) as it is. */
async function followOnly(id: string): Promise<Operation> {
  for (let tick = 0; tick < 300; tick++) {
    const operation = (await env.store.get(id)) as Operation;
    if (isTerminal(operation.state)) return operation;
    await advanceOperation(deps, operation);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`operation ${id} did not finish`);
}

describe('a drill that does not go as planned', () => {
  it('is one at a time per pair, the same drill on a retry, and sends no leg once the pair was switched under it', async () => {
    const asked = await postOperation(
      runDrill,
      'run-drill',
      { pair: 'orders-ob' },
      { 'idempotency-key': 'drill-q4' },
    );
    expect(asked.status).toBe(202);
    const drillId = asked.body.operation.id as string;
    const replay = await postOperation(
      runDrill,
      'run-drill',
      { pair: 'orders-ob' },
      { 'idempotency-key': 'drill-q4' },
    );
    expect([replay.status, replay.body.operation.id]).toEqual([200, drillId]);
    const leg1 = asked.body.operation.drill.legs[0].operationId as string;
    expect((await followOnly(leg1)).state).toBe('SUCCEEDED');

    // Between the legs the pair is free: a second drill is refused, a person's switchover is not.
    const second = await postOperation(runDrill, 'run-drill', { pair: 'orders-ob' });
    expect(second.status).toBe(409);
    expect(second.body.detail).toContain(`Drill ${drillId} is under way`);
    const manual = await postOperation(switchover, 'switchover', { pair: 'orders-ob', reason: 'by hand' });
    expect((await followOnly(manual.body.operation.id)).state).toBe('SUCCEEDED');

    const drill = await pollUntilDone(env.store, drillId);
    expect(drill.state).toBe('FAILED');
    expect(drill.outcome).toContain(
      "leg 2 was not sent: the pair's primary is cluster 1 tenant 1001, not cluster 2 tenant 1002",
    );
    expect(drill.steps.map((s) => s.status)).toEqual(['succeeded', 'skipped']);
    // The drill did not switch the pair back the wrong way: the person's switchover stands.
    expect((await deps.failover.getPairState('orders-ob')).roles?.primary).toBe('cluster 1 tenant 1001');
    expect(
      (await postOperation(runDrill, 'run-drill', { pair: 'orders-ob', kind: 'evaluation' })).status,
    ).toBe(202);
  });

  it('an evaluation drill the poller finds unfinished is evaluated, never switched over', async () => {
    const clock = { at: Date.now() };
    const clocked = await depsFor(env, { now: () => clock.at });
    const at = new Date(clock.at).toISOString();
    const stuck: Operation = {
      id: clocked.newId(),
      kind: 'drill',
      provider: 'oceanbase',
      pair: 'orders-ob',
      target: {},
      params: { kind: 'evaluation' },
      state: 'SUBMITTING',
      requestedBy: { principal: 'api-key:sandbox-operator', channel: 'http' },
      source: 'http',
      findings: [],
      drill: { kind: 'evaluation', legs: [] },
      submission: { attempts: 0, ambiguous: false },
      phase: 0,
      jobs: [],
      steps: [{ id: 'leg-1', name: 'Evaluate readiness', status: 'pending', upstreams: [], downstreams: [] }],
      createdAt: at,
      updatedAt: at,
      deadline: new Date(clock.at + 3_600_000).toISOString(),
      version: 1,
      events: [
        {
          at,
          actor: 'api-key:sandbox-operator',
          type: 'created',
          to: 'SUBMITTING',
          message: 'evaluation drill requested',
        },
      ],
    };
    await env.store.create(stuck);
    // Its request may still be evaluating: left alone.
    expect(await advanceDrill(clocked, stuck)).toBe('skipped');
    clock.at += 10 * 60_000;
    expect(await advanceDrill(clocked, stuck)).toBe('finished');
    const ended = (await env.store.get(stuck.id)) as Operation;
    expect(ended.drill?.legs).toEqual([]);
    expect(ended.drill?.checks?.map((c) => c.name)).toContain('precheck');
    const switched = (await env.store.list({ pair: 'orders-ob', kinds: ['switchover'], limit: 5 })).items;
    expect(switched.filter((o) => o.drillId === stuck.id)).toEqual([]);
  });

  it('a pair with no standby has nothing to drill or declare protected', async () => {
    const drill = await postOperation(runDrill, 'run-drill', { pair: 'crm-migration' });
    expect(drill.status).toBe(422);
    expect(drill.body.code).toBe('nothing_to_drill');
    const declared = await declare('crm-migration', { state: 'protected', reason: 'nothing to see' });
    expect(declared.status).toBe(422);
    expect(JSON.stringify(declared.body)).toContain('path.pair');
  });
});

describe('a scheduled switchover drill', () => {
  it('waits while the brake is on or the pair is not known protected and ready, then runs once per period', async () => {
    const clock = { at: Date.now() + 31 * 86_400_000 };
    const scheduled = await depsFor(env, {
      now: () => clock.at,
      adjust: (config) => {
        const orders = config.pairs.find((p) => p.name === 'orders-ob');
        if (!orders) return;
        orders.drill = { everyDays: 30 };
        // A lag budget is what lets an evaluation call the standby protected rather than unknown.
        orders.failover.maxLagSeconds = 60;
      },
    });
    await setBrake(scheduled, true, 'incident: hands off', {
      principal: 'api-key:sandbox-admin',
      channel: 'http',
    });
    expect((await runDueDrills(scheduled)).skipped).toEqual([
      { pair: 'orders-ob', why: 'the brake is engaged (incident: hands off)' },
    ]);
    await setBrake(scheduled, false, 'incident over', {
      principal: 'api-key:sandbox-admin',
      channel: 'http',
    });

    // Not evaluated against a budget yet: unknown is no ground to switch the pair.
    expect((await runDueDrills(scheduled)).skipped[0]?.why).toMatch(/^the pair is not known to be protected/);
    await evaluatePair(scheduled, scheduled.config.pairs.find((p) => p.name === 'orders-ob') as PairConfig);
    const state = await deps.failover.getPairState('orders-ob');
    expect([state.protection?.state, state.readiness?.state]).toEqual(['protected', 'ready']);
    const due = await runDueDrills(scheduled);
    expect(due).toMatchObject({ skipped: [], errors: [] });
    expect(due.started).toHaveLength(1);
    const drill = await pollUntilDone(env.store, due.started[0] as string);
    expect(drill.state).toBe('SUCCEEDED');
    // Its legs are newer than the drill: the schedule still finds the drill, and does not start another.
    clock.at += 60_000;
    expect(await runDueDrills(scheduled)).toEqual({ started: [], skipped: [], errors: [] });
  });
});

describe('a re-protection whose end was never recorded', () => {
  it('is not left reprotecting: the next evaluation records what the ended run left', async () => {
    const [ended] = (await env.store.list({ pair: 'ledger-pg', kinds: ['reprotect'], limit: 1 })).items;
    expect(ended && isTerminal(ended.state)).toBe(true);
    const state = await deps.failover.getPairState('ledger-pg');
    await deps.failover.putPairState({
      ...state,
      protection: {
        state: 'reprotecting',
        detail: `reprotect ${ended?.id} is rebuilding DR`,
        operationId: ended?.id,
        since: new Date().toISOString(),
        announcedAt: new Date().toISOString(),
      },
      version: state.version + 1,
    });
    await evaluatePair(deps, pair('ledger-pg'));
    expect((await deps.failover.getPairState('ledger-pg')).protection?.state).not.toBe('reprotecting');
  });
});

describe('a drill under pressure', () => {
  it('answers two requests with the same Idempotency-Key at once with one drill', async () => {
    const [a, b] = await Promise.all([
      postOperation(runDrill, 'run-drill', { pair: 'orders-ob' }, { 'idempotency-key': 'drill-twice' }),
      postOperation(runDrill, 'run-drill', { pair: 'orders-ob' }, { 'idempotency-key': 'drill-twice' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 202]);
    expect(a.body.operation.id).toBe(b.body.operation.id);
    const drill = await pollUntilDone(env.store, a.body.operation.id);
    expect(drill.state).toBe('SUCCEEDED');
  });

  it('sends no leg the wrong way when OCP was switched behind its back', async () => {
    const asked = await postOperation(runDrill, 'run-drill', { pair: 'orders-ob' });
    expect((await followOnly(asked.body.operation.drill.legs[0].operationId)).state).toBe('SUCCEEDED');
    // Someone switches back in OCP itself: Switchyard's record still says tenant 1002 is primary.
    const ocp = deps.providers.get('oceanbase')?.operations.switchover;
    const input = {
      kind: 'switchover' as const,
      target: targetOf(await pairNow(deps, 'orders-ob')),
      params: {},
      phase: 0,
    };
    const job = {
      ...((await ocp?.submit(input)) as { id: string }),
      submittedAt: new Date().toISOString(),
      phase: 0,
    };
    for (let i = 0; i < 300 && (await ocp?.followJob(job, input))?.status === 'running'; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));

    const drill = await pollUntilDone(env.store, asked.body.operation.id);
    expect(drill.state).toBe('FAILED');
    const leg2 = (await env.store.get(drill.drill?.legs[1]?.operationId as string)) as Operation;
    expect(leg2.state).toBe('REJECTED');
    expect(JSON.stringify(leg2.findings)).toContain('OCP says tenant 1001 is the primary, not tenant 1002');
    // And the advice is to put the record right, not to switch the pair away from where OCP has it.
    expect(drill.outcome).toContain(
      'no switchover is needed: put the record right (PUT /v1/pairs/orders-ob/roles)',
    );
    // Put the record right for what follows, as a person would.
    await deps.failover.putPairState({
      ...(await deps.failover.getPairState('orders-ob')),
      roles: { primary: 'cluster 1 tenant 1001', since: new Date().toISOString(), by: 'test' },
      version: (await deps.failover.getPairState('orders-ob')).version + 1,
    });
  });

  it('sends no leg past its deadline, however long the leg before it waited', async () => {
    const asked = await postOperation(runDrill, 'run-drill', { pair: 'orders-ob' });
    expect((await followOnly(asked.body.operation.drill.legs[0].operationId)).state).toBe('SUCCEEDED');
    const late = await depsFor(env, {
      now: () => Date.parse(asked.body.operation.deadline) + 3 * 86_400_000,
    });
    expect(await advanceDrill(late, (await env.store.get(asked.body.operation.id)) as Operation)).toBe(
      'finished',
    );
    const drill = (await env.store.get(asked.body.operation.id)) as Operation;
    expect(drill.state).toBe('TIMED_OUT');
    expect(drill.outcome).toContain('leg 2 was not sent by the deadline');
    expect(drill.outcome).toContain('leg 1 left the pair switched over');
    const back = await postOperation(switchover, 'switchover', {
      pair: 'orders-ob',
      reason: 'after the drill',
    });
    expect((await pollUntilDone(env.store, back.body.operation.id)).state).toBe('SUCCEEDED');
  });

  it('asks a person about an alert that comes in during a leg, and sends no further leg', async () => {
    const clock = { at: Date.now() };
    // orders-ob fails over by itself here: its alert is held, then decided while the leg runs.
    const clocked = await depsFor(env, {
      now: () => clock.at,
      adjust: (config) => {
        const orders = config.pairs.find((p) => p.name === 'orders-ob');
        if (orders) orders.failover = { ...orders.failover, mode: 'auto', holdOffSeconds: 30 };
      },
    });
    const asked = await postOperation(runDrill, 'run-drill', { pair: 'orders-ob' });
    const received = await receiveAlert(clocked, {
      source: 'alertmanager',
      name: 'orders-ob-primary-tenant-down',
      status: 'firing',
      labels: { alertname: 'orders-ob-primary-tenant-down' },
      fingerprint: `alertmanager:during-drill-${Date.now()}`,
      startsAt: new Date(clock.at).toISOString(),
    });
    expect(received?.outcome).toBe('holding');
    // At the end of its hold-off the leg is still switching: the alert waits for it, a few minutes at most.
    clock.at += 31_000;
    await evaluateDueDecisions(clocked);
    expect((await deps.failover.getDecision(received?.id as string))?.outcome).toBe('holding');
    // Ten minutes on, the leg still holds the pair: a person decides, told what to do.
    clock.at += 10 * 60_000;
    await evaluateDueDecisions(clocked);
    const decided = await deps.failover.getDecision(received?.id as string);
    expect(decided?.outcome).toBe('blocked');
    expect(decided?.reason).toContain(`drill ${asked.body.operation.id}'s switchover`);
    expect(decided?.reason).toContain('/switchyard promote orders-ob');

    const drill = await pollUntilDone(env.store, asked.body.operation.id);
    expect(drill.state).toBe('FAILED');
    expect(drill.outcome).toContain('leg 2 was not sent: alert "orders-ob-primary-tenant-down" came in');
    expect(drill.outcome).toContain('leg 1 left the pair switched over');
    // Switch it back by hand, as the outcome says.
    const back = await postOperation(switchover, 'switchover', {
      pair: 'orders-ob',
      reason: 'after the drill',
    });
    expect((await pollUntilDone(env.store, back.body.operation.id)).state).toBe('SUCCEEDED');
  });

  it('an alert waits for a request that has claimed the pair but not yet written its operation', async () => {
    const clock = { at: Date.now() };
    const clocked = await depsFor(env, {
      now: () => clock.at,
      adjust: (config) => {
        const orders = config.pairs.find((p) => p.name === 'orders-ob');
        if (orders) orders.failover = { ...orders.failover, mode: 'approve', holdOffSeconds: 30 };
      },
    });
    // A drill's leg (or a person's switchover) has the pair and is still prechecking.
    await env.store.acquireLock(
      'pair:orders-ob',
      { operationId: 'still-prechecking', idempotencyKey: 'switchover:drill:x:2', acquiredAt: clock.at },
      900,
      new Date(clock.at),
    );
    const received = await receiveAlert(clocked, {
      source: 'alertmanager',
      name: 'orders-ob-primary-tenant-down',
      status: 'firing',
      labels: { alertname: 'orders-ob-primary-tenant-down' },
      fingerprint: `alertmanager:claiming-${Date.now()}`,
      startsAt: new Date(clock.at).toISOString(),
    });
    clock.at += 31_000;
    await evaluateDueDecisions(clocked);
    // Not suppressed on the word of an operation that does not exist (yet): it keeps holding.
    expect((await deps.failover.getDecision(received?.id as string))?.outcome).toBe('holding');
    // The claim never became an operation: once no function could still be running it, the alert goes on.
    clock.at += 150_000;
    await evaluateDueDecisions(clocked);
    const decided = await deps.failover.getDecision(received?.id as string);
    expect(decided?.outcome).not.toMatch(/holding|suppressed/);
    await settle();
  });

  it("a scheduled drill does not act on a person's word that a pair is protected", async () => {
    const declared = await declare('payments-ob', {
      state: 'protected',
      reason: 'standby tenant rebuilt in OCP',
    });
    expect(declared.status).toBe(200);
    const scheduled = await depsFor(env, {
      adjust: (config) => {
        const payments = config.pairs.find((p) => p.name === 'payments-ob');
        if (payments) payments.drill = { everyDays: 30 };
      },
    });
    const summary = await runDueDrills(scheduled);
    expect(summary.started).toEqual([]);
    expect(summary.skipped).toEqual([
      {
        pair: 'payments-ob',
        why: "the pair is protected on api-key:sandbox-approver's word only, not confirmed by oceanbase",
      },
    ]);
  });
});
