import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as followUpHandler } from '../../functions/follow-up/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { internalSigningKey } from '../../shared/config/internal-key.js';
import type { Deps } from '../../shared/deps.js';
import type { Decision } from '../../shared/domain/decision.js';
import { isTerminal, type Operation } from '../../shared/domain/operation.js';
import { evaluateDecision, receiveAlert } from '../../shared/failover/decide-alert.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import type { FollowUp } from '../../shared/operations/follow-up.js';
import { handleFollowUp } from '../../shared/operations/handle-follow-up.js';
import { seal } from '../../shared/queue/internal-message.js';
import { depsFor, resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { lambdaContext } from '../support/lambda.js';
import { postOperation } from '../support/operations.js';
import { losePrimary, retireOldPrimaries, sandboxMembers } from '../support/outage.js';

/** ledger-pg's members in the Huawei sandbox: its primary and its DR instance. */
const LEDGER = ['5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03', '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03'];

/**
 * Operations and held decisions that follow themselves up through the follow-up queue (the SQS stand-in, with real
 * delays), with no poller tick at all; and the follow-ups a queue can get wrong: lost, duplicated, early, forged.
 */
const environment = useTestEnvironment({ followUps: true, ocpSpeed: 40 });
let env: TestEnvironment;
let deps: Deps;

beforeAll(async () => {
  env = environment();
  deps = await depsFor(env);
});

const followUpsSent = () => env.sqs.sent.filter((m) => m.queue.endsWith('follow-up'));
const decide = { decide: evaluateDecision };

/** One SQS event carrying these bodies, as Lambda hands a batch to the follow-up function. */
function sqsBatch(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `batch-${i}`,
      receiptHandle: `batch-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'switchyard',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:switchyard-test-follow-up',
      awsRegion: 'local',
    })),
  };
}

async function until(id: string, done: (o: Operation) => boolean, ms = 30_000): Promise<Operation> {
  const end = Date.now() + ms;
  for (;;) {
    const operation = (await env.store.get(id)) as Operation;
    if (done(operation)) return operation;
    if (Date.now() > end) throw new Error(`operation ${id} is still ${operation.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until no operation holds the pair (an ended one frees it just after its end is written). */
async function idle(pair: string) {
  for (let i = 0; i < 100 && (await env.store.getLock(`pair:${pair}`, new Date())); i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('follow-ups', () => {
  it('a submission left unclear is taken up by one follow-up only, however many arrive at once', async () => {
    // First in the file: OCP's task list is read against a simulated clock that runs ahead as the file goes on.
    // The switchover's request is cut before OCP reads it: the operation stays SUBMITTING, its outcome unclear.
    await fetch(`${env.ocp.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: 'switchover', times: 1, fault: { kind: 'drop', when: 'before' } }),
    });
    const asked = await postOperation(switchover, 'switchover', { pair: 'orders-ob', reason: 'unclear' });
    const id = asked.body.operation.id as string;
    const unclear = (await env.store.get(id)) as Operation;
    expect(unclear.state).toBe('SUBMITTING');
    const sent = env.ocp.calls.get('switchover') ?? 0;
    // A minute on (its record aged by a minute, as the clock would), its follow-up arrives twice, and the sweep
    // runs beside them.
    await env.store.update({
      ...unclear,
      updatedAt: new Date(Date.now() - 61_000).toISOString(),
      version: unclear.version + 1,
    });
    const due: FollowUp = {
      about: 'operation',
      id,
      token: unclear.followUp?.token as number,
      dueAt: new Date().toISOString(),
    };
    await Promise.all([
      handleFollowUp(deps, due, decide),
      handleFollowUp(deps, due, decide),
      pollActiveOperations(deps),
    ]);
    // OCP was sent the switchover once more, not three times.
    expect((env.ocp.calls.get('switchover') ?? 0) - sent).toBe(1);
    expect(((await env.store.get(id)) as Operation).state).toBe('RUNNING');
    await until(id, (o) => isTerminal(o.state));
  }, 60_000);

  it('follow a switchover to its end, each step told, with no poller tick', async () => {
    await idle('orders-ob');
    const before = followUpsSent().length;
    const asked = await postOperation(switchover, 'switchover', { pair: 'orders-ob', reason: 'follow-up' });
    expect(asked.status).toBe(202);
    const id = asked.body.operation.id as string;
    const ended = await until(id, (o) => isTerminal(o.state));
    expect(ended.state).toBe('SUCCEEDED');
    // Every check was a follow-up the operation sent itself, each delayed by seconds, none by the minute.
    const sent = followUpsSent().slice(before);
    expect(sent.length).toBeGreaterThan(1);
    expect(Math.max(...sent.map((m) => m.delaySeconds))).toBeLessThanOrEqual(3);
    const steps = env.sink.forOperation(id).filter((r) => r.notification.type === 'operation.progress');
    expect(steps.length).toBeGreaterThan(0);
    // Ended, it sends no more.
    const after = followUpsSent().length;
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(followUpsSent().length).toBe(after);
  }, 60_000);

  it('a duplicate arms the next follow-up once, an early one waits asking no provider, a superseded one does nothing', async () => {
    await idle('orders-ob');
    const asked = await postOperation(switchover, 'switchover', { pair: 'orders-ob', reason: 'duplicates' });
    const id = asked.body.operation.id as string;
    const armed = (await env.store.get(id)) as Operation;
    const mark = armed.followUp as NonNullable<Operation['followUp']>;
    const due: FollowUp = { about: 'operation', id, token: mark.token, dueAt: new Date().toISOString() };

    // Early: due in a minute. No provider read, and the mark is as it was.
    const reads = env.ocp.calls.get('getTask') ?? 0;
    const early = { ...due, dueAt: new Date(Date.now() + 60_000).toISOString() };
    expect(await handleFollowUp(deps, early, decide)).toBe('early');
    expect(env.ocp.calls.get('getTask') ?? 0).toBe(reads);

    // The same follow-up twice at once (SQS delivers at least once): the chain moves on by one, not two.
    await Promise.all([handleFollowUp(deps, due, decide), handleFollowUp(deps, due, decide)]);
    const after = (await env.store.get(id)) as Operation;
    if (!isTerminal(after.state)) expect(after.followUp?.token).toBe(mark.token + 1);
    // The old number again: superseded, nothing asked.
    const readsNow = env.ocp.calls.get('getTask') ?? 0;
    expect(await handleFollowUp(deps, due, decide)).toMatch(/superseded|ended/);
    expect(env.ocp.calls.get('getTask') ?? 0).toBe(readsNow);
    await until(id, (o) => isTerminal(o.state));
  }, 60_000);

  it('takes a batch at once, and a follow-up delivered twice in it after its twin, which finds it done', async () => {
    await idle('orders-ob');
    const asked = await postOperation(switchover, 'switchover', {
      pair: 'orders-ob',
      reason: 'twins in a batch',
    });
    const id = asked.body.operation.id as string;
    const mark = ((await env.store.get(id)) as Operation).followUp as NonNullable<Operation['followUp']>;
    const key = await internalSigningKey(deps.config, deps.secrets);
    const due = { about: 'operation', id, token: mark.token, dueAt: new Date().toISOString() };
    const body = JSON.stringify(seal('follow-up', due, key, new Date()));
    const reads = env.ocp.calls.get('getTask') ?? 0;

    const answer = await followUpHandler(sqsBatch([body, body]), lambdaContext());

    expect(answer).toEqual({ batchItemFailures: [] });
    // One read of OCP's task, and the chain moved on by one: the twin waited for it, and found it superseded.
    expect((env.ocp.calls.get('getTask') ?? 0) - reads).toBe(1);
    const after = (await env.store.get(id)) as Operation;
    if (!isTerminal(after.state)) expect(after.followUp?.token).toBe(mark.token + 1);
    await until(id, (o) => isTerminal(o.state));
  }, 60_000);

  it('the sweep takes up an operation whose follow-up was lost, and leaves the followed ones alone', async () => {
    await idle('orders-ob');
    const asked = await postOperation(switchover, 'switchover', { pair: 'orders-ob', reason: 'lost' });
    expect(asked.body).toMatchObject({ operation: { state: 'RUNNING' } });
    const id = asked.body.operation.id as string;
    // Its follow-ups are in hand: the sweep leaves it.
    expect((await pollActiveOperations(deps)).followed).toBeGreaterThanOrEqual(1);

    // Its follow-up is lost: the mark moved on (to one due two minutes ago) and no message carries it.
    const current = (await env.store.get(id)) as Operation;
    const token = current.followUp?.token as number;
    const lostAt = new Date(Date.now() - 120_000).toISOString();
    expect(await env.store.armFollowUp(id, token, { token: token + 1, dueAt: lostAt, quietChecks: 0 })).toBe(
      true,
    );
    const swept = await pollActiveOperations(deps);
    expect(swept.followed).toBe(0);
    // The sweep advanced it and started its follow-ups again, due in seconds.
    const rearmed = (await env.store.get(id)) as Operation;
    if (!isTerminal(rearmed.state)) {
      expect(rearmed.followUp?.token).toBe(token + 2);
      expect(Date.parse(rearmed.followUp?.dueAt as string)).toBeGreaterThan(Date.now());
    }
    // Promoted; what the lost primary cannot answer leaves it UNVERIFIED.
    expect(['SUCCEEDED', 'UNVERIFIED']).toContain((await until(id, (o) => isTerminal(o.state))).state);
  }, 60_000);

  it('an alert is decided by one look, however many wake-ups arrive at once', async () => {
    const held = (await receiveAlert(deps, {
      source: 'alertmanager',
      name: 'PostgresPrimaryDown',
      status: 'firing',
      labels: { alertname: 'PostgresPrimaryDown', cluster: 'ledger' },
      fingerprint: `alertmanager:twice-${Date.now()}`,
      startsAt: new Date().toISOString(),
    })) as Decision;
    const later = await depsFor(env, { now: () => Date.now() + 31_000 });
    const wake: FollowUp = { about: 'decision', id: held.id, dueAt: held.evaluateAt as string };
    const before = env.huawei.calls.get('listInstances') ?? 0;
    await Promise.all([handleFollowUp(later, wake, decide), handleFollowUp(later, wake, decide)]);
    const decided = await deps.failover.getDecision(held.id);
    // The primary is up: declined, after one look (an observation is one ListInstances of the primary).
    expect(decided?.outcome).toBe('declined');
    expect((env.huawei.calls.get('listInstances') ?? 0) - before).toBe(1);
  });

  it('refuses a forged follow-up, sending it to the dead-letter queue with nothing done', async () => {
    const forged = {
      about: 'operation',
      id: '01JFORGED0000000000000000',
      token: 1,
      dueAt: new Date().toISOString(),
    };
    const event: SQSEvent = {
      Records: [
        {
          messageId: 'forged-1',
          receiptHandle: 'forged-1',
          body: JSON.stringify(forged),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'someone',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:local:000000000000:switchyard-test-follow-up',
          awsRegion: 'local',
        },
      ],
    };
    const answer = await followUpHandler(event, lambdaContext());
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'forged-1' }] });
  });

  it('wakes a held decision at the end of its hold-off, with no poller tick', async () => {
    const held = await receiveAlert(deps, {
      source: 'alertmanager',
      name: 'PostgresPrimaryDown',
      status: 'firing',
      labels: { alertname: 'PostgresPrimaryDown', cluster: 'ledger' },
      fingerprint: `alertmanager:wake-${Date.now()}`,
      startsAt: new Date().toISOString(),
    });
    expect(held?.outcome).toBe('holding');
    const wake = followUpsSent().at(-1);
    expect(JSON.parse(JSON.parse(wake?.body as string).switchyard.payload)).toMatchObject({
      about: 'decision',
      id: held?.id,
    });
    // ledger-pg holds off 30 s: the wake-up is delayed by that, not by a poller's minute.
    expect(wake?.delaySeconds).toBeGreaterThanOrEqual(29);
    expect(wake?.delaySeconds).toBeLessThanOrEqual(30);
  });
  it('fences an old primary within seconds of its return: the promotion that left it unfenced follows it up, with no poller tick', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(promoteStandby, 'promote-standby', {
      pair: 'ledger-pg',
      reason: 'lost',
    });
    expect(asked.status).toBe(202);
    const id = asked.body.operation.id as string;
    // Promoted; what the lost primary cannot answer leaves it UNVERIFIED.
    expect(['SUCCEEDED', 'UNVERIFIED']).toContain((await until(id, (o) => isTerminal(o.state))).state);
    expect((await deps.failover.getPairState('ledger-pg')).atRisk?.operationId).toBe(id);

    // Ended, it goes on looking at the old primary (Huawei refuses to stop a FAILED instance), every 15 s.
    const atEnd = followUpsSent().length;
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    expect(followUpsSent().length).toBeGreaterThan(atEnd);
    expect((await deps.failover.getPairState('ledger-pg')).atRisk).toBeDefined();

    // The old primary answers again: fenced and told within seconds, where the sweep alone took up to two minutes.
    const back = Date.now();
    await losePrimary(env, 'ledger-pg', true);
    for (let i = 0; i < 450 && (await deps.failover.getPairState('ledger-pg')).atRisk; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await deps.failover.getPairState('ledger-pg')).atRisk).toBeUndefined();
    expect(Date.now() - back).toBeLessThan(40_000);
    const members = await sandboxMembers(env, 'huawei');
    expect(members.filter((m) => m.acceptsWrites && LEDGER.includes(m.id))).toHaveLength(1);
    expect(
      env.sink
        .pairRisks()
        .filter((r) => r.pair.operationId === id)
        .map((r) => r.pair.risk),
    ).toEqual(['split-brain', 'fenced']);

    // Fenced, it stops: at most the one already on its way arrives, and sends no other.
    const fenced = followUpsSent().length;
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    expect(followUpsSent().length).toBeLessThanOrEqual(fenced + 1);
    await resetSimulator(env.huawei.url);
    await retireOldPrimaries('ledger-pg');
  }, 120_000);
});
