import type { APIGatewayProxyEventV2, SNSEvent, SQSEvent } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as acknowledgePair } from '../../functions/acknowledge-pair/handler.js';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as alertsCloudwatch } from '../../functions/alerts-cloudwatch/handler.js';
import { handler as alertsGrafana } from '../../functions/alerts-grafana/handler.js';
import { handler as approve } from '../../functions/approve-operation/handler.js';
import { handler as listDecisions } from '../../functions/list-decisions/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as setBrake } from '../../functions/set-brake/handler.js';
import { handler as upgradeMinorVersion } from '../../functions/upgrade-minor-version/handler.js';
import { internalSigningKey } from '../../shared/config/internal-key.js';
import type { Deps } from '../../shared/deps.js';
import type { Decision } from '../../shared/domain/decision.js';
import { evaluateDueDecisions, receiveAlert } from '../../shared/failover/decide-alert.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { rejectOperation } from '../../shared/operations/approve-operation.js';
import { seal } from '../../shared/queue/internal-message.js';
import { containerWith } from '../support/dying-container.js';
import { depsFor, resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { decideOperation, pollUntilDone, postOperation } from '../support/operations.js';
import { losePrimary, sandboxMembers } from '../support/outage.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
/** Deps on a clock the test moves, for what the scheduled poller does after a hold-off. */
let later: Deps;
let offsetMs = 0;
/** Deps 31 s in the past, to receive an alert whose hold-off has passed by now. */
let earlier: Deps;

const LEDGER_PRIMARY = '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03';
const LEDGER_DR = '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03';

beforeAll(async () => {
  env = environment();
  later = await depsFor(env, { now: () => Date.now() + offsetMs });
  earlier = await depsFor(env, { now: () => Date.now() - 31_000 });
});

beforeEach(async () => {
  // Each scenario starts with idle pairs, a released brake and no cooldown in force.
  offsetMs = 0;
  for (let i = 0; i < 200 && (await env.store.listActive()).length > 0; i++) {
    for (const waiting of (await env.store.listActive()).filter((o) => o.state === 'PENDING_APPROVAL'))
      await rejectOperation(
        later,
        waiting.id,
        { principal: 'test-cleanup', channel: 'http' },
        'next scenario',
      );
    await pollActiveOperations(later);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await Promise.all([resetSimulator(env.huawei.url), resetSimulator(env.alibaba.url)]);
  const brake = await later.failover.getBrake();
  await later.failover.putBrake({ engaged: false, recent: [], version: brake.version + 1 });
  for (const pair of ['ledger-pg', 'billing-rds']) {
    const state = await later.failover.getPairState(pair);
    await later.failover.putPairState({ pair, version: state.version + 1 });
  }
});

let alertSeq = 0;
/** The published Alertmanager example, firing now, with a fingerprint of its own unless told. */
function alertmanagerEvent(
  variant: 'firing' | 'resolved',
  fingerprint = `fp-${Date.now()}-${alertSeq++}`,
  startsAt = new Date().toISOString(),
) {
  const event = loadEvent<APIGatewayProxyEventV2>('alerts', `alertmanager-${variant}`);
  const body = JSON.parse(event.body as string);
  body.alerts[0].fingerprint = fingerprint;
  body.alerts[0].startsAt = startsAt;
  event.body = JSON.stringify(body);
  return event;
}
const send = async (event: APIGatewayProxyEventV2) =>
  httpAnswer(await alertsAlertmanager(event, lambdaContext()));
const decision = async (id: string) => (await later.failover.getDecision(id)) as Decision;
/** What the poller does once the hold-off (30 s for ledger-pg) has passed. */
async function afterHoldOff(seconds = 31) {
  offsetMs = seconds * 1000;
  const result = await evaluateDueDecisions(later);
  expect(result.errors).toEqual([]);
  return result;
}
const ledgerPrimaryDown = () =>
  fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_PRIMARY}`, {
    method: 'PATCH',
    body: JSON.stringify({ status: 'FAILED' }),
  });
const promotions = async () =>
  (await env.store.list({ pair: 'ledger-pg', limit: 100 })).items.filter((o) => o.kind === 'promote-standby');

/**
 * An alert received 31 s ago and decided now, at the end of its hold-off: a startsAt in the past does not shorten
 * the hold-off, which counts from when Switchyard received the alert.
 */
const overdue = async () => {
  const received = await receiveAlert(earlier, {
    source: 'alertmanager',
    name: 'PostgresPrimaryDown',
    status: 'firing',
    labels: { alertname: 'PostgresPrimaryDown', cluster: 'ledger' },
    fingerprint: `alertmanager:overdue-${Date.now()}-${alertSeq++}`,
    startsAt: new Date(Date.now() - 60 * 60_000).toISOString(),
  });
  offsetMs = 0;
  await evaluateDueDecisions(later);
  return decision(received?.id as string);
};

describe('a primary-down alert on an auto pair', () => {
  it('leads to one promotion after the hold-off, naming the alert', async () => {
    await ledgerPrimaryDown();
    const before = (await promotions()).length;

    const answer = await send(alertmanagerEvent('firing'));
    expect(answer.status).toBe(200);
    const [held] = answer.body.decisions;
    expect(held).toMatchObject({ pair: 'ledger-pg', outcome: 'holding' });

    // Not yet: the hold-off is 30 s.
    await afterHoldOff(10);
    expect((await decision(held.id)).outcome).toBe('holding');

    await afterHoldOff(31);
    const decided = await decision(held.id);
    expect(decided.outcome).toBe('failover-requested');
    expect(decided.reason).toContain('status FAILED (down)');
    const [promotion] = (await promotions()).slice(0, (await promotions()).length - before);
    expect(promotion).toMatchObject({
      source: 'alert',
      trigger: { name: 'PostgresPrimaryDown', decisionId: held.id },
    });
    // Promoted, but the lost primary is not fenced yet: done at the provider, not confirmed safe.
    const done = await pollUntilDone(env.store, promotion!.id);
    expect(done.state).toBe('UNVERIFIED');
    // Its timeline starts at the alert's own start, then Switchyard's receipt and decision, before the request.
    const { timeline, rto } = done.recovery ?? {};
    expect(timeline).toMatchObject({ received: decided.receivedAt });
    expect(Date.parse(timeline?.decided as string)).toBeLessThanOrEqual(Date.parse(done.createdAt));
    expect(Date.parse(timeline?.detected as string)).toBeLessThanOrEqual(
      Date.parse(timeline?.received as string),
    );
    expect(rto?.from).toBe('detected');
    expect(rto?.stages.map((s) => s.to).slice(0, 3)).toEqual(['received', 'decided', 'requested']);
    expect(env.sink.forOperation(promotion!.id)[0]?.notification.text).toContain(
      '[alert "PostgresPrimaryDown"]',
    );
  });

  it('makes one decision of the same alert sent 1,000 times and by two Alertmanager replicas', async () => {
    await ledgerPrimaryDown();
    const fingerprint = `storm-${Date.now()}`;
    const startsAt = new Date().toISOString();
    const ids = new Set<string>();
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 25 }, () => send(alertmanagerEvent('firing', fingerprint, startsAt))),
      );
      for (const a of answers) ids.add(a.body.decisions[0].id);
    }
    // A second replica sends the same group with its own user agent: same alert, same fingerprint.
    const replica = alertmanagerEvent('firing', fingerprint, startsAt);
    replica.headers['user-agent'] = 'Alertmanager/0.28.1 (replica b)';
    ids.add((await send(replica)).body.decisions[0].id);

    expect(ids.size).toBe(1);
    const before = (await promotions()).length;
    await afterHoldOff();
    await afterHoldOff(40);
    expect((await promotions()).length - before).toBe(1);
  });

  /** Deps whose first write of `method` is beaten by another writer's real write to the same record. */
  function racedOn<M extends 'putBrake' | 'putPairState'>(
    method: M,
    beat: () => Promise<void>,
    onWrite: (attempt: number) => Promise<void> = async () => undefined,
  ) {
    let calls = 0;
    const failover = Object.create(later.failover) as Deps['failover'];
    failover[method] = (async (record: never) => {
      await onWrite(++calls);
      if (calls === 1) await beat();
      return (later.failover[method] as (r: never) => Promise<void>)(record);
    }) as Deps['failover'][M];
    return { deps: { ...later, failover } as Deps, calls: () => calls };
  }

  it("fails over on its first look when another pair's failover counts on the brake first", async () => {
    await ledgerPrimaryDown();
    const before = (await promotions()).length;
    const held = (await send(alertmanagerEvent('firing'))).body.decisions[0];
    const providerCalls = () =>
      fetch(`${env.huawei.url}/_sandbox/calls`)
        .then((r) => r.json() as Promise<Record<string, number>>)
        .then((calls) => Object.values(calls).reduce((a, b) => a + b, 0));
    // Another pair's failover (a region lost at once) counts on the brake between this look's read and its write.
    const other = new Date().toISOString();
    const atWrite: number[] = [];
    const raced = racedOn(
      'putBrake',
      async () => {
        const now = await later.failover.getBrake();
        await later.failover.putBrake({ ...now, recent: [...now.recent, other], version: now.version + 1 });
      },
      async () => {
        atWrite.push(await providerCalls());
      },
    );
    offsetMs = 31_000;
    await evaluateDueDecisions(raced.deps);
    expect(raced.calls()).toBe(2);
    // Written again on the brake as it now stands, without asking the provider again, and decided at once.
    expect(atWrite[1]).toBe(atWrite[0]);
    expect((await decision(held.id)).outcome).toBe('failover-requested');
    expect((await promotions()).length).toBe(before + 1);
    const recent = (await later.failover.getBrake()).recent;
    expect(recent).toHaveLength(2);
    expect(recent).toContain(other);
  });

  it('hands over no promotion when a person took the pair while the look counted its failover', async () => {
    await ledgerPrimaryDown();
    const before = (await promotions()).length;
    const held = (await send(alertmanagerEvent('firing'))).body.decisions[0];
    // The look's claim is taken over (as a lapsed one would be) between its claim and its hand-over.
    const person = 'PERSON00000000000000000000';
    const taken = racedOn('putBrake', async () => {
      const claim = await later.store.getLock('pair:ledger-pg', later.now());
      expect(claim).toBeDefined();
      const took = await later.store.takeOverLock(
        'pair:ledger-pg',
        claim!,
        { operationId: person, idempotencyKey: 'on-call', acquiredAt: later.now().getTime() },
        900,
        later.now(),
      );
      expect(took).toBe(true);
    });
    offsetMs = 31_000;
    await evaluateDueDecisions(taken.deps);
    // Not "failover requested" for a promotion that would meet a busy pair and never run.
    const after = await decision(held.id);
    expect(after.outcome).toBe('suppressed');
    expect(after.operationId).toBe(person);
    expect((await promotions()).length).toBe(before);
    expect((await later.store.getLock('pair:ledger-pg', later.now()))?.operationId).toBe(person);
    await later.store.releaseLock('pair:ledger-pg', person);
  });

  it("counts a failover once when the pair's state moves under it", async () => {
    await ledgerPrimaryDown();
    const before = (await promotions()).length;
    const first = (await send(alertmanagerEvent('firing'))).body.decisions[0];
    // An evaluation writes the pair's state between this look's read and its write: nothing the rules read changed.
    const bumped = racedOn('putPairState', async () => {
      const now = await later.failover.getPairState('ledger-pg');
      await later.failover.putPairState({ ...now, version: now.version + 1 });
    });
    offsetMs = 31_000;
    await evaluateDueDecisions(bumped.deps);
    expect((await decision(first.id)).outcome).toBe('failover-requested');
    expect((await promotions()).length).toBe(before + 1);
    expect((await later.failover.getBrake()).recent).toHaveLength(1);
  });

  it('starts a new cooldown even when the pair is acknowledged while the look runs', async () => {
    await ledgerPrimaryDown();
    const held = (await send(alertmanagerEvent('firing'))).body.decisions[0];
    // A person acknowledges the pair (an earlier failover's cooldown) between this look's read and its write.
    const acked = racedOn('putPairState', async () => {
      const now = await later.failover.getPairState('ledger-pg');
      await later.failover.putPairState({
        ...now,
        acknowledgedAt: new Date(Date.now() + 60_000).toISOString(),
        acknowledgedBy: 'on-call',
        version: now.version + 1,
      });
    });
    offsetMs = 31_000;
    await evaluateDueDecisions(acked.deps);
    expect((await decision(held.id)).outcome).toBe('failover-requested');
    // The acknowledgement was of the failover before: this one's cooldown is in force.
    const state = await later.failover.getPairState('ledger-pg');
    expect(state.acknowledgedAt).toBeUndefined();
    expect(state.lastAutomaticFailoverAt).toBeDefined();
  });

  it('observes nothing once its invocation is out of time, and leaves the alert holding', async () => {
    await ledgerPrimaryDown();
    const held = (await send(alertmanagerEvent('firing'))).body.decisions[0];
    const out = new AbortController();
    out.abort();
    offsetMs = 31_000;
    await evaluateDueDecisions(later, { signal: out.signal });
    // Not "unknown, so ask a person": the next look decides it.
    expect((await decision(held.id)).outcome).toBe('holding');
    await afterHoldOff(31);
    expect((await decision(held.id)).outcome).toBe('failover-requested');
  });

  it('decides an alert whose first receiver died after opening its episode, on the next repeat', async () => {
    await ledgerPrimaryDown();
    const fingerprint = `died-${Date.now()}`;
    // The first delivery's Lambda stopped between opening the episode and recording its decision.
    await later.failover.openEpisode(`alertmanager:${fingerprint}`, 'DIED0000000000000000000000', new Date());

    const answer = await send(alertmanagerEvent('firing', fingerprint));

    expect(answer.status).toBe(200);
    expect(answer.body.decisions[0]).toMatchObject({
      id: 'DIED0000000000000000000000',
      pair: 'ledger-pg',
      outcome: 'holding',
    });
    await afterHoldOff(31);
    expect((await decision('DIED0000000000000000000000')).outcome).toBe('failover-requested');
    const [promotion] = await promotions();
    await pollUntilDone(env.store, promotion!.id);
  });

  it('promotes on an alert whose summary is longer than a promotion request allows', async () => {
    await ledgerPrimaryDown();
    const event = alertmanagerEvent('firing');
    const body = JSON.parse(event.body as string);
    body.alerts[0].annotations.summary = 'the primary is gone '.repeat(60);
    event.body = JSON.stringify(body);
    const before = (await promotions()).length;

    const held = (await send(event)).body.decisions[0];
    await afterHoldOff(31);

    expect((await decision(held.id)).outcome).toBe('failover-requested');
    const added = (await promotions()).slice(0, (await promotions()).length - before);
    expect(added).toHaveLength(1);
    expect(added[0]?.reason?.length).toBeLessThanOrEqual(500);
    await pollUntilDone(env.store, added[0]!.id);
  });

  it('does nothing when the alert resolves during the hold-off', async () => {
    await ledgerPrimaryDown();
    const fingerprint = `flap-${Date.now()}`;
    const { decisions } = (await send(alertmanagerEvent('firing', fingerprint))).body;
    await send(
      alertmanagerEvent(
        'resolved',
        fingerprint,
        JSON.parse(alertmanagerEvent('firing', fingerprint).body as string).alerts[0].startsAt,
      ),
    );
    const before = (await promotions()).length;

    await afterHoldOff();

    const cancelled = await decision(decisions[0].id);
    expect(cancelled.outcome).toBe('cancelled');
    expect(cancelled.reason).toContain('during the hold-off');
    expect((await promotions()).length).toBe(before);
  });

  it('does not fail over when the provider says the primary is healthy', async () => {
    const { decisions } = (await send(alertmanagerEvent('firing'))).body;
    await afterHoldOff();
    const declined = await decision(decisions[0].id);
    expect(declined.outcome).toBe('declined');
    expect(declined.reason).toContain('the primary is up, so no failover');
    expect(declined.reason).toContain('status ACTIVE (up)');
  });

  it('waits for a person when the lag is over the RPO budget', async () => {
    await ledgerPrimaryDown();
    await fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_DR}`, {
      method: 'PATCH',
      body: JSON.stringify({ lag: { receiveMb: '64', replayMb: '80', replayMs: '9000' } }),
    });
    const before = (await promotions()).length;
    const { decisions } = (await send(alertmanagerEvent('firing'))).body;
    await afterHoldOff();
    const held = await decision(decisions[0].id);
    expect(held.outcome).toBe('needs-approval');
    expect(held.reason).toContain(
      'RPO budget: the DR instance is 80 MB behind (it replays 9000 ms behind what it received); replication normal, over the budget of 16 MB',
    );
    // An operation waits for two people; nothing reached the provider.
    const all = await promotions();
    const waiting = all.slice(0, all.length - before);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({
      state: 'PENDING_APPROVAL',
      params: { allowDataLoss: true },
      approval: { approversNeeded: 2 },
    });
    expect(env.huawei.calls.get('drreplica_to_master') ?? 0).toBe(0);
  });

  it('blocks a second automatic failover by the cooldown until a person acknowledges it', async () => {
    await ledgerPrimaryDown();
    const first = await overdue();
    expect(first.outcome).toBe('failover-requested');
    // Once the promotion has ended, the pair is free: only the cooldown stands in the way.
    const [promotion] = await promotions();
    await pollUntilDone(env.store, promotion!.id);
    await resetSimulator(env.huawei.url);
    await ledgerPrimaryDown();

    const second = await overdue();
    expect(second.outcome).toBe('blocked');
    expect(second.reason).toContain('POST /v1/pairs/ledger-pg/ack');

    const ack = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
    ack.rawPath = '/v1/pairs/ledger-pg/ack';
    ack.pathParameters = { pair: 'ledger-pg' };
    ack.headers.authorization = 'Bearer sandbox-approver-key';
    // The sandbox reset above stands for a person who took the old primary out of service.
    ack.body = JSON.stringify({ note: 'checked: the old primary is retired', oldPrimaryRetired: true });
    const acked = httpAnswer(await acknowledgePair(ack, lambdaContext()));
    expect(acked.status).toBe(200);
    expect(acked.body.acknowledgedBy).toBe('api-key:sandbox-approver');

    const third = await overdue();
    expect(third.outcome).toBe('failover-requested');
  });

  it('engages the brake after the hourly limit, after which every pair waits for a person until re-armed', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      await resetSimulator(env.huawei.url);
      await ledgerPrimaryDown();
      outcomes.push((await overdue()).outcome);
      // Each promotion ends and a person acknowledges it, so only the brake can stop the third.
      for (const p of await promotions())
        if (p.state === 'RUNNING' || p.state === 'SUBMITTING') await pollUntilDone(env.store, p.id);
      // A person acknowledges it and, the sandbox being reset, says the old primary is retired.
      const { atRisk: _retired, ...state } = await later.failover.getPairState('ledger-pg');
      await later.failover.putPairState({
        ...state,
        acknowledgedAt: new Date().toISOString(),
        version: state.version + 1,
      });
    }
    expect(outcomes).toEqual(['failover-requested', 'failover-requested', 'needs-approval']);
    expect(await later.failover.getBrake()).toMatchObject({
      engaged: true,
      reason: '2 automatic failovers within an hour (limit 2)',
    });

    const release = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
    release.rawPath = '/v1/brake';
    release.headers.authorization = 'Bearer sandbox-operator-key';
    release.body = JSON.stringify({ engaged: false });
    expect(httpAnswer(await setBrake(release, lambdaContext())).status).toBe(403);
    release.headers.authorization = 'Bearer sandbox-admin-key';
    expect(httpAnswer(await setBrake(release, lambdaContext())).body).toMatchObject({
      engaged: false,
      changedBy: 'api-key:sandbox-admin',
    });
    expect(await later.failover.getBrake()).toMatchObject({ engaged: false, recent: [] });
  });

  it('is suppressed while Switchyard runs a minor upgrade on the pair', async () => {
    await ledgerPrimaryDown();
    await fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_PRIMARY}`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'ACTIVE' }),
    });
    const upgrade = await postOperation(upgradeMinorVersion, 'upgrade-minor-version', { pair: 'ledger-pg' });
    expect(upgrade.status).toBe(202);
    await ledgerPrimaryDown();

    const { decisions } = (await send(alertmanagerEvent('firing'))).body;
    await afterHoldOff();

    const suppressed = await decision(decisions[0].id);
    expect(suppressed.outcome).toBe('suppressed');
    expect(suppressed.reason).toContain(`upgrade-minor-version ${upgrade.body.operation.id}`);
  });
});

describe('a decision whose receiver died before announcing it', () => {
  it('is told by the poller once no receiver can still be running, and only once', async () => {
    const dying = containerWith(later, {
      type: 'crash',
      on: 'failover',
      method: 'createDecision',
      when: 'after',
    });
    const fingerprint = `alertmanager:untold-${Date.now()}`;
    await receiveAlert(dying.deps, {
      source: 'alertmanager',
      name: 'PostgresPrimaryDown',
      status: 'firing',
      labels: { alertname: 'PostgresPrimaryDown', cluster: 'nowhere' },
      fingerprint,
      startsAt: new Date().toISOString(),
    }).catch(() => undefined);
    const [stored] = (await later.failover.listUntold()).filter((d) => d.alert.fingerprint === fingerprint);
    expect(stored?.outcome).toBe('unrouted');
    const told = () => env.sink.decisions().filter((d) => d.decision.id === stored?.id).length;

    await afterHoldOff(10);
    expect(told()).toBe(0);
    await afterHoldOff(151);
    await afterHoldOff(200);

    expect(told()).toBe(1);
    expect((await later.failover.listUntold()).map((d) => d.id)).not.toContain(stored?.id);
    expect((await decision(stored?.id as string)).told).toBe(1);
  });
});

describe('alert intake', () => {
  it('records an alert that matches no pair, and lists every decision with its reason', async () => {
    const event = alertmanagerEvent('firing');
    const body = JSON.parse(event.body as string);
    body.alerts[0].labels.cluster = 'unknown-cluster';
    event.body = JSON.stringify(body);
    const [unrouted] = (await send(event)).body.decisions;
    expect(unrouted.outcome).toBe('unrouted');

    const list = loadEvent<APIGatewayProxyEventV2>('http', 'list-operations');
    list.rawPath = '/v1/decisions';
    list.queryStringParameters = {};
    const listed = httpAnswer(await listDecisions(list, lambdaContext()));
    expect(listed.body.items.map((d: Decision) => d.id)).toContain(unrouted.id);
    expect(listed.body.items.every((d: Decision) => d.reason.length > 0)).toBe(true);
  });

  it('takes a CloudWatch alarm from SNS, and skips an unconfigured topic without failing', async () => {
    const alarm = loadEvent<SNSEvent>('alerts', 'cloudwatch-alarm');
    const result = await alertsCloudwatch(alarm, lambdaContext());
    expect(result).toEqual({ decisions: 1, skipped: 0 });
    const [latest] = await later.failover.listDecisions('orders-ob', 1);
    expect(latest).toMatchObject({
      outcome: 'notified',
      alert: { source: 'cloudwatch', name: 'orders-ob-primary-tenant-down', status: 'firing' },
    });
    await alertsCloudwatch(loadEvent<SNSEvent>('alerts', 'cloudwatch-ok'), lambdaContext());

    const stranger = loadEvent<SNSEvent>('alerts', 'cloudwatch-alarm');
    stranger.Records[0]!.Sns.TopicArn = 'arn:aws:sns:us-east-1:999999999999:someone-else';
    expect(await alertsCloudwatch(stranger, lambdaContext())).toEqual({ decisions: 0, skipped: 1 });
  });

  it("takes Grafana's webhook with basic auth; an approve pair waits for a person", async () => {
    await fetch(`${env.alibaba.url}/_sandbox/instances/pgm-bp1billing0primary`, {
      method: 'PATCH',
      body: JSON.stringify({ DBInstanceStatus: 'Stopped' }),
    });
    const event = loadEvent<APIGatewayProxyEventV2>('alerts', 'grafana-firing');
    const body = JSON.parse(event.body as string);
    body.alerts[0].startsAt = new Date().toISOString();
    body.alerts[0].fingerprint = `grafana-${Date.now()}`;
    event.body = JSON.stringify(body);
    const answer = httpAnswer(await alertsGrafana(event, lambdaContext()));
    expect(answer.status).toBe(200);
    await afterHoldOff();
    const decided = await decision(answer.body.decisions[0].id);
    expect(decided.outcome).toBe('needs-approval');
    expect(decided.reason).toContain('failover mode is approve for billing-rds');
    // Alibaba gives no lag for a DR link: an unknown lag may lose data, so two people decide.
    expect(decided.reason).toContain('the lag is unknown');
  });

  it.each([
    ['no credential', (e: APIGatewayProxyEventV2) => delete e.headers.authorization, 401],
    ['a wrong token', (e: APIGatewayProxyEventV2) => (e.headers.authorization = 'Bearer wrong'), 401],
    ['a malformed body', (e: APIGatewayProxyEventV2) => (e.body = '{"version":"4","alerts":"nope"}'), 400],
    [
      'an unknown alert status',
      (e: APIGatewayProxyEventV2) => (e.body = (e.body as string).replaceAll('"firing"', '"burning"')),
      400,
    ],
  ])('refuses %s and records nothing', async (_case, change, status) => {
    const before = (await later.failover.listDecisions('ledger-pg', 100)).length;
    const event = alertmanagerEvent('firing');
    change(event);
    const answer = await send(event);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect((await later.failover.listDecisions('ledger-pg', 100)).length).toBe(before);
  });

  it('tolerates fields it does not know', async () => {
    const event = alertmanagerEvent('firing');
    const body = JSON.parse(event.body as string);
    body.someFutureField = { nested: true };
    body.alerts[0].someOtherField = 'x';
    event.body = JSON.stringify(body);
    expect((await send(event)).status).toBe(200);
  });
});

describe("an alert's promotion looks again before anything is sent", () => {
  const billingAlert = (fingerprint: string, status: 'firing' | 'resolved') => ({
    source: 'grafana' as const,
    name: 'RDS primary unavailable',
    status,
    labels: { alertname: 'RDS primary unavailable', pair: 'billing-rds' },
    fingerprint: `grafana:${fingerprint}`,
    startsAt: new Date(Date.now() - 60 * 60_000).toISOString(),
  });
  /** billing-rds is in approve mode: a lost primary's alert leaves a promotion waiting for two people (no lag figure). */
  async function waitingPromotion(fingerprint: string) {
    await losePrimary(env, 'billing-rds');
    const held = await receiveAlert(earlier, billingAlert(fingerprint, 'firing'));
    offsetMs = 0;
    await evaluateDueDecisions(later);
    const decided = await decision(held?.id as string);
    expect(decided.outcome).toBe('needs-approval');
    const waiting = await env.store.get(decided.operationId as string);
    expect(waiting).toMatchObject({ state: 'PENDING_APPROVAL', approval: { approversNeeded: 2 } });
    return waiting!;
  }
  const approveTwice = async (id: string) => {
    await decideOperation(approve, id, 'sandbox-admin-key');
    return (await decideOperation(approve, id, 'sandbox-approver-key')).body.operation;
  };

  it('cancels it when the alert resolved while it waited for people', async () => {
    const waiting = await waitingPromotion(`resolved-${Date.now()}`);
    await receiveAlert(
      later,
      billingAlert(waiting.trigger!.fingerprint.replace(/^grafana:/, ''), 'resolved'),
    );

    const after = await approveTwice(waiting.id);

    expect(after).toMatchObject({
      state: 'CANCELLED',
      outcome: 'the alert "RDS primary unavailable" was resolved before the promotion was sent',
    });
    expect(env.alibaba.calls.get('DeleteReplicationLink') ?? 0).toBe(0);
    expect(env.alibaba.calls.get('StopDBInstance') ?? 0).toBe(0);
    expect(await env.store.getLock('pair:billing-rds', new Date())).toBeUndefined();
  });

  it('cancels it when the primary is up again by the time people approve', async () => {
    const waiting = await waitingPromotion(`recovered-${Date.now()}`);
    await losePrimary(env, 'billing-rds', true);

    const after = await approveTwice(waiting.id);

    expect(after.state).toBe('CANCELLED');
    expect(after.outcome).toContain('the primary is up again');
    expect(after.outcome).toContain('Running (up)');
    expect(env.alibaba.calls.get('DeleteReplicationLink') ?? 0).toBe(0);
  });

  it('promotes, fencing the old primary once it answers again, when it is still down at approval', async () => {
    const waiting = await waitingPromotion(`still-down-${Date.now()}`);
    const after = await approveTwice(waiting.id);
    expect(after.state).toBe('RUNNING');
    const done = await pollUntilDone(env.store, waiting.id);
    // Alibaba reports the old primary Stopped, so the result is confirmed; the risk stays until someone retires it.
    expect(done).toMatchObject({ state: 'SUCCEEDED', fencing: { state: 'deferred' } });
    expect(
      env.sink
        .pairRisks()
        .filter((r) => r.pair.operationId === waiting.id)
        .map((r) => r.pair.risk),
    ).toEqual(['split-brain']);

    // The old primary starts again on its own (Alibaba restarts a stopped instance after 15 days): the poller stops it.
    await losePrimary(env, 'billing-rds', true);
    for (let tick = 0; tick < 20 && (await later.failover.getPairState('billing-rds')).atRisk; tick++)
      await pollUntilDone(env.store, waiting.id, 1);
    expect(
      (await sandboxMembers(env, 'alibaba')).filter((m) => m.acceptsWrites).map((m) => m.id),
    ).not.toContain('pgm-bp1billing0primary');
    expect(
      env.sink
        .pairRisks()
        .filter((r) => r.pair.operationId === waiting.id)
        .map((r) => r.pair.risk),
    ).toEqual(['split-brain', 'fenced']);
  });
});

describe("a pair's own observer", () => {
  it("must agree the primary is down: a write path that still answers makes it a person's call", async () => {
    const { createServer } = await import('node:http');
    let status = 200;
    const server = createServer((_req, res) => res.writeHead(status).end()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/healthz/db-write`;
    try {
      const observed = await depsFor(env, {
        now: () => Date.now() + offsetMs,
        adjust: (config) => {
          const pair = config.pairs.find((p) => p.name === 'ledger-pg');
          if (pair) pair.failover.observer = { url, timeoutMs: 1000, downStatuses: [503] };
        },
      });
      await ledgerPrimaryDown();
      const alert = (n: string) => ({
        source: 'alertmanager' as const,
        name: 'PostgresPrimaryDown',
        status: 'firing' as const,
        labels: { alertname: 'PostgresPrimaryDown', cluster: 'ledger' },
        fingerprint: `alertmanager:observer-${n}-${Date.now()}`,
        startsAt: new Date(Date.now() - 60 * 60_000).toISOString(),
      });
      offsetMs = 0;
      const disagrees = await receiveAlert(
        { ...observed, now: () => new Date(Date.now() - 31_000) },
        alert('up'),
      );
      await evaluateDueDecisions(observed);
      const first = await decision(disagrees?.id as string);
      expect(first.outcome).toBe('needs-approval');
      expect(first.reason).toContain('could not be confirmed down');
      expect(first.reason).toContain('the pair observer GET');
      expect(first.reason).toContain('HTTP 200 (up)');
      await rejectOperation(
        later,
        first.operationId as string,
        { principal: 'test', channel: 'http' },
        'checked',
      );

      status = 503;
      const agrees = await receiveAlert(
        { ...observed, now: () => new Date(Date.now() - 31_000) },
        alert('down'),
      );
      await evaluateDueDecisions(observed);
      const second = await decision(agrees?.id as string);
      expect(second.outcome).toBe('failover-requested');
      expect(second.reason).toContain('HTTP 503 (down)');
      await pollUntilDone(env.store, second.operationId as string);
    } finally {
      server.close();
    }
  });
});

describe('what a sender cannot make Switchyard do', () => {
  const ledgerAlert = (n: string, startsAt: string) => ({
    source: 'alertmanager' as const,
    name: 'PostgresPrimaryDown',
    status: 'firing' as const,
    labels: { alertname: 'PostgresPrimaryDown', cluster: 'ledger' },
    fingerprint: `alertmanager:${n}-${Date.now()}`,
    startsAt,
  });

  it('a startsAt far ahead of the clock does not put the decision off for ever', async () => {
    await ledgerPrimaryDown();
    const held = await receiveAlert(later, ledgerAlert('future', '2099-01-01T00:00:00Z'));
    expect(held?.outcome).toBe('holding');
    expect(Date.parse(held?.evaluateAt as string) - Date.now()).toBeLessThan(31_000);
    expect(held?.reason).toContain('30 s after Switchyard received it');
  });

  it('a Huawei lag figure that cannot be read does not pass the budget: a person decides', async () => {
    await ledgerPrimaryDown();
    await fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_DR}`, {
      method: 'PATCH',
      body: JSON.stringify({ lag: { receiveMb: 'N/A', replayMb: '', replayMs: '120' } }),
    });
    const received = await receiveAlert(
      earlier,
      ledgerAlert('lag-unread', new Date(Date.now() - 60 * 60_000).toISOString()),
    );
    offsetMs = 0;
    await evaluateDueDecisions(later);
    const decided = await decision(received?.id as string);
    expect(decided.outcome).toBe('needs-approval');
    expect(decided.reason).toContain(
      'the lag in MB could not be read, so the budget of 16 MB cannot be checked',
    );
  });

  it('a promotion cancelled before anything was sent starts no cooldown: the next real failure fails over', async () => {
    // SQS holds the promotion a moment, as it may; meanwhile the primary comes back.
    const held: Record<string, unknown>[] = [];
    const queued = {
      ...later,
      queue: { enqueue: async (_kind: string, message: Record<string, unknown>) => void held.push(message) },
    };
    await ledgerPrimaryDown();
    const first = await receiveAlert(
      { ...queued, now: () => new Date(Date.now() - 31_000) },
      ledgerAlert('flap', new Date(Date.now() - 60 * 60_000).toISOString()),
    );
    offsetMs = 0;
    await evaluateDueDecisions(queued);
    expect((await decision(first?.id as string)).outcome).toBe('failover-requested');
    await fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_PRIMARY}`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'ACTIVE' }),
    });
    const event = loadEvent<SQSEvent>('sqs', 'promote-standby');
    // Sealed, as the queue adapter sends every message of Switchyard's own.
    const key = await internalSigningKey(later.config, later.secrets);
    event.Records[0]!.body = JSON.stringify(
      seal('promote-standby', held[0] as Record<string, unknown>, key, new Date()),
    );
    event.Records[0]!.messageId = `held-${Date.now()}`;
    await promoteStandby(event as never, lambdaContext());
    const cancelled = (await promotions())[0];
    expect(cancelled).toMatchObject({ state: 'CANCELLED', trigger: { decisionId: first?.id } });
    expect(cancelled?.outcome).toContain('the primary is up again');

    // Five minutes later the primary really fails.
    await ledgerPrimaryDown();
    const second = await overdue();
    expect(second.outcome).toBe('failover-requested');
  });
});

describe('a flapping alert', () => {
  it('does not cancel a waiting promotion when it resolves and fires again: it is still firing', async () => {
    await losePrimary(env, 'billing-rds');
    const fingerprint = `grafana:flapping-${Date.now()}`;
    const alert = (status: 'firing' | 'resolved') => ({
      source: 'grafana' as const,
      name: 'RDS primary unavailable',
      status,
      labels: { alertname: 'RDS primary unavailable', pair: 'billing-rds' },
      fingerprint,
      startsAt: new Date(Date.now() - 60 * 60_000).toISOString(),
    });
    const first = await receiveAlert(earlier, alert('firing'));
    offsetMs = 0;
    await evaluateDueDecisions(later);
    const waiting = (await decision(first?.id as string)).operationId as string;
    await receiveAlert(later, alert('resolved'));
    const again = await receiveAlert(earlier, alert('firing'));
    await evaluateDueDecisions(later);
    expect((await decision(again?.id as string)).outcome).toBe('suppressed');

    await decideOperation(approve, waiting, 'sandbox-admin-key');
    const approved = (await decideOperation(approve, waiting, 'sandbox-approver-key')).body.operation;

    expect(approved.state).toBe('RUNNING');
    await pollUntilDone(env.store, waiting);
  });
});
