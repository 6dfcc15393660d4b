import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as getOperation } from '../../functions/get-operation/handler.js';
import { handler as listOperations } from '../../functions/list-operations/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import type { Operation } from '../../shared/domain/operation.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { pollUntilDone as pollStore, postOperation } from '../support/operations.js';
import { losePrimary } from '../support/outage.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
beforeAll(() => {
  env = environment();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  postOperation(switchover, 'switchover', body, headers);

async function get(id: string) {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'get-operation');
  event.pathParameters = { id };
  event.rawPath = `/v1/operations/${id}`;
  return httpAnswer(await getOperation(event, lambdaContext()));
}

const pollUntilDone = (id: string) => pollStore(env.store, id);

const notificationsFor = (id: string) => env.sink.forOperation(id);

describe('tenant switchover over HTTP', () => {
  beforeEach(async () => {
    await resetSimulator(env.ocp.url);
  });

  it('goes from 202 to SUCCEEDED with all ten subtasks, one notification per change, and swaps the roles', async () => {
    // Act
    const accepted = await post({ pair: 'orders-ob', reason: 'DR drill' });
    // Assess
    expect(accepted.status).toBe(202);
    const id = accepted.body.operation.id as string;
    expect(accepted.headers.location).toBe(`/v1/operations/${id}`);
    expect(accepted.body.operation.state).toBe('RUNNING');
    expect(accepted.body.operation.requestedBy).toEqual({
      principal: 'api-key:sandbox-operator',
      person: 'olivia',
      channel: 'http',
    });

    const finished = await pollUntilDone(id);
    expect(finished.state).toBe('SUCCEEDED');
    // Confirmed through OCP before it was called a success: the new primary tenant is PRIMARY and open, the old
    // one a STANDBY.
    expect(finished.verification).toMatchObject({ state: 'verified' });
    expect(finished.verification?.checks.map((c) => [c.name, c.outcome, c.detail])).toEqual([
      ['new-primary.role', 'passed', 'OCP lists tenant 1002 as PRIMARY'],
      ['new-primary.writable', 'passed', 'OCP lists tenant 1002 as NORMAL, not locked, not read-only'],
      ['old-primary.fenced', 'passed', 'OCP lists tenant 1001 as STANDBY: it was demoted'],
    ]);
    expect(finished.events.at(-1)?.message).toContain(
      'verified: new-primary.role, new-primary.writable, old-primary.fenced passed',
    );

    const shown = await get(id);
    expect(shown.status).toBe(200);
    const steps = shown.body.operation.steps as { name: string; status: string; upstreams: string[] }[];
    expect(steps).toHaveLength(10);
    expect(steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(steps[0]?.name).toBe('Prepare switchover tenant');
    expect(steps[9]?.name).toBe('Reset switchover tenant info');
    // Each step lists the one before it as its upstream: the DAG came through intact.
    for (let i = 1; i < steps.length; i++)
      expect(steps[i]?.upstreams).toContain((shown.body.operation.steps[i - 1] as { id: string }).id);

    const received = notificationsFor(id);
    expect(received.every((r) => r.signatureValid)).toBe(true);
    const ids = received.map((r) => r.notification.id);
    expect(new Set(ids).size).toBe(ids.length);
    // One notification per audit event: every change was announced, none twice.
    expect(received).toHaveLength(finished.events.length);
    const states = received
      .filter((r) => r.notification.type === 'operation.state')
      .map((r) => r.notification.operation.state);
    expect(states).toEqual(['SUBMITTING', 'RUNNING', 'SUCCEEDED']);

    expect(env.ocp.tenants.get(1001)?.role).toBe('STANDBY');
    expect(env.ocp.tenants.get(1002)?.role).toBe('PRIMARY');
  });

  it('switches back the other way on the next request, learning the current roles from OCP', async () => {
    const first = await post({ pair: 'payments-ob' });
    await pollUntilDone(first.body.operation.id);
    expect(env.ocp.tenants.get(1004)?.role).toBe('PRIMARY');

    const second = await post({ pair: 'payments-ob' });
    expect(second.status).toBe(202);
    expect(second.body.operation.target).toMatchObject({ tenantId: 1004, standbyTenantId: 1003 });
    expect((await pollUntilDone(second.body.operation.id)).state).toBe('SUCCEEDED');
    expect(env.ocp.tenants.get(1003)?.role).toBe('PRIMARY');
  });

  it('makes one operation of two identical requests with one Idempotency-Key', async () => {
    const key = { 'idempotency-key': `drill-${Date.now()}` };
    const before = env.ocp.calls.get('switchover') ?? 0;

    const first = await post({ pair: 'orders-ob' }, key);
    const second = await post({ pair: 'orders-ob' }, key);

    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.operation.id).toBe(first.body.operation.id);
    expect((env.ocp.calls.get('switchover') ?? 0) - before).toBe(1);
    await pollUntilDone(first.body.operation.id);
  });

  it('refuses a second switchover on a busy pair with 409 naming the active operation', async () => {
    const first = await post({ pair: 'orders-ob' });
    const second = await post({ pair: 'orders-ob' });

    expect(second.status).toBe(409);
    expect(second.headers['content-type']).toBe('application/problem+json');
    expect(second.body.activeOperation).toBe(first.body.operation.id);
    expect(second.body.detail).toContain(first.body.operation.id);
    await pollUntilDone(first.body.operation.id);
  });

  it('ends FAILED at the failing subtask with the simulator message when OCP fails a step', async () => {
    await fetch(`${env.ocp.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({
        route: 'switchover',
        fault: {
          kind: 'fail-step',
          step: 'Switchover standby tenant to primary',
          message: 'log restore source unreachable: 10.0.0.9:2881',
        },
      }),
    });

    const accepted = await post({ pair: 'orders-ob' });
    const finished = await pollUntilDone(accepted.body.operation.id);

    expect(finished.state).toBe('FAILED');
    expect(finished.failedStep).toBe('Switchover standby tenant to primary');
    expect(finished.outcome).toContain('log restore source unreachable: 10.0.0.9:2881');
    const failedStep = finished.steps.find((s) => s.status === 'failed');
    expect(failedStep?.name).toBe('Switchover standby tenant to primary');
    expect(finished.steps.filter((s) => s.status === 'pending')).toHaveLength(5);
    const last = notificationsFor(finished.id).at(-1)?.notification;
    expect(last?.operation.state).toBe('FAILED');
    expect(last?.text).toContain('log restore source unreachable');
    // The pair is free again.
    const next = await post({ pair: 'orders-ob', dryRun: true });
    expect(next.status).toBe(200);
  });

  it('answers a dry run with the precheck findings and submits nothing', async () => {
    const before = env.ocp.calls.get('switchover') ?? 0;
    const active = await env.store.listActive();

    const answer = await post({ pair: 'orders-ob', dryRun: true });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      type: 'dry-run',
      kind: 'switchover',
      pair: 'orders-ob',
      valid: true,
    });
    expect(answer.body.findings.length).toBeGreaterThan(0);
    expect(env.ocp.calls.get('switchover') ?? 0).toBe(before);
    expect(await env.store.listActive()).toHaveLength(active.length);
  });

  it('records a precheck refusal as REJECTED, answers 422 with the findings and frees the pair', async () => {
    await fetch(`${env.ocp.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ fault: { kind: 'precheck', message: 'PRIMARY TENANT DOING BACKUP' } }),
    });
    const before = env.ocp.calls.get('switchover') ?? 0;

    const answer = await post({ pair: 'orders-ob' });

    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('precheck_failed');
    expect(answer.body.detail).toContain('PRIMARY TENANT DOING BACKUP');
    expect(answer.body.operation.state).toBe('REJECTED');
    expect(env.ocp.calls.get('switchover') ?? 0).toBe(before);
    await fetch(`${env.ocp.url}/_sandbox/faults`, { method: 'DELETE' });
    const next = await post({ pair: 'orders-ob' });
    expect(next.status).toBe(202);
    await pollUntilDone(next.body.operation.id);
  });

  it("lists a pair's operations, newest first", async () => {
    const event = loadEvent<APIGatewayProxyEventV2>('http', 'list-operations');
    const answer = httpAnswer(await listOperations(event, lambdaContext()));
    expect(answer.status).toBe(200);
    const items = answer.body.items as Operation[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((o) => o.pair === 'orders-ob')).toBe(true);
    expect([...items].map((o) => o.id)).toEqual(
      [...items]
        .map((o) => o.id)
        .sort()
        .reverse(),
    );
  });
});

describe('tenant switchover over SQS', () => {
  it('runs a queued switchover to SUCCEEDED', async () => {
    const event = loadEvent<SQSEvent>('sqs', 'switchover');
    event.Records[0]!.messageId = `msg-${Date.now()}`;

    const result = (await switchover(event as never, lambdaContext())) as { batchItemFailures: unknown[] };

    expect(result.batchItemFailures).toEqual([]);
    const [operation] = (await env.store.list({ pair: 'orders-ob', limit: 1 })).items;
    expect(operation?.source).toBe('queue');
    expect(operation?.requestedBy).toEqual({
      principal: 'queue:switchyard-dev-switchover',
      channel: 'queue',
    });
    expect((await pollUntilDone(operation!.id)).state).toBe('SUCCEEDED');
  });

  it('treats a redelivered message as the same operation', async () => {
    const event = loadEvent<SQSEvent>('sqs', 'switchover');
    event.Records[0]!.messageId = `dup-${Date.now()}`;
    const before = env.ocp.calls.get('switchover') ?? 0;

    await switchover(structuredClone(event) as never, lambdaContext());
    const again = (await switchover(structuredClone(event) as never, lambdaContext())) as {
      batchItemFailures: unknown[];
    };

    expect(again.batchItemFailures).toEqual([]);
    expect((env.ocp.calls.get('switchover') ?? 0) - before).toBe(1);
    const [operation] = (await env.store.list({ pair: 'orders-ob', limit: 1 })).items;
    await pollUntilDone(operation!.id);
  });

  it('fails only the malformed records of a batch and writes nothing for them', async () => {
    const event = loadEvent<SQSEvent>('sqs', 'switchover-with-malformed');
    const before = await env.store.list({ pair: 'payments-ob', limit: 100 });

    const result = (await switchover(event as never, lambdaContext())) as {
      batchItemFailures: { itemIdentifier: string }[];
    };

    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      ['6f0a8c1e-1b7f-4a53-9d0c-2f3a5c7e9b11', '8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'].sort(),
    );
    const after = await env.store.list({ pair: 'payments-ob', limit: 100 });
    expect(after.items.length - before.items.length).toBe(1);
    await pollUntilDone(after.items[0]!.id);
  });
});

describe('tenant failover (promote-standby on an OceanBase pair)', () => {
  beforeEach(async () => {
    await resetSimulator(env.ocp.url);
  });

  it('promotes the standby tenant through the batch failover API, stating that data may be lost', async () => {
    await losePrimary(env, 'payments-ob');
    const accepted = await postOperation(promoteStandby, 'promote-standby', { pair: 'payments-ob' });

    expect(accepted.status).toBe(202);
    expect(accepted.body.operation.findings).toContainEqual(
      expect.objectContaining({ rule: 'data-loss', warning: true }),
    );
    expect(env.ocp.lastParams.get('failover')).toBeDefined();
    const done = await pollUntilDone(accepted.body.operation.id);
    // OCP lists the lost tenant as a primary still, unlocked: the failover is done but not confirmed safe.
    expect(done.state).toBe('UNVERIFIED');
    expect(done.verification?.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['new-primary.role', 'passed'],
      ['new-primary.writable', 'passed'],
      ['old-primary.fenced', 'failed'],
    ]);
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ['Prepare failover tenant', 'succeeded'],
      ['Failover standby tenant to primary', 'succeeded'],
      ['Update tenant role in meta', 'succeeded'],
      // OCP cannot lock a tenant it cannot reach: the old primary is fenced when it answers again.
      ['Fence the old primary tenant 1003', 'skipped'],
    ]);
    expect(done.fencing?.state).toBe('deferred');
    expect(env.ocp.tenants.get(1004)?.role).toBe('PRIMARY');
    expect(env.ocp.calls.get('failover')).toBe(1);
  });

  it('refuses a failover while the primary tenant answers: OCP has a switchover for that', async () => {
    const answer = await postOperation(promoteStandby, 'promote-standby', { pair: 'payments-ob' });
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toContain('PRIMARY_TENANT_UNAVAILABLE');
    expect(answer.body.findings).toContainEqual(
      expect.objectContaining({
        rule: 'switchover-available',
        message: expect.stringContaining('POST /v1/switchovers'),
      }),
    );
    expect(env.ocp.calls.get('failover') ?? 0).toBe(0);
  });

  it("refuses a failover when OCP's pre-check does", async () => {
    await losePrimary(env, 'payments-ob');
    await fetch(`${env.ocp.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({
        route: 'failoverPreCheck',
        fault: { kind: 'precheck', message: 'standby log restore is stopped' },
      }),
    });
    const answer = await postOperation(promoteStandby, 'promote-standby', { pair: 'payments-ob' });
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toContain('standby log restore is stopped');
    expect(env.ocp.calls.get('failover') ?? 0).toBe(0);
  });
});
