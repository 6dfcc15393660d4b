import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as approve } from '../../functions/approve-operation/handler.js';
import { handler as pairHistory } from '../../functions/pair-history/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import type { Operation } from '../../shared/domain/operation.js';
import type { Run } from '../../shared/views/pair-history.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { decideOperation, pollUntilDone, postOperation } from '../support/operations.js';
import { losePrimary, retireOldPrimaries } from '../support/outage.js';

/** Every promotion and switchover is measured: its timeline, RTO and RPO, told at its end and kept in the history. */
const environment = useTestEnvironment();
let env: TestEnvironment;
beforeAll(() => {
  env = environment();
});
beforeEach(async () => {
  await Promise.all([env.ocp.url, env.huawei.url, env.alibaba.url].map((url) => resetSimulator(url)));
  await retireOldPrimaries('ledger-pg', 'billing-rds', 'payments-ob');
});

async function history(pair: string, query: Record<string, string> = {}) {
  const request = loadEvent<APIGatewayProxyEventV2>('http', 'pair-history');
  request.pathParameters = { pair };
  request.rawPath = `/v1/pairs/${pair}/history`;
  request.queryStringParameters = query;
  request.rawQueryString = new URLSearchParams(query).toString();
  return httpAnswer(await pairHistory(request, lambdaContext()));
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
const lastTold = (id: string) => env.sink.forOperation(id).at(-1)?.notification;

describe('the history of a pair', () => {
  it('measures a verified switchover from the request to verified, stage by stage, and tells it at the end', async () => {
    const asked = await postOperation(switchover, 'switchover', { pair: 'orders-ob' });
    const done = await pollUntilDone(env.store, asked.body.operation.id);
    expect(done.state).toBe('SUCCEEDED');

    const answer = await history('orders-ob');
    expect(answer.status).toBe(200);
    const run = (answer.body.runs as Run[]).find((r) => r.id === done.id) as Run;
    expect(run).toMatchObject({ kind: 'switchover', state: 'SUCCEEDED', outcome: 'verified' });
    const { timeline, rto, rpo } = run;
    expect(Object.keys(timeline)).toEqual(
      expect.arrayContaining(['requested', 'submitted', 'providerDone', 'verified', 'told']),
    );
    expect(timeline.detected).toBeUndefined();
    // RTO: the request to verified, and the stages add up to it.
    expect(rto.from).toBe('requested');
    expect(rto.seconds).toBeCloseTo(seconds(timeline.requested as string, timeline.verified as string), 3);
    expect(rto.stages.map((s) => `${s.from}>${s.to}`)).toEqual([
      'requested>submitted',
      'submitted>providerDone',
      'providerDone>verified',
    ]);
    const sum = rto.stages.reduce((total, s) => total + s.seconds, 0);
    expect(sum).toBeCloseTo(rto.seconds as number, 3);
    if ((rto.seconds as number) > 0)
      expect(rto.stages.reduce((total, s) => total + s.share, 0)).toBeCloseTo(1, 3);
    // A switchover loses nothing by design, which the RPO says rather than a bare zero.
    expect(rpo).toMatchObject({ state: 'none', seconds: 0 });
    expect(Date.parse(timeline.told as string)).toBeGreaterThanOrEqual(
      Date.parse(timeline.verified as string),
    );

    const told = lastTold(done.id);
    expect(told?.operation.state).toBe('SUCCEEDED');
    expect(told?.text).toMatch(
      /RTO \d+ s from the request to verified; the longest stage, .*; RPO none \(a switchover\)\./,
    );
    expect(told?.operation.recovery?.rto.seconds).toBe(rto.seconds);
  });

  it('marks the approval and the fence of a planned promotion, and says an RPO Alibaba cannot give is unknown', async () => {
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'billing-rds' });
    await decideOperation(approve, asked.body.operation.id, 'sandbox-approver-key');
    const done = await pollUntilDone(env.store, asked.body.operation.id);
    expect(done.state).toBe('SUCCEEDED');

    const run = ((await history('billing-rds')).body.runs as Run[]).find((r) => r.id === done.id) as Run;
    expect(run.timeline).toMatchObject({
      requested: done.createdAt,
      approved: done.approval?.approvals.at(-1)?.at,
      fenced: done.fencing?.at,
    });
    // Fenced before the promotion was sent, which Alibaba allows.
    expect(Date.parse(run.timeline.fenced as string)).toBeLessThanOrEqual(
      Date.parse(run.timeline.submitted as string),
    );
    expect(run.rto.stages.map((s) => s.to)).toEqual([
      'approved',
      'fenced',
      'submitted',
      'providerDone',
      'verified',
    ]);
    expect(run.rpo.state).toBe('unknown');
    expect(run.rpo.seconds).toBeUndefined();
    expect(run.rpo.bytes).toBeUndefined();
    expect(run.rpo.asRead).toContain('Alibaba Cloud reports no lag figure');
    expect(lastTold(done.id)?.text).toContain('RPO unknown (Alibaba Cloud reports no lag figure');
  });

  it('gives an unverified promotion no recovery time, and its RPO in MB as Huawei reports it and in bytes', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    const done: Operation = await pollUntilDone(env.store, asked.body.operation.id);
    expect(done.state).toBe('UNVERIFIED');

    const run = ((await history('ledger-pg')).body.runs as Run[]).find((r) => r.id === done.id) as Run;
    expect(run.outcome).toContain('unverified: ');
    expect(run.timeline.verified).toBeUndefined();
    expect(run.rto.seconds).toBeUndefined();
    expect(run.rto.detail).toContain('unknown: the result was not verified');
    // The sandbox's DR instance is 0.25 MB behind in receiving WAL and 0.5 MB in replaying it: the larger is lost.
    expect(run.rpo).toMatchObject({ state: 'known', bytes: 524_288 });
    expect(run.rpo.asRead).toContain('0.5 MB behind');
    expect(run.rpo.readAt).toBe(done.observation?.at);
    expect(lastTold(done.id)?.text).toContain('RPO 0.5 MB (524288 bytes)');
  });

  it('lists only promotions and switchovers, newest first, a page at a time', async () => {
    const first = await postOperation(switchover, 'switchover', { pair: 'payments-ob' });
    await pollUntilDone(env.store, first.body.operation.id);
    const second = await postOperation(switchover, 'switchover', { pair: 'payments-ob' });
    await pollUntilDone(env.store, second.body.operation.id);

    const page = await history('payments-ob', { limit: '1' });
    expect(page.body.runs.map((r: Run) => r.id)).toEqual([second.body.operation.id]);
    expect(page.body.cursor).toEqual(expect.any(String));
    const next = await history('payments-ob', { limit: '1', cursor: page.body.cursor });
    expect(next.body.runs.map((r: Run) => r.id)).toEqual([first.body.operation.id]);
  });

  it('refuses a cursor it did not give, or one from another pair, with 422 naming query.cursor', async () => {
    const forged = Buffer.from(
      JSON.stringify({ pk: 'LOCK#pair:orders-ob', sk: 'LOCK', gsi2pk: 'PAIR#orders-ob', gsi2sk: 'x' }),
    ).toString('base64url');
    for (const cursor of ['bm90LWpzb24', forged]) {
      const answer = await history('orders-ob', { cursor });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ code: 'invalid_cursor', errors: [{ field: 'query.cursor' }] });
    }
    const page = await history('payments-ob', { limit: '1' });
    if (page.body.cursor) expect((await history('orders-ob', { cursor: page.body.cursor })).status).toBe(422);
    expect((await history('no-such-pair')).status).toBe(404);
  });
});
