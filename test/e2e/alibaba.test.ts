import type { SQSEvent } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as activateMigrationTarget } from '../../functions/activate-migration-target/handler.js';
import { handler as approve } from '../../functions/approve-operation/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as upgradeMinorVersion } from '../../functions/upgrade-minor-version/handler.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { decideOperation, pollUntilDone, postOperation } from '../support/operations.js';
import { losePrimary, retireOldPrimaries, sandboxMembers } from '../support/outage.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
beforeAll(() => {
  env = environment();
});
beforeEach(async () => {
  await resetSimulator(env.alibaba.url);
  await retireOldPrimaries('billing-rds');
});

const CRM = 'pgm-bp1crm0migration01';
const STANDBY = 'pgm-2zebilling0standby';
const control = (path: string, change: unknown) =>
  fetch(`${env.alibaba.url}/_sandbox/${path}`, { method: 'PATCH', body: JSON.stringify(change) });
const fault = (rule: unknown) =>
  fetch(`${env.alibaba.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });
const activations = () => env.alibaba.calls.get('ActivateMigrationTargetInstance') ?? 0;

describe('Alibaba activate-migration-target', () => {
  it('cuts the migration over and follows it through the stages to success', async () => {
    const accepted = await postOperation(activateMigrationTarget, 'activate-migration-target', {
      pair: 'crm-migration',
    });
    expect(accepted.status).toBe(202);

    const done = await pollUntilDone(env.store, accepted.body.operation.id);

    expect(done.state).toBe('SUCCEEDED');
    expect(done.steps.map((s) => s.id)).toEqual([
      'migration.precheck',
      'migration.basebackup',
      'migration.startup',
      'migration.increment',
      'migration.switch',
      'migration.success',
      'ActivateMigrationTargetInstance',
    ]);
    expect(done.steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(env.alibaba.migrations[0]?.MigrateStage).toBe('success');
    expect(activations()).toBe(1);
  });

  it('refuses before stage increment with a 422 naming the stage, and submits nothing', async () => {
    await control(`migrations/${CRM}`, { MigrateStage: 'basebackup' });

    const answer = await postOperation(activateMigrationTarget, 'activate-migration-target', {
      pair: 'crm-migration',
      force: true,
    });

    expect(answer.status).toBe(422);
    expect(answer.body.detail).toContain(
      'the migration is at stage "basebackup"; activation needs stage "increment" [migration.stage]',
    );
    expect(activations()).toBe(0);
  });

  it.each([
    ['IncorrectDBInstanceState', 'The current instance state does not support this operation.', 409],
    ['InvalidMigrateStatus', 'The migrate target instance is not synced with source instance.', 422],
    ['InvalidMigrateTask', 'No running migrate task found.', 422],
  ])("answers Alibaba's %s with %s and the provider's code and message", async (code, message, status) => {
    await fault({
      route: 'ActivateMigrationTargetInstance',
      times: 1,
      fault: { kind: 'status', status: 400, code, message },
    });

    const answer = await postOperation(activateMigrationTarget, 'activate-migration-target', {
      pair: 'crm-migration',
    });

    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({
      code: 'provider_refused',
      providerCode: code,
      providerMessage: message,
    });
    expect(answer.body.operation.state).toBe('FAILED');
    expect(activations()).toBe(1);
  });

  it('sends SwitchTimeMode 0 always, and ForceSwitch only when the request says force', async () => {
    const plain = await postOperation(activateMigrationTarget, 'activate-migration-target', {
      pair: 'crm-migration',
    });
    expect(env.alibaba.lastParams.get('ActivateMigrationTargetInstance')).toEqual({
      DBInstanceName: CRM,
      SwitchTimeMode: '0',
    });
    await pollUntilDone(env.store, plain.body.operation.id);

    await control(`migrations/${CRM}`, { MigrateStage: 'increment' });
    const forced = await postOperation(activateMigrationTarget, 'activate-migration-target', {
      pair: 'crm-migration',
      force: true,
    });
    expect(forced.status).toBe(202);
    expect(env.alibaba.lastParams.get('ActivateMigrationTargetInstance')).toMatchObject({
      SwitchTimeMode: '0',
      ForceSwitch: '1',
    });
    await pollUntilDone(env.store, forced.body.operation.id);
  });

  it('takes an activation from its queue', async () => {
    const event = loadEvent<SQSEvent>('sqs', 'activate-migration-target');
    const result = (await activateMigrationTarget(event as never, lambdaContext())) as {
      batchItemFailures: unknown[];
    };
    expect(result.batchItemFailures).toEqual([]);
    const [operation] = (await env.store.list({ pair: 'crm-migration', limit: 1 })).items;
    expect(operation?.requestedBy.principal).toBe('queue:switchyard-dev-activate-migration-target');
    expect((await pollUntilDone(env.store, operation!.id)).state).toBe('SUCCEEDED');
  });
});

describe('Alibaba promote-standby', () => {
  it('promotes the DR instance, saying plainly that data may be lost, connections drop and the old primary leaves', async () => {
    await losePrimary(env, 'billing-rds');
    const accepted = await postOperation(promoteStandby, 'promote-standby', { pair: 'billing-rds' });

    expect(accepted.status).toBe(202);
    const warnings = accepted.body.operation.findings
      .filter((f: { warning?: boolean }) => f.warning)
      .map((f: { rule: string }) => f.rule);
    expect(warnings).toEqual(['data-loss', 'connections', 'old-primary']);
    const [created] = env.sink.forOperation(accepted.body.operation.id);
    expect(created?.notification.text).toContain('WARNING: data may be lost');
    expect(created?.notification.text).toContain('connections are briefly interrupted');
    expect(created?.notification.text).toContain(
      'the original primary pgm-bp1billing0primary leaves the pair',
    );

    const done = await pollUntilDone(env.store, accepted.body.operation.id);
    expect(done.state).toBe('SUCCEEDED');
    expect(env.alibaba.links.has(STANDBY)).toBe(false);
    expect(env.alibaba.calls.get('DeleteReplicationLink')).toBe(1);
  });

  it('takes a promotion over a Running primary as a planned failover: a second person approves, the old primary is stopped first', async () => {
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'billing-rds' });
    expect(asked.status).toBe(202);
    expect(asked.body.operation).toMatchObject({
      state: 'PENDING_APPROVAL',
      fencing: { policy: 'required', phase: 0, state: 'planned', member: 'pgm-bp1billing0primary' },
    });
    expect(asked.body.operation.approval.reason).toContain('planned failover: the primary is up');
    expect(env.alibaba.calls.get('StopDBInstance') ?? 0).toBe(0);

    const approved = await decideOperation(approve, asked.body.operation.id, 'sandbox-approver-key');
    expect(approved.status).toBe(200);
    const done = await pollUntilDone(env.store, asked.body.operation.id);

    expect(done).toMatchObject({ state: 'SUCCEEDED', fencing: { state: 'fenced' } });
    // Alibaba's own word after the job: the standby is a Primary, Running and unlocked; the old primary Stopped.
    expect(done.verification?.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['new-primary.role', 'passed'],
      ['new-primary.writable', 'passed'],
      ['old-primary.fenced', 'passed'],
    ]);
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ['fence', 'succeeded'],
      ['DeleteReplicationLink', 'succeeded'],
    ]);
    const writable = (await sandboxMembers(env, 'alibaba')).filter((m) => m.acceptsWrites).map((m) => m.id);
    expect(writable).toContain(STANDBY);
    expect(writable).not.toContain('pgm-bp1billing0primary');
  });

  it('refuses a standby that is not Running', async () => {
    await control(`instances/${STANDBY}`, { DBInstanceStatus: 'Rebooting' });
    const answer = await postOperation(promoteStandby, 'promote-standby', { pair: 'billing-rds' });
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toContain('[standby.running]');
    expect(env.alibaba.calls.get('DeleteReplicationLink') ?? 0).toBe(0);
  });
});

describe('Alibaba upgrade-minor-version', () => {
  it('upgrades the kernel immediately', async () => {
    const accepted = await postOperation(upgradeMinorVersion, 'upgrade-minor-version', {
      pair: 'billing-rds',
    });
    const done = await pollUntilDone(env.store, accepted.body.operation.id);
    expect(done.state).toBe('SUCCEEDED');
    expect(env.alibaba.instances.get('pgm-bp1billing0primary')?.CurrentKernelVersion).toBe(
      'rds_postgres_1400_20250430',
    );
    // The success says what the instance now runs, as Alibaba reports it.
    const succeeded = done.events.findLast((e) => e.to === 'SUCCEEDED');
    expect(succeeded?.message).toContain(
      'pgm-bp1billing0primary now runs minor version rds_postgres_1400_20250430',
    );
  });

  it('upgrades in the maintenance window when asked', async () => {
    const accepted = await postOperation(upgradeMinorVersion, 'upgrade-minor-version', {
      pair: 'billing-rds',
      instance: 'dr',
      isDelayed: true,
      targetMinorVersion: 'rds_postgres_1400_20250430',
    });
    expect(accepted.status).toBe(202);
    expect((await pollUntilDone(env.store, accepted.body.operation.id)).state).toBe('SUCCEEDED');
    expect(env.alibaba.instances.get(STANDBY)?.CurrentKernelVersion).toBe('rds_postgres_1400_20250430');
  });

  it.each([
    ['an instance already on the latest minor version', { pair: 'crm-migration' }, 'already-latest'],
    ["Huawei's secondSwitch", { pair: 'billing-rds', secondSwitch: true }, 'second-switch.huawei-only'],
  ])('refuses %s with a 422 naming the rule', async (_case, body, rule) => {
    const answer = await postOperation(upgradeMinorVersion, 'upgrade-minor-version', body);
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toContain(`[${rule}]`);
    expect(env.alibaba.calls.get('UpgradeDBInstanceKernelVersion') ?? 0).toBe(0);
  });
});
