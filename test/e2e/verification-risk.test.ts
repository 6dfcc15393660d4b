import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../shared/deps.js';
import { isTerminal, type Operation } from '../../shared/domain/operation.js';
import { acknowledgePair } from '../../shared/failover/people-actions.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { approveOperation } from '../../shared/operations/approve-operation.js';
import { requestOperation } from '../../shared/operations/request-operation.js';
import { fenceAtRiskPairs } from '../../shared/operations/split-brain.js';
import { HuaweiDrInfosSchema } from '../../shared/providers/huawei/huawei-schemas.js';
import { depsFor, resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { losePrimary, retireOldPrimaries } from '../support/outage.js';

/**
 * Verification and the split-brain risk, from the adversarial review: the risk follows what the provider says of
 * the old primary, and a person's word or a fence that held is not undone when the operation ends.
 */
const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;
let app: Server;
let appStatus = 503;

const OLIVIA = { principal: 'api-key:sandbox-operator', channel: 'http' as const, person: 'olivia' };
const ADAM = { principal: 'api-key:sandbox-approver', channel: 'http' as const, person: 'adam' };

beforeAll(async () => {
  env = environment();
  app = createServer((_request, response) => response.writeHead(appStatus).end());
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/write`;
  deps = await depsFor(env, {
    adjust: (config) => {
      for (const name of ['billing-rds', 'orders-ob']) {
        const pair = config.pairs.find((p) => p.name === name);
        if (!pair) throw new Error(`${name} is not in the sandbox config`);
        pair.verification = {
          windowSeconds: 600,
          checks: [{ name: 'w', url, method: 'GET', timeoutMs: 500 }],
        };
      }
    },
  });
});
afterAll(() => {
  app.closeAllConnections();
  app.close();
});
beforeEach(async () => {
  await Promise.all([env.ocp.url, env.alibaba.url].map((url) => resetSimulator(url)));
  await retireOldPrimaries('payments-ob', 'billing-rds', 'orders-ob');
  appStatus = 503;
});
afterEach(async () => {
  await fetch(`${env.ocp.url}/_sandbox/faults`, { method: 'DELETE' });
  appStatus = 200;
  for (let i = 0; i < 100 && (await env.store.listActive()).length > 0; i++) await pollActiveOperations(deps);
});

async function tickUntil(id: string, until: (op: Operation) => boolean): Promise<Operation> {
  for (let tick = 0; tick < 300; tick++) {
    await pollActiveOperations(deps);
    const operation = (await env.store.get(id)) as Operation;
    if (until(operation) || isTerminal(operation.state)) return operation;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`operation ${id} never got there`);
}
const verifying = (op: Operation) => op.verification?.state === 'verifying';
const getTenantFails = () =>
  fetch(`${env.ocp.url}/_sandbox/faults`, {
    method: 'POST',
    body: JSON.stringify({ route: 'getTenant', fault: { kind: 'status', status: 500 } }),
  });

/** An OCP failover over a lost primary, verifying because OCP's tenant details fail: the pair is at risk. */
async function failoverVerifying(): Promise<Operation> {
  await losePrimary(env, 'payments-ob');
  const { operation } = await requestOperation(deps, {
    kind: 'promote-standby',
    pair: 'payments-ob',
    params: {},
    requestedBy: OLIVIA,
    source: 'http',
  });
  await getTenantFails();
  const waiting = await tickUntil(operation.id, verifying);
  expect(waiting).toMatchObject({ state: 'RUNNING', fencing: { state: 'deferred' } });
  expect((await deps.failover.getPairState('payments-ob')).atRisk?.operationId).toBe(operation.id);
  return waiting;
}

describe('the split-brain risk while a promotion is verified', () => {
  it("keeps a person's word that the old primary is retired when the operation ends", async () => {
    const waiting = await failoverVerifying();
    await acknowledgePair(deps, 'payments-ob', ADAM, { oldPrimaryRetired: true });
    expect((await deps.failover.getPairState('payments-ob')).atRisk).toBeUndefined();

    await fetch(`${env.ocp.url}/_sandbox/faults`, { method: 'DELETE' });
    const done = await tickUntil(waiting.id, () => false);

    expect(isTerminal(done.state)).toBe(true);
    expect((await deps.failover.getPairState('payments-ob')).atRisk).toBeUndefined();
    const marked = env.sink
      .pairRisks()
      .filter((r) => r.pair.operationId === waiting.id && r.pair.risk === 'split-brain');
    expect(marked).toHaveLength(1);
  });

  it('ends SUCCEEDED with the pair no longer at risk when the poller fenced the old primary meanwhile', async () => {
    const waiting = await failoverVerifying();
    await losePrimary(env, 'payments-ob', true);
    await fetch(`${env.ocp.url}/_sandbox/faults`, { method: 'DELETE' });
    await fenceAtRiskPairs(deps);
    await fenceAtRiskPairs(deps);
    expect(env.ocp.tenants.get(1003)?.locked).toBe(true);

    const done = await tickUntil(waiting.id, () => false);

    expect(done.state).toBe('SUCCEEDED');
    expect((await deps.failover.getPairState('payments-ob')).atRisk).toBeUndefined();
  });

  it('marks the pair at risk when Alibaba says the fenced old primary is Running again', async () => {
    const { operation } = await requestOperation(deps, {
      kind: 'promote-standby',
      pair: 'billing-rds',
      params: {},
      requestedBy: OLIVIA,
      source: 'http',
    });
    await approveOperation(deps, operation.id, ADAM, 'planned failover');
    const waiting = await tickUntil(operation.id, verifying);
    expect(waiting.fencing?.state).toBe('fenced');
    await losePrimary(env, 'billing-rds', true);

    const done = await tickUntil(operation.id, () => false);

    expect(done.state).toBe('UNVERIFIED');
    expect((await deps.failover.getPairState('billing-rds')).atRisk).toMatchObject({
      operationId: operation.id,
      member: 'pgm-bp1billing0primary',
      detail: expect.stringContaining('is Running'),
    });
    await acknowledgePair(deps, 'billing-rds', ADAM, { oldPrimaryRetired: true });
  });

  it('marks the pair at risk when OCP lists both tenants as PRIMARY after a switchover', async () => {
    const { operation } = await requestOperation(deps, {
      kind: 'switchover',
      pair: 'orders-ob',
      params: {},
      requestedBy: OLIVIA,
      source: 'http',
    });
    await tickUntil(operation.id, verifying);
    await fetch(`${env.ocp.url}/_sandbox/tenants/1001`, {
      method: 'PATCH',
      body: JSON.stringify({ role: 'PRIMARY' }),
    });

    const done = await tickUntil(operation.id, () => false);

    expect(done.state).toBe('UNVERIFIED');
    expect((await deps.failover.getPairState('orders-ob')).atRisk?.detail).toContain('two primary tenants');
    await acknowledgePair(deps, 'orders-ob', ADAM, { oldPrimaryRetired: true });
  });

  it('answers a Slack conversation with state changes only: verification rounds are progress', async () => {
    const responseUrl = `${env.sink.slackUrl}/replies/verify-${Date.now()}`;
    const { operation } = await requestOperation(deps, {
      kind: 'switchover',
      pair: 'orders-ob',
      params: {},
      requestedBy: { principal: 'olivia.operator', channel: 'chat', person: 'olivia' },
      source: 'chat',
      replyTo: { slackResponseUrl: responseUrl },
    });
    await tickUntil(operation.id, verifying);
    appStatus = 200;
    const done = await tickUntil(operation.id, () => false);
    expect(done.state).toBe('SUCCEEDED');
    const replies = env.sink.slack
      .filter((p) => responseUrl.endsWith(p.path))
      .map((p) => p.body.text as string);
    // Asked, sent, and the end: Slack takes five posts to one response_url, and the end is never crowded out.
    expect(replies).toHaveLength(3);
    expect(replies.at(-1)).toContain('SUCCEEDED');
  });
});

describe("a provider's answer that says nothing", () => {
  it('is not an empty list of Huawei DR relations', () => {
    expect(HuaweiDrInfosSchema.parse({}).instance_dr_infos).toBeUndefined();
  });
});
