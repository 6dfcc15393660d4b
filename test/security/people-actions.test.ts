import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as acknowledgePair } from '../../functions/acknowledge-pair/handler.js';
import { handler as setBrake } from '../../functions/set-brake/handler.js';
import type { Deps } from '../../shared/deps.js';
import { evaluateDueDecisions, receiveAlert } from '../../shared/failover/decide-alert.js';
import type { Notification } from '../../shared/notify/notifier.js';
import { rejectOperation } from '../../shared/operations/approve-operation.js';
import { depsFor, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { losePrimary } from '../support/outage.js';
import { ADMIN, APPROVER, OPERATOR, sendSlashCommand, slashCommand } from '../support/slack-command.js';

/**
 * Hostile actor: someone holding only an `operate` key (or Slack user) tries to re-arm automatic failover, and
 * people who may change it must not do so unseen: every ack and every brake change reaches the on-call channel.
 */
const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;

const PAIR = 'ledger-pg';
const OLD_PRIMARY = '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03';

beforeAll(async () => {
  env = environment();
  deps = await depsFor(env);
});

beforeEach(async () => {
  // A pair an automatic failover left in its cooldown and at risk of split brain, and a released brake.
  const state = await deps.failover.getPairState(PAIR);
  await deps.failover.putPairState({
    pair: PAIR,
    lastAutomaticFailoverAt: new Date(Date.now() - 60_000).toISOString(),
    atRisk: {
      since: new Date(Date.now() - 60_000).toISOString(),
      operationId: '01J0000000000000000000TEST',
      member: OLD_PRIMARY,
      detail: `${OLD_PRIMARY} was reported down, so it could not be fenced`,
    },
    version: state.version + 1,
  });
  const brake = await deps.failover.getBrake();
  await deps.failover.putBrake({ engaged: false, recent: [], version: brake.version + 1 });
});

function httpEvent(route: string, key: string, body: unknown, pathParameters?: Record<string, string>) {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
  event.rawPath = route;
  event.routeKey = `POST ${route}`;
  event.headers.authorization = `Bearer ${key}`;
  delete event.headers['idempotency-key'];
  if (pathParameters) event.pathParameters = pathParameters;
  event.body = JSON.stringify(body);
  return event;
}

const ack = async (key: string, body: Record<string, unknown>) =>
  httpAnswer(
    await acknowledgePair(httpEvent(`/v1/pairs/${PAIR}/ack`, key, body, { pair: PAIR }), lambdaContext()),
  );
const brake = async (key: string, body: Record<string, unknown>) =>
  httpAnswer(await setBrake(httpEvent('/v1/brake', key, body), lambdaContext()));

/** A signed slash command from a sandbox Slack user, through the chat-slack function. */
const slash = (user: string, text: string) => sendSlashCommand(slashCommand(env, user, text));

/** Everything the signed webhook received from now on: the same facts Slack and the pager get. */
function told() {
  const from = env.sink.received.length;
  return <T extends Notification['type']>(type: T) =>
    env.sink.received
      .slice(from)
      .map((r) => r.notification)
      .filter((n): n is Extract<Notification, { type: T }> => n.type === type);
}
const everythingSince = (from: number) => env.sink.received.slice(from).map((r) => r.notification);

describe('ack re-arms automatic failover, so it needs the approve scope', () => {
  it("refuses an operate key's ack with 403 and changes and tells nothing", async () => {
    const before = await deps.failover.getPairState(PAIR);
    const heard = env.sink.received.length;

    const refused = await ack('sandbox-operator-key', {
      note: 'trust me',
      oldPrimaryRetired: true,
    });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.body.detail).toContain('approve');

    expect(await deps.failover.getPairState(PAIR)).toEqual(before);
    expect(everythingSince(heard)).toEqual([]);
  });

  it("refuses an operate Slack user's ack politely and changes and tells nothing", async () => {
    const before = await deps.failover.getPairState(PAIR);
    const heard = env.sink.received.length;

    const refused = await slash(OPERATOR, `ack ${PAIR} --retired`);
    expect(refused.status).toBe(200);
    expect(refused.body.text).toContain('`ack` needs the "approve" scope');

    expect(await deps.failover.getPairState(PAIR)).toEqual(before);
    expect(everythingSince(heard)).toEqual([]);
  });

  it("takes an approve key's ack and announces who, which pair, what it re-armed and why", async () => {
    const since = told();
    const answer = await ack('sandbox-approver-key', {
      note: 'old primary powered off in the console',
      oldPrimaryRetired: true,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      pair: PAIR,
      acknowledgedBy: 'api-key:sandbox-approver',
      atRisk: null,
    });

    const [announced, ...more] = since('pair.acknowledged');
    expect(more).toEqual([]);
    expect(announced?.acknowledgement).toMatchObject({
      pair: PAIR,
      by: 'api-key:sandbox-approver',
      rearmed: ['cooldown', 'split-brain-risk'],
      reason: 'old primary powered off in the console',
    });
    expect(announced?.text).toContain('api-key:sandbox-approver');
    expect(announced?.text).toContain(PAIR);
    expect(announced?.text).toContain(OLD_PRIMARY);
    expect(announced?.text).toContain('old primary powered off in the console');
    // The on-call channel and the pager hear it too, not only the webhook.
    expect(env.sink.sns.some((m) => m.message.default?.includes(announced?.id ?? '-'))).toBe(true);
    expect(
      env.sink.slack.some(
        (p) =>
          p.path === '/slack/incoming' &&
          p.body.text.includes(`api-key:sandbox-approver acknowledged ${PAIR}`),
      ),
    ).toBe(true);
  });

  it("takes an approve Slack user's ack and announces it, with no reason given", async () => {
    const since = told();
    const answer = await slash(APPROVER, `ack ${PAIR}`);
    expect(answer.body.text).toContain(`Acknowledged *${PAIR}*`);

    const [announced] = since('pair.acknowledged');
    expect(announced?.acknowledgement).toMatchObject({
      pair: PAIR,
      by: 'adam.approver',
      rearmed: ['cooldown'],
    });
    // A plain ack ends the cooldown, not the split-brain risk: the announcement says so.
    expect(announced?.text).toContain('still at risk of split brain');
    expect(announced?.text).toContain('No reason given');
  });
});

describe('every brake change is announced', () => {
  it('announces an engagement and a release by a person, with who and why', async () => {
    const since = told();
    expect(
      (await brake('sandbox-admin-key', { engaged: true, reason: 'storage migration tonight' })).status,
    ).toBe(200);
    expect((await brake('sandbox-admin-key', { engaged: false, reason: 'migration done' })).status).toBe(200);

    const changes = since('brake').map((n) => n.brake);
    expect(changes).toEqual([
      {
        change: 'engaged',
        by: 'api-key:sandbox-admin',
        automatic: false,
        reason: 'storage migration tonight',
      },
      { change: 'released', by: 'api-key:sandbox-admin', automatic: false, reason: 'migration done' },
    ]);
    const texts = since('brake').map((n) => n.text);
    expect(texts[0]).toContain('storage migration tonight');
    expect(texts[1]).toContain('migration done');
  });

  it('announces a brake set from Slack', async () => {
    const since = told();
    await slash(ADMIN, 'brake on failover drill');
    await slash(ADMIN, 'brake off');
    expect(since('brake').map((n) => [n.brake.change, n.brake.by])).toEqual([
      ['engaged', 'ada.admin'],
      ['released', 'ada.admin'],
    ]);
  });

  it('announces the brake Switchyard engages on its own at the hourly limit', async () => {
    // The primary is down and two automatic failovers already happened this hour (the sandbox's limit is 2).
    const {
      atRisk: _none,
      lastAutomaticFailoverAt: _over,
      ...state
    } = await deps.failover.getPairState(PAIR);
    await deps.failover.putPairState({ ...state, version: state.version + 1 });
    const current = await deps.failover.getBrake();
    const recent = [
      new Date(Date.now() - 120_000).toISOString(),
      new Date(Date.now() - 60_000).toISOString(),
    ];
    await deps.failover.putBrake({ engaged: false, recent, version: current.version + 1 });
    await losePrimary(env, PAIR);
    const since = told();
    try {
      const received = await receiveAlert(await depsFor(env, { now: () => Date.now() - 31_000 }), {
        source: 'alertmanager',
        name: 'PostgresPrimaryDown',
        status: 'firing',
        labels: { alertname: 'PostgresPrimaryDown', cluster: 'ledger' },
        fingerprint: `alertmanager:brake-${Date.now()}`,
        startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      });
      expect((await evaluateDueDecisions(deps)).errors).toEqual([]);
      expect((await deps.failover.getDecision(received?.id ?? '-'))?.outcome).toBe('needs-approval');

      const [engaged, ...more] = since('brake');
      expect(more).toEqual([]);
      expect(engaged?.brake).toEqual({
        change: 'engaged',
        by: 'switchyard',
        automatic: true,
        reason: '2 automatic failovers within an hour (limit 2)',
      });
    } finally {
      for (const waiting of (await env.store.listActive()).filter((o) => o.state === 'PENDING_APPROVAL'))
        await rejectOperation(deps, waiting.id, { principal: 'test-cleanup', channel: 'http' }, 'cleanup');
      await fetch(`${env.huawei.url}/_sandbox/reset`, { method: 'POST' });
    }
  });

  it('refuses an operate key the brake and tells nothing', async () => {
    const heard = env.sink.received.length;
    expect((await brake('sandbox-operator-key', { engaged: false })).status).toBe(403);
    expect(everythingSince(heard)).toEqual([]);
  });
});
