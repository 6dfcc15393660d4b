import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as configureDr } from '../../functions/configure-dr/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as upgradeMinorVersion } from '../../functions/upgrade-minor-version/handler.js';
import { HUAWEI_SANDBOX_CREDENTIALS } from '../../sandbox/huawei-simulator.js';
import { HuaweiRdsClient } from '../../shared/providers/huawei/huawei-client.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { postOperation } from '../support/operations.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
beforeAll(() => {
  env = environment();
});
beforeEach(async () => {
  await resetSimulator(env.huawei.url);
});

const ORDERS_PRIMARY = '24c6678f474241fe89ee9c42f768022ein03';
const ORDERS_DR = 'c39bd176fb0540929f6add80b91b212cin03';
const NORTH = '0483b6b16e954cb88930a360d2c4e663';
const WRITES = ['build_master_dr_relation', 'build_slave_dr_relation', 'drreplica_to_master', 'db-upgrade'];

const patch = (id: string, change: unknown) =>
  fetch(`${env.huawei.url}/_sandbox/instances/${id}`, { method: 'PATCH', body: JSON.stringify(change) });
const pg = (version: string) => ({
  datastore: { type: 'PostgreSQL', version: version.split('.')[0], complete_version: version },
});

/** Starts a job on an instance behind Switchyard's back, as a console user would. */
async function startForeignJob(instanceId: string) {
  const client = new HuaweiRdsClient({ endpoint: env.huawei.url, auth: HUAWEI_SANDBOX_CREDENTIALS });
  await client.upgradeMinorVersion(
    { instanceId, projectId: NORTH, region: 'cn-north-4' },
    { is_delayed: false },
  );
  // The job shows in the task list once it is queryable, a few simulated seconds later.
  await new Promise((resolve) => setTimeout(resolve, 20));
}

interface Case {
  name: string;
  handler: typeof configureDr;
  variant: string;
  body: Record<string, unknown>;
  setup: () => Promise<unknown>;
  rule: string;
}

const cases: Case[] = [
  // configure-dr, the seed's constraints
  {
    name: 'PostgreSQL older than 12',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => Promise.all([patch(ORDERS_PRIMARY, pg('11.5.0')), patch(ORDERS_DR, pg('11.5.0'))]),
    rule: 'primary.postgresql-12',
  },
  {
    name: 'a standalone primary',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_PRIMARY, { type: 'Single' }),
    rule: 'primary.ha',
  },
  {
    name: 'a primary/standby DR instance',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_DR, { type: 'Ha' }),
    rule: 'dr.single',
  },
  {
    name: 'a DR instance with fewer vCPUs',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_DR, { cpu: '2' }),
    rule: 'dr.vCPUs',
  },
  {
    name: 'a DR instance with less memory',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_DR, { mem: '8' }),
    rule: 'dr.memory',
  },
  {
    name: 'a DR instance with less storage',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_DR, { volume: { type: 'CLOUDSSD', size: 40 } }),
    rule: 'dr.storage',
  },
  {
    name: 'another major version',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_DR, pg('15.4.0')),
    rule: 'same-major-version',
  },
  {
    name: 'a primary that is not ACTIVE',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_PRIMARY, { status: 'BACKING UP' }),
    rule: 'primary.active',
  },
  {
    name: 'a DR instance that is not ACTIVE',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_DR, { status: 'REBOOTING' }),
    rule: 'dr.active',
  },
  {
    name: 'both instances in one region',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_DR, { region: 'cn-north-4' }),
    rule: 'different-regions',
  },
  {
    name: 'a job already running on the primary',
    handler: configureDr,
    variant: 'configure-dr',
    body: { pair: 'orders-pg' },
    setup: () => startForeignJob(ORDERS_PRIMARY),
    rule: 'primary.no-running-job',
  },
  // promote-standby
  {
    name: 'a DR instance older than PostgreSQL 12',
    handler: promoteStandby,
    variant: 'promote-standby',
    body: { pair: 'ledger-pg' },
    setup: () => patch('9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03', pg('11.5.0')),
    rule: 'dr.postgresql-12',
  },
  {
    name: 'a DR instance that is not ACTIVE',
    handler: promoteStandby,
    variant: 'promote-standby',
    body: { pair: 'ledger-pg' },
    setup: () => patch('9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03', { status: 'FROZEN' }),
    rule: 'dr.active',
  },
  // upgrade-minor-version, the seed's constraints
  {
    name: 'PostgreSQL in the maintenance window',
    handler: upgradeMinorVersion,
    variant: 'upgrade-minor-version',
    body: { pair: 'orders-pg', isDelayed: true },
    setup: async () => {},
    rule: 'postgresql.immediate-only',
  },
  {
    name: 'second_switch on PostgreSQL',
    handler: upgradeMinorVersion,
    variant: 'upgrade-minor-version',
    body: { pair: 'orders-pg', secondSwitch: true },
    setup: async () => {},
    rule: 'second-switch.mysql-ha-only',
  },
  {
    name: 'PostgreSQL 11 below 11.2',
    handler: upgradeMinorVersion,
    variant: 'upgrade-minor-version',
    body: { pair: 'orders-pg' },
    setup: () => patch(ORDERS_PRIMARY, pg('11.1.0')),
    rule: 'postgresql.11-below-11.2',
  },
  {
    name: 'an abnormal node',
    handler: upgradeMinorVersion,
    variant: 'upgrade-minor-version',
    body: { pair: 'orders-pg' },
    setup: () =>
      patch(ORDERS_PRIMARY, {
        nodes: [
          { id: 'n1', role: 'master', status: 'ACTIVE' },
          { id: 'n2', role: 'slave', status: 'ABNORMAL' },
        ],
      }),
    rule: 'postgresql.nodes-normal',
  },
  {
    name: 'an engine other than MySQL or PostgreSQL',
    handler: upgradeMinorVersion,
    variant: 'upgrade-minor-version',
    body: { pair: 'orders-pg' },
    setup: () =>
      patch(ORDERS_PRIMARY, {
        datastore: { type: 'SQLServer', version: '2019_SE', complete_version: '2019_SE' },
      }),
    rule: 'engine',
  },
  {
    name: 'the DR instance of an established relation',
    handler: upgradeMinorVersion,
    variant: 'upgrade-minor-version',
    body: { pair: 'ledger-pg', instance: 'dr' },
    setup: async () => {},
    rule: 'dr.no-minor-upgrade',
  },
  {
    name: 'a job already running on the instance',
    handler: upgradeMinorVersion,
    variant: 'upgrade-minor-version',
    body: { pair: 'orders-pg' },
    setup: () => startForeignJob(ORDERS_PRIMARY),
    rule: 'primary.no-running-job',
  },
];

describe('Huawei prechecks', () => {
  it.each(cases)(
    'refuses $variant for $name with a 422 naming $rule, and sends nothing',
    async ({ handler, variant, body, setup, rule }) => {
      // Prepare
      await setup();
      const writesBefore = WRITES.map((w) => env.huawei.calls.get(w) ?? 0);
      // Act
      const answer = await postOperation(handler, variant, body);
      // Assess
      expect(answer.status).toBe(422);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.body.code).toBe('precheck_failed');
      expect(answer.body.detail).toContain(`[${rule}]`);
      expect(answer.body.findings).toContainEqual(expect.objectContaining({ rule, passed: false }));
      expect(answer.body.operation.state).toBe('REJECTED');
      expect(WRITES.map((w) => env.huawei.calls.get(w) ?? 0)).toEqual(writesBefore);
    },
  );

  it('allows second_switch on a MySQL primary/standby instance', async () => {
    await patch(ORDERS_PRIMARY, { datastore: { type: 'MySQL', version: '8.0', complete_version: '8.0.28' } });
    const answer = await postOperation(upgradeMinorVersion, 'upgrade-minor-version', {
      pair: 'orders-pg',
      secondSwitch: false,
      dryRun: true,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.valid).toBe(true);
  });
});
