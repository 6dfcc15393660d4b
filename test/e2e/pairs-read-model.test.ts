import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as acknowledgePair } from '../../functions/acknowledge-pair/handler.js';
import { handler as getBrake } from '../../functions/get-brake/handler.js';
import { handler as getPair } from '../../functions/get-pair/handler.js';
import { handler as listOperations } from '../../functions/list-operations/handler.js';
import { handler as listPairs } from '../../functions/list-pairs/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as setBrake } from '../../functions/set-brake/handler.js';
import { handler as setPairRoles } from '../../functions/set-pair-roles/handler.js';
import { handler as upgradeMinorVersion } from '../../functions/upgrade-minor-version/handler.js';
import type { Deps } from '../../shared/deps.js';
import { evaluateDueDecisions, receiveAlert } from '../../shared/failover/decide-alert.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { rejectOperation } from '../../shared/operations/approve-operation.js';
import { listPairs as listPairsOf, type PairSummary } from '../../shared/views/pair-status.js';
import { depsFor, resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { pollUntilDone, postOperation, settleOperations } from '../support/operations.js';
import { losePrimary } from '../support/outage.js';
import { READER, sendSlashCommand, slashCommand } from '../support/slack-command.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
/** Deps 31 s in the past, to receive an alert whose 30 s hold-off has passed by now. */
let earlier: Deps;
let now: Deps;

beforeAll(async () => {
  env = environment();
  earlier = await depsFor(env, { now: () => Date.now() - 31_000 });
  now = await depsFor(env);
});

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** A GET as API Gateway hands it to the function, with a key, a path and a query. */
async function get(
  handler: Handler,
  event: 'list-pairs' | 'get-pair' | 'get-brake',
  options: { pair?: string; query?: Record<string, string>; key?: string | null } = {},
) {
  const request = loadEvent<APIGatewayProxyEventV2>('http', event);
  if (options.pair !== undefined) {
    request.pathParameters = { pair: options.pair };
    request.rawPath = `/v1/pairs/${options.pair}`;
  }
  request.queryStringParameters = options.query ?? {};
  request.rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  if (options.key === null) delete request.headers.authorization;
  else request.headers.authorization = `Bearer ${options.key ?? 'sandbox-reader-key'}`;
  return httpAnswer(await handler(request, lambdaContext()));
}

const chatPairs = () => sendSlashCommand(slashCommand(env, READER, 'pairs'));

const LEDGER_PRIMARY = '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03';
const LEDGER_DR = '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03';

const pairNamed = async (name: string): Promise<PairSummary> =>
  (await get(listPairs, 'list-pairs')).body.items.find((p: PairSummary) => p.name === name);

/** ledger-pg (Huawei, auto, 30 s hold-off) fails over on its own: its primary is down and the alert overdue. */
async function automaticFailover() {
  await losePrimary(env, 'ledger-pg');
  const received = await receiveAlert(earlier, {
    source: 'alertmanager',
    name: 'PostgresPrimaryDown',
    status: 'firing',
    labels: { alertname: 'PostgresPrimaryDown', cluster: 'ledger' },
    fingerprint: `alertmanager:read-model-${Date.now()}`,
    startsAt: new Date(Date.now() - 60_000).toISOString(),
  });
  await evaluateDueDecisions(now);
  const decision = await now.failover.getDecision(received?.id as string);
  expect(decision?.outcome).toBe('failover-requested');
  return pollUntilDone(env.store, decision?.operationId as string);
}

describe('GET /v1/pairs', () => {
  it('lists every configured pair in config order, with its members, mode and a released brake', async () => {
    const answer = await get(listPairs, 'list-pairs');
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((p: PairSummary) => p.name)).toEqual(now.config.pairs.map((p) => p.name));
    expect(answer.body.items[0]).toMatchObject({
      name: 'orders-ob',
      provider: 'oceanbase',
      providerName: 'OceanBase OCP',
      roles: { primary: 'tenant 1001 in cluster 1', standby: 'tenant 1002 in cluster 2', source: 'config' },
      health: { status: 'quiet' },
      cooldown: null,
      heldBy: null,
    });
    expect(await pairNamed('billing-rds')).toMatchObject({
      failover: { mode: 'approve' },
      roles: {
        primary: 'pgm-bp1billing0primary in cn-hangzhou',
        standby: 'pgm-2zebilling0standby in cn-beijing',
      },
    });
    expect(answer.body.brake).toMatchObject({
      engaged: false,
      failoversThisHour: { count: 0, limit: 2 },
    });
  });

  it('shows an automatic failover: the cooldown, who can end it, the decision with its operation, the hour count', async () => {
    const promotion = await automaticFailover();
    expect(promotion.state).toBe('UNVERIFIED');
    // Once Huawei had promoted, an event of the promotion said who is primary now; the pair keeps it.
    expect(promotion.events.map((e) => e.message)).toContainEqual(
      expect.stringContaining(
        `${LEDGER_DR} in cn-south-1 is the primary of ledger-pg now, and ${LEDGER_PRIMARY} in cn-north-4 is not`,
      ),
    );

    // Its primary was down, so it could not be fenced first: the risk comes before the cooldown.
    const ledger = await pairNamed('ledger-pg');
    expect(ledger.health.status).toBe('at-risk');
    expect(ledger.health.reasons).toEqual([
      expect.stringContaining('split brain is possible: 5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03 was not fenced'),
      // The promotion left the pair without a standby.
      expect.stringMatching(/^no protection since .* \(no-standby\): promote-standby /),
      expect.stringMatching(/^no automatic failover until .* or until a person acknowledges the last one$/),
      expect.stringContaining(
        `the last operation, promote-standby ${promotion.id}, ended UNVERIFIED (the provider's job completed, but Switchyard could not confirm the result: old-primary.fenced failed`,
      ),
    ]);
    expect(ledger.cooldown).toMatchObject({
      acknowledge: {
        http: 'POST /v1/pairs/ledger-pg/ack',
        chat: '/switchyard ack ledger-pg',
        people: ['ada', 'adam'],
      },
    });
    const cooldown = ledger.cooldown as NonNullable<PairSummary['cooldown']>;
    expect(Date.parse(cooldown.until) - Date.parse(cooldown.since)).toBe(3600_000);
    expect(ledger.lastOperation).toMatchObject({
      id: promotion.id,
      kind: 'promote-standby',
      state: 'UNVERIFIED',
    });
    expect(ledger.latestDecision).toMatchObject({
      outcome: 'failover-requested',
      alert: 'PostgresPrimaryDown',
      operationId: promotion.id,
    });

    const brake = await get(getBrake, 'get-brake');
    expect(brake.status).toBe(200);
    expect(brake.body.failoversThisHour).toMatchObject({ count: 1, limit: 2 });

    const detail = await get(getPair, 'get-pair', { pair: 'ledger-pg', query: { recent: '5' } });
    expect(detail.status).toBe(200);
    expect(detail.body.target).toMatchObject({ primaryInstanceId: LEDGER_DR, drInstanceId: LEDGER_PRIMARY });
    expect(detail.body.recentOperations[0]).toMatchObject({
      id: promotion.id,
      progress: expect.stringContaining('done'),
    });
    expect(detail.body.recentDecisions[0]).toMatchObject({ operationId: promotion.id });

    // Chat shows the same cooldown, and how to end it.
    const chat = await chatPairs();
    expect(chat.body.text).toContain('Brake released');
    expect(chat.body.text).toMatch(
      /\*ledger-pg\* \(huawei, failover auto\).*cooldown until .*`\/switchyard ack ledger-pg` ends it/,
    );

    const ack = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
    ack.rawPath = '/v1/pairs/ledger-pg/ack';
    ack.pathParameters = { pair: 'ledger-pg' };
    ack.headers.authorization = 'Bearer sandbox-approver-key';
    ack.body = JSON.stringify({ note: 'checked the new primary', oldPrimaryRetired: true });
    expect(httpAnswer(await acknowledgePair(ack, lambdaContext())).status).toBe(200);
    const acknowledged = await pairNamed('ledger-pg');
    expect(acknowledged).toMatchObject({ cooldown: null, acknowledgedBy: 'api-key:sandbox-approver' });
    // Acknowledged and the old primary retired, but the pair has no standby until it is re-protected.
    expect(acknowledged.health.status).toBe('unprotected');
    expect(acknowledged.health.reasons).toHaveLength(1);
    await losePrimary(env, 'ledger-pg', true);
  });

  it('keeps the roles a promotion left: the pair shows them, and the next operation acts on the new primary', async () => {
    const ledger = (await get(getPair, 'get-pair', { pair: 'ledger-pg' })).body;
    expect(ledger.roles).toMatchObject({
      primary: `${LEDGER_DR} in cn-south-1`,
      standby: `${LEDGER_PRIMARY} in cn-north-4`,
      source: 'recorded',
      operationId: ledger.lastOperation.id,
    });
    expect(ledger.target).toMatchObject({ primaryInstanceId: LEDGER_DR, drInstanceId: LEDGER_PRIMARY });
    // A minor upgrade of "the primary" now asks Huawei about the promoted instance, not the old one.
    const upgrade = await postOperation(
      upgradeMinorVersion,
      'upgrade-minor-version',
      { pair: 'ledger-pg', instance: 'primary', dryRun: true },
      { authorization: 'Bearer sandbox-operator-key' },
    );
    expect(upgrade.body.target).toMatchObject({ primaryInstanceId: LEDGER_DR });
  });

  it("takes a person's word for the roles after a failback outside Switchyard, and refuses to guess", async () => {
    const say = async (body: unknown, key = 'sandbox-admin-key') => {
      const event = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
      event.rawPath = '/v1/pairs/ledger-pg/roles';
      event.routeKey = 'PUT /v1/pairs/{pair}/roles';
      event.pathParameters = { pair: 'ledger-pg' };
      event.headers.authorization = `Bearer ${key}`;
      event.body = JSON.stringify(body);
      return httpAnswer(await setPairRoles(event, lambdaContext()));
    };
    const failback = { primary: 'configured-primary', reason: 'failed back in the Huawei console' };
    expect((await say(failback, 'sandbox-reader-key')).status).toBe(403);
    expect((await say({ primary: 'the-new-one', reason: 'x' })).body.errors[0].field).toBe('body.primary');

    const said = await say(failback);
    expect(said.status).toBe(200);
    expect(said.body).toMatchObject({
      primary: `${LEDGER_PRIMARY} in cn-north-4`,
      by: 'api-key:sandbox-admin',
    });
    const ledger = await pairNamed('ledger-pg');
    expect(ledger.roles).toMatchObject({ primary: `${LEDGER_PRIMARY} in cn-north-4`, source: 'recorded' });

    // A record that names no member the config does (the config changed since): nothing is done on a guess.
    const state = await now.failover.getPairState('ledger-pg');
    await now.failover.putPairState({
      ...state,
      roles: { primary: 'an-instance-since-removed', since: new Date().toISOString() },
      version: state.version + 1,
    });
    expect((await pairNamed('ledger-pg')).health.status).toBe('unknown');
    const upgrade = await postOperation(
      upgradeMinorVersion,
      'upgrade-minor-version',
      { pair: 'ledger-pg', instance: 'primary' },
      { authorization: 'Bearer sandbox-operator-key' },
    );
    expect(upgrade.status).toBe(409);
    expect(upgrade.body.detail).toContain('a person must say which member is primary');
    expect((await say(failback)).status).toBe(200);
    expect((await pairNamed('ledger-pg')).health.status).not.toBe('unknown');
  });

  it('records the roles of a promotion the provider finished while the poller was away past its deadline', async () => {
    await resetSimulator(env.huawei.url);
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(
      promoteStandby,
      'promote-standby',
      { pair: 'ledger-pg', reason: 'primary lost' },
      { authorization: 'Bearer sandbox-operator-key' },
    );
    expect(asked.body.operation.state).toBe('RUNNING');
    // Huawei finishes the promotion at once; the poller's next look comes two hours later, past the deadline.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = await depsFor(env, { now: () => Date.now() + 2 * 3_600_000 });
    await pollActiveOperations(late);
    const after = await env.store.get(asked.body.operation.id);
    expect(after?.events.map((e) => e.message)).toContainEqual(
      expect.stringContaining(`${LEDGER_DR} in cn-south-1 is the primary of ledger-pg now`),
    );
    expect((await now.failover.getPairState('ledger-pg')).roles?.primary).toBe(LEDGER_DR);
    await settleOperations(env.store, late);
    await losePrimary(env, 'ledger-pg', true);
    await resetSimulator(env.huawei.url);
    const state = await now.failover.getPairState('ledger-pg');
    const { atRisk: _fenced, ...rest } = state;
    await now.failover.putPairState({ ...rest, version: state.version + 1 });
  });

  it('names the operation holding a pair, and that it waits for a person', async () => {
    const asked = await postOperation(
      promoteStandby,
      'promote-standby',
      { pair: 'billing-rds' },
      { authorization: 'Bearer sandbox-operator-key' },
    );
    expect(asked.body).toMatchObject({ operation: { state: 'PENDING_APPROVAL' } });
    const billing = await pairNamed('billing-rds');
    expect(billing.health.status).toBe('waiting-for-person');
    expect(billing.heldBy).toMatchObject({ id: asked.body.operation.id, state: 'PENDING_APPROVAL' });
    expect(billing.health.reasons[0]).toContain('waits for approval');
    await rejectOperation(
      now,
      asked.body.operation.id,
      { principal: 'test-cleanup', channel: 'http' },
      'done looking',
    );
    expect((await pairNamed('billing-rds')).heldBy).toBeNull();
  });

  it('shows a brake a person engaged: by whom and why, on both routes', async () => {
    const engage = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
    engage.rawPath = '/v1/brake';
    engage.headers.authorization = 'Bearer sandbox-admin-key';
    engage.body = JSON.stringify({ engaged: true, reason: 'region-wide network event' });
    const engaged = httpAnswer(await setBrake(engage, lambdaContext()));
    expect(engaged.status).toBe(200);
    expect(engaged.body).toMatchObject({ engaged: true, changedBy: 'api-key:sandbox-admin' });

    const brake = (await get(getBrake, 'get-brake')).body;
    expect(brake).toMatchObject({
      engaged: true,
      reason: 'region-wide network event',
      changedBy: 'api-key:sandbox-admin',
    });
    expect((await get(listPairs, 'list-pairs')).body.brake).toEqual(brake);
    expect((await chatPairs()).body.text).toContain(
      '*Brake engaged* by api-key:sandbox-admin: region-wide network event',
    );

    engage.body = JSON.stringify({ engaged: false });
    expect(httpAnswer(await setBrake(engage, lambdaContext())).body).toMatchObject({
      engaged: false,
      failoversThisHour: { count: 0 },
    });
  });
});

describe('what the read routes refuse', () => {
  it('needs a key; names an unknown pair and a bad parameter; changes nothing', async () => {
    expect((await get(listPairs, 'list-pairs', { key: null })).status).toBe(401);
    expect((await get(getBrake, 'get-brake', { key: 'not-a-key' })).status).toBe(401);

    const unknown = await get(getPair, 'get-pair', { pair: 'no-such-pair' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe('application/problem+json');
    expect(unknown.body.detail).toBe('No pair named "no-such-pair".');

    const recent = await get(getPair, 'get-pair', { pair: 'orders-ob', query: { recent: '500' } });
    expect(recent.status).toBe(400);
    expect(recent.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.recent']);

    const extra = await get(listPairs, 'list-pairs', { query: { state: 'RUNNING' } });
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].field).toBe('query.state');
  });

  it('says what GET /v1/operations does not support: finished operations without a pair', async () => {
    const request = loadEvent<APIGatewayProxyEventV2>('http', 'list-operations');
    request.queryStringParameters = { state: 'SUCCEEDED' };
    request.rawQueryString = 'state=SUCCEEDED';
    const answer = httpAnswer(await listOperations(request, lambdaContext()));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        field: 'query.pair',
        message: 'name a pair to list finished operations; without one only active operations are listed',
      },
    ]);
  });
});

describe('what the read model never shows as quiet', () => {
  const summaryOf = async (d: Deps, name: string) =>
    (await listPairsOf(d)).items.find((p) => p.name === name) as PairSummary;

  it('a promotion still waiting for approval after its claim on the pair lapsed (the poller was down)', async () => {
    const asked = await postOperation(
      promoteStandby,
      'promote-standby',
      { pair: 'billing-rds' },
      { authorization: 'Bearer sandbox-operator-key' },
    );
    expect(asked.body.operation.state).toBe('PENDING_APPROVAL');
    // 16 minutes on: the 15-minute claim has lapsed, the 30-minute approval window has not.
    const later = await depsFor(env, { now: () => Date.now() + 16 * 60_000 });
    const billing = await summaryOf(later, 'billing-rds');
    expect(billing.health.status).toBe('waiting-for-person');
    expect(billing.heldBy?.id).toBe(asked.body.operation.id);
    await rejectOperation(
      now,
      asked.body.operation.id,
      { principal: 'test-cleanup', channel: 'http' },
      'done',
    );
  });

  it('a claim whose operation is not recorded (yet), named', async () => {
    const at = now.now();
    const id = '01ZZZZZZZZZZZZZZZZZZZZZZZZ';
    await now.store.acquireLock('pair:payments-ob', { operationId: id, acquiredAt: at.getTime() }, 900, at);
    const payments = await summaryOf(now, 'payments-ob');
    expect(payments).toMatchObject({ health: { status: 'operating' }, claimedBy: id, heldBy: null });
    expect(payments.health.reasons[0]).toContain(`claimed by operation ${id}, which is not recorded yet`);
    await now.store.releaseLock('pair:payments-ob', id);
  });

  it('an older alert still held behind a newer one that was cancelled', async () => {
    const labels = { alertname: 'RDS primary unavailable', pair: 'billing-rds' };
    const base = {
      source: 'alertmanager' as const,
      name: 'RDS primary unavailable',
      labels,
      startsAt: new Date().toISOString(),
    };
    const held = await receiveAlert(now, { ...base, status: 'firing', fingerprint: `am:held-${Date.now()}` });
    const other = `am:cancelled-${Date.now()}`;
    await receiveAlert(now, { ...base, status: 'firing', fingerprint: other });
    await receiveAlert(now, { ...base, status: 'resolved', fingerprint: other });
    const billing = await summaryOf(now, 'billing-rds');
    expect(billing.latestDecision?.outcome).toBe('cancelled');
    expect(billing.health.status).toBe('alert-held');
    await receiveAlert(now, { ...base, status: 'resolved', fingerprint: held?.alert.fingerprint as string });
  });

  it('an alert whose hold-off ended long ago and is still undecided: the poller is behind', async () => {
    // Received ten minutes ago (a 30 s hold-off), and no poller tick has decided it since.
    const tenMinutesAgo = await depsFor(env, { now: () => Date.now() - 10 * 60_000 });
    const alert = {
      source: 'alertmanager' as const,
      name: 'RDS primary unavailable',
      labels: { alertname: 'RDS primary unavailable', pair: 'billing-rds' },
      fingerprint: `am:overdue-${Date.now()}`,
      startsAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    };
    await receiveAlert(tenMinutesAgo, { ...alert, status: 'firing' });
    const billing = await summaryOf(now, 'billing-rds');
    expect(billing.health.status).toBe('alert-held');
    expect(billing.health.reasons[0]).toMatch(
      /was due to be decided at .* and is not yet: is the poller running\?$/,
    );
    await receiveAlert(now, { ...alert, status: 'resolved' });
  });

  it('an alert still firing on a pair that only notifies', async () => {
    const fingerprint = `am:notify-${Date.now()}`;
    const alert = {
      source: 'alertmanager' as const,
      name: 'orders-ob-primary-tenant-down',
      labels: { alertname: 'orders-ob-primary-tenant-down' },
      fingerprint,
      startsAt: new Date().toISOString(),
    };
    await receiveAlert(now, { ...alert, status: 'firing' });
    const orders = await summaryOf(now, 'orders-ob');
    expect(orders.health.status).toBe('alert-open');
    expect(orders.health.reasons[0]).toContain('"orders-ob-primary-tenant-down" is still firing');
    // Resolved, the pair is quiet again.
    await receiveAlert(now, { ...alert, status: 'resolved' });
    expect((await summaryOf(now, 'orders-ob')).health.status).toBe('quiet');
  });

  it('a pair whose records cannot be read is unknown, and the other pairs are still shown', async () => {
    // An operation item of crm-migration that is not an operation (a bad write, a schema from the future).
    const { PutCommand, DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    const table = now.store as unknown as {
      client: { send(command: unknown): Promise<unknown> };
      table: string;
    };
    const key = { pk: 'OP#zz-bad', sk: 'OP' };
    await table.client.send(
      new PutCommand({
        TableName: table.table,
        Item: {
          ...key,
          gsi2pk: 'PAIR#crm-migration',
          gsi2sk: '01ZZZZZZZZZZZZZZZZZZZZZZZZ',
          state: 'RUNNING',
        },
      }),
    );
    try {
      const answer = await get(listPairs, 'list-pairs');
      expect(answer.status).toBe(200);
      const crm = answer.body.items.find((p: PairSummary) => p.name === 'crm-migration');
      expect(crm.health.status).toBe('unknown');
      expect(crm.health.reasons[0]).toContain('could not read what it recorded of this pair');
      expect(answer.body.items.filter((p: PairSummary) => p.health.status !== 'unknown')).toHaveLength(5);
    } finally {
      await table.client.send(new DeleteCommand({ TableName: table.table, Key: key }));
    }
  });
});
