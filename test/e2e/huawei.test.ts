import type { SQSEvent } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as configureDr } from '../../functions/configure-dr/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as upgradeMinorVersion } from '../../functions/upgrade-minor-version/handler.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { pollUntilDone, postOperation } from '../support/operations.js';
import { losePrimary, retireOldPrimaries } from '../support/outage.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
beforeAll(() => {
  env = environment();
});
beforeEach(async () => {
  await resetSimulator(env.huawei.url);
  await retireOldPrimaries('ledger-pg');
});

const ORDERS_PRIMARY = '24c6678f474241fe89ee9c42f768022ein03';
const ORDERS_DR = 'c39bd176fb0540929f6add80b91b212cin03';
const LEDGER_DR = '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03';
const fault = (rule: unknown) =>
  fetch(`${env.huawei.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });
const notificationsFor = (id: string) => env.sink.forOperation(id).map((r) => r.notification);

describe('Huawei RDS configure-dr', () => {
  it('configures the primary side, then the DR side, as two steps of one operation', async () => {
    const accepted = await postOperation(configureDr, 'configure-dr', { pair: 'orders-pg' });
    expect(accepted.status).toBe(202);
    expect(accepted.body.operation.steps.map((s: { id: string }) => s.id)).toEqual([
      'build_master_dr_relation',
      'build_slave_dr_relation',
    ]);

    const done = await pollUntilDone(env.store, accepted.body.operation.id);

    expect(done.state).toBe('SUCCEEDED');
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ['build_master_dr_relation', 'succeeded'],
      ['build_slave_dr_relation', 'succeeded'],
    ]);
    expect(done.jobs).toHaveLength(1);
    expect(done.job?.phase).toBe(1);
    expect(env.huawei.calls.get('build_master_dr_relation')).toBe(1);
    expect(env.huawei.calls.get('build_slave_dr_relation')).toBe(1);
    expect(env.huawei.relations).toContainEqual(
      expect.objectContaining({
        master_instance_id: ORDERS_PRIMARY,
        slave_instance_id: ORDERS_DR,
        status: 'success',
      }),
    );
    // The primary side named the DR instance's IP (from ListInstances) and subnet (from config).
    const states = notificationsFor(done.id)
      .filter((n) => n.type === 'operation.state')
      .map((n) => n.operation.state);
    expect(states).toEqual(['SUBMITTING', 'RUNNING', 'SUBMITTING', 'RUNNING', 'SUCCEEDED']);
  });

  it('ends FAILED when the DR side fails, saying what was configured and what to remove', async () => {
    await fault({
      route: 'build_slave_dr_relation',
      fault: { kind: 'fail-step', step: '*', message: 'the network is disconnected' },
    });

    const accepted = await postOperation(configureDr, 'configure-dr', { pair: 'orders-pg' });
    const done = await pollUntilDone(env.store, accepted.body.operation.id);

    expect(done.state).toBe('FAILED');
    expect(done.failedStep).toBe(`Configure DR on the DR instance ${ORDERS_DR}`);
    // The provider's words end as a sentence before Switchyard's advice begins.
    expect(done.outcome).toContain(
      `the network is disconnected. The primary side is configured (build_master_dr_relation on ${ORDERS_PRIMARY})`,
    );
    expect(done.outcome).toContain(`/instances/${ORDERS_PRIMARY}/delete-disaster-recovery`);
    expect(done.steps.map((s) => s.status)).toEqual(['succeeded', 'failed']);
  });
});

describe('Huawei RDS promote-standby', () => {
  it('refuses to promote over an ACTIVE primary, which Huawei lets Switchyard fence only after the promotion', async () => {
    const answer = await postOperation(promoteStandby, 'promote-standby', { pair: 'ledger-pg' });
    expect(answer.status).toBe(409);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body.rules).toEqual(['fencing.required']);
    expect(answer.body.detail).toContain('only after the promotion');
    expect(env.huawei.calls.get('drreplica_to_master') ?? 0).toBe(0);
  });
  it('promotes the DR instance, stating the replication lag read just before in the answer and the notification', async () => {
    await losePrimary(env, 'ledger-pg');
    const accepted = await postOperation(promoteStandby, 'promote-standby', {
      pair: 'ledger-pg',
      reason: 'primary lost',
    });

    expect(accepted.status).toBe(202);
    const lag = accepted.body.operation.findings.find(
      (f: { rule: string }) => f.rule === 'dr.replication-lag',
    );
    expect(lag).toMatchObject({ passed: true, warning: true });
    expect(lag.message).toContain('data may be lost');
    expect(lag.message).toContain('0.25 MB behind in receiving WAL');
    const created = notificationsFor(accepted.body.operation.id)[0];
    expect(created?.text).toContain('WARNING: data may be lost');

    const done = await pollUntilDone(env.store, accepted.body.operation.id);
    expect(env.huawei.relations.some((r) => r.slave_instance_id === LEDGER_DR)).toBe(false);
    // Promoted and taking connections, but the lost primary is abnormal, not stopped: Switchyard does not call
    // that a success, and says what it could not confirm.
    expect(done.state).toBe('UNVERIFIED');
    expect(done.verification?.checks).toEqual([
      expect.objectContaining({ name: 'new-primary.role', by: 'provider', outcome: 'passed' }),
      expect.objectContaining({ name: 'new-primary.writable', by: 'provider', outcome: 'passed' }),
      expect.objectContaining({
        name: 'old-primary.fenced',
        outcome: 'failed',
        detail: expect.stringContaining('is FAILED, not stopped'),
      }),
    ]);
    expect(done.outcome).toContain('could not confirm the result: old-primary.fenced failed');
    const told = notificationsFor(done.id).at(-1);
    expect(told?.text).toContain('-> UNVERIFIED');
    expect(told?.nextAction).toContain('Needs attention');
  });

  it('takes a promotion from its queue', async () => {
    await losePrimary(env, 'ledger-pg');
    const event = loadEvent<SQSEvent>('sqs', 'promote-standby');
    const result = (await promoteStandby(event as never, lambdaContext())) as {
      batchItemFailures: unknown[];
    };
    expect(result.batchItemFailures).toEqual([]);
    const [operation] = (await env.store.list({ pair: 'ledger-pg', limit: 1 })).items;
    // An outside sender names no one: the queue it came on is who asked.
    expect(operation?.requestedBy).toEqual({
      principal: 'queue:switchyard-dev-promote-standby',
      channel: 'queue',
    });
    expect((await pollUntilDone(env.store, operation!.id)).state).toBe('UNVERIFIED');
  });
});

describe('Huawei RDS upgrade-minor-version', () => {
  it('upgrades the primary immediately and follows the job to the end', async () => {
    const accepted = await postOperation(upgradeMinorVersion, 'upgrade-minor-version', { pair: 'orders-pg' });
    expect(accepted.status).toBe(202);
    const done = await pollUntilDone(env.store, accepted.body.operation.id);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.steps).toEqual([
      expect.objectContaining({ id: 'db-upgrade', status: 'succeeded', progress: 100 }),
    ]);
    expect(env.huawei.instances.get(ORDERS_PRIMARY)?.datastore.complete_version).toBe('14.9.0');
    // The success says what the instance now runs, as Huawei reports it.
    const succeeded = done.events.findLast((e) => e.to === 'SUCCEEDED');
    expect(succeeded?.message).toContain(`${ORDERS_PRIMARY} now runs PostgreSQL 14.9.0`);
  });

  it("fails with Huawei's reason when the upgrade job fails", async () => {
    await fault({
      route: 'db-upgrade',
      fault: { kind: 'fail-step', step: '*', message: 'Upgrade failed: standby node is unreachable' },
    });
    const accepted = await postOperation(upgradeMinorVersion, 'upgrade-minor-version', { pair: 'orders-pg' });
    const done = await pollUntilDone(env.store, accepted.body.operation.id);
    expect(done.state).toBe('FAILED');
    expect(done.outcome).toBe('Upgrade failed: standby node is unreachable');
  });
});
