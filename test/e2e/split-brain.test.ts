import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as acknowledgePair } from '../../functions/acknowledge-pair/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as upgradeMinorVersion } from '../../functions/upgrade-minor-version/handler.js';
import type { Deps } from '../../shared/deps.js';
import { ConflictError } from '../../shared/domain/errors.js';
import { setPairRoles } from '../../shared/failover/people-actions.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { approveOperation } from '../../shared/operations/approve-operation.js';
import { requestOperation } from '../../shared/operations/request-operation.js';
import { fenceAtRiskPair } from '../../shared/operations/split-brain.js';
import { containerWith } from '../support/dying-container.js';
import { depsFor, resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { pollUntilDone, postOperation } from '../support/operations.js';
import { losePrimary, retireOldPrimaries, sandboxMembers } from '../support/outage.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;
const LEDGER_PRIMARY = '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03';
const LEDGER_DR = '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03';

beforeAll(async () => {
  env = environment();
  deps = await depsFor(env);
});
beforeEach(async () => {
  await resetSimulator(env.huawei.url);
  await retireOldPrimaries('ledger-pg');
});

const writable = async () =>
  (await sandboxMembers(env, 'huawei'))
    .filter((m) => [LEDGER_PRIMARY, LEDGER_DR].includes(m.id) && m.acceptsWrites)
    .map((m) => m.id);
const risks = (operationId: string) =>
  env.sink
    .pairRisks()
    .filter((r) => r.pair.operationId === operationId)
    .map((r) => r.pair.risk);

async function ack(body: Record<string, unknown>) {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
  event.rawPath = '/v1/pairs/ledger-pg/ack';
  event.pathParameters = { pair: 'ledger-pg' };
  event.headers.authorization = 'Bearer sandbox-approver-key';
  event.body = JSON.stringify(body);
  return httpAnswer(await acknowledgePair(event, lambdaContext()));
}

/** ledger-pg's primary is lost and its DR instance promoted; the primary cannot be stopped while FAILED. */
async function promotedOverLostPrimary() {
  await losePrimary(env, 'ledger-pg');
  const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
  expect(asked.status).toBe(202);
  return pollUntilDone(env.store, asked.body.operation.id);
}

describe('a pair left at risk of split brain', () => {
  it('stays at risk through an ack of the cooldown, and ends only when a person says the old primary is retired', async () => {
    const promoted = await promotedOverLostPrimary();
    expect(promoted.fencing?.state).toBe('deferred');
    expect(risks(promoted.id)).toEqual(['split-brain']);

    const cooldownOnly = await ack({ note: 'checked the application' });
    expect(cooldownOnly.status).toBe(200);
    expect(cooldownOnly.body.atRisk).toMatchObject({ operationId: promoted.id, member: LEDGER_PRIMARY });
    expect((await deps.failover.getPairState('ledger-pg')).atRisk).toBeDefined();

    const retired = await ack({ oldPrimaryRetired: true });
    expect(retired.body.atRisk).toBeNull();
    expect(risks(promoted.id)).toEqual(['split-brain', 'acknowledged']);
  });

  it('changes no roles until it is fenced: a new promotion is refused with 409 naming the rule', async () => {
    await promotedOverLostPrimary();
    // The pair stands with the promoted instance as its primary: a promotion now would promote the old primary,
    // which Huawei refuses anyway (it is no DR instance); the split-brain rule refuses it first of all.
    const again = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    expect(again.status).toBe(422);
    const refused = (again.body.operation.findings as { rule: string; passed: boolean }[]).filter(
      (f) => !f.passed,
    );
    expect(refused.map((f) => f.rule)).toContain('pair.at-risk');
    expect(again.body.detail).toContain(`${LEDGER_PRIMARY} was promoted over and is not fenced yet`);
  });

  it('refuses roles said while it is at risk, and fences nothing on a pair no longer configured', async () => {
    const promoted = await promotedOverLostPrimary();
    // A failback said while Switchyard is fencing the old primary would have it fence the primary just named.
    const said = await setPairRoles(deps, 'ledger-pg', 'configured-primary', 'failed back in the console', {
      principal: 'on-call',
      channel: 'http',
    }).catch((error: unknown) => error);
    expect(said).toBeInstanceOf(ConflictError);
    expect(String((said as Error).message)).toContain('Say it is retired first');

    // The old primary comes back, but the pair was taken out of the config meanwhile: nothing is stopped.
    await losePrimary(env, 'ledger-pg', true);
    const unconfigured = await depsFor(env, {
      adjust: (config) => {
        config.pairs = config.pairs.filter((p) => p.name !== 'ledger-pg');
      },
    });
    const stops = env.huawei.calls.get('StopInstance') ?? 0;
    expect(await fenceAtRiskPair(unconfigured, 'ledger-pg')).toBe(false);
    expect(env.huawei.calls.get('StopInstance') ?? 0).toBe(stops);
    expect(await writable()).toEqual(expect.arrayContaining([LEDGER_PRIMARY, LEDGER_DR]));
    expect((await deps.failover.getPairState('ledger-pg')).atRisk?.operationId).toBe(promoted.id);
  });

  it('is at risk when the fence after the promotion never finishes', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    // The old primary answers again just as its stop is sent, and Huawei's stop job hangs.
    await losePrimary(env, 'ledger-pg', true);
    await fetch(`${env.huawei.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: 'StopInstance', fault: { kind: 'stall' } }),
    });
    const late = await depsFor(env, { now: () => Date.now() + 2 * 3_600_000 });
    for (let i = 0; i < 40 && (await env.store.get(asked.body.operation.id))?.job?.phase !== 1; i++)
      await pollActiveOperations(deps);
    expect(await writable()).toEqual(expect.arrayContaining([LEDGER_PRIMARY, LEDGER_DR]));
    await pollActiveOperations(late);

    const ended = await env.store.get(asked.body.operation.id);
    expect(ended?.state).toBe('TIMED_OUT');
    expect((await deps.failover.getPairState('ledger-pg')).atRisk?.detail).toContain('did not finish');
    expect(risks(asked.body.operation.id)).toEqual(['split-brain']);
  });
});

describe('the risk is never lost', () => {
  it('survives a container that dies recording it: the operation is not ended until the risk is written', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    const dying = containerWith(deps, {
      type: 'crash',
      on: 'failover',
      method: 'putPairState',
      when: 'before',
      matching: ([state]) => (state as { atRisk?: unknown }).atRisk !== undefined,
    });
    for (let i = 0; i < 40 && !dying.struck(); i++)
      await pollActiveOperations(dying.deps).catch(() => undefined);
    expect(dying.struck()).toBe(true);
    expect((await env.store.get(asked.body.operation.id))?.state).not.toBe('SUCCEEDED');

    // The next Lambda invocation, once the dead one's submission has outlived a request, ends it and records the risk.
    await pollActiveOperations(await depsFor(env, { now: () => Date.now() + 61_000 }));
    const done = await pollUntilDone(env.store, asked.body.operation.id);
    expect(done.fencing?.state).toBe('deferred');
    expect((await deps.failover.getPairState('ledger-pg')).atRisk?.operationId).toBe(asked.body.operation.id);
    expect(risks(asked.body.operation.id)).toEqual(['split-brain']);
  });

  it('is recorded when the promotion itself ran out of time after it was sent', async () => {
    await losePrimary(env, 'ledger-pg');
    await fetch(`${env.huawei.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: 'drreplica_to_master', fault: { kind: 'stall' } }),
    });
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    const late = await depsFor(env, { now: () => Date.now() + 2 * 3_600_000 });
    await pollActiveOperations(late);
    expect((await env.store.get(asked.body.operation.id))?.state).toBe('TIMED_OUT');
    expect((await deps.failover.getPairState('ledger-pg')).atRisk?.detail).toContain(
      'the promotion ran out of time after it was sent, so the standby may be primary now',
    );
  });

  it('takes no other operation either, so the poller never waits behind one to fence', async () => {
    await promotedOverLostPrimary();
    const upgrade = await postOperation(upgradeMinorVersion, 'upgrade-minor-version', { pair: 'ledger-pg' });
    expect([409, 422]).toContain(upgrade.status);
    expect(upgrade.body.findings).toContainEqual(
      expect.objectContaining({ rule: 'pair.at-risk', passed: false }),
    );
  });
});

describe('approval looks at every promotion rule again', () => {
  it('refuses a planned failover it cannot fence first, when the primary came back while people decided', async () => {
    const bestEffort = await depsFor(env, {
      adjust: (config) => {
        const pair = config.pairs.find((p) => p.name === 'ledger-pg');
        if (pair) pair.failover.fencing = 'best-effort';
      },
    });
    await fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_PRIMARY}`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'REBOOTING' }),
    });
    const asked = await requestOperation(bestEffort, {
      kind: 'promote-standby',
      pair: 'ledger-pg',
      params: {},
      requestedBy: { principal: 'alice', channel: 'http', person: 'alice' },
      source: 'http',
    });
    expect(asked.operation).toMatchObject({ state: 'PENDING_APPROVAL', observation: { primary: 'unknown' } });

    await losePrimary(env, 'ledger-pg', true);
    const approved = await approveOperation(
      bestEffort,
      asked.operation.id,
      { principal: 'bob', channel: 'http', person: 'bob' },
      'go',
    );

    expect(approved.state).toBe('REJECTED');
    expect(approved.outcome).toContain('[planned-failover.fence-first]');
    expect(env.huawei.calls.get('drreplica_to_master') ?? 0).toBe(0);
  });
});
