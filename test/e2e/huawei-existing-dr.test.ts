import { beforeAll, describe, expect, it } from 'vitest';
import { handler as configureDr } from '../../functions/configure-dr/handler.js';
import { HUAWEI_SANDBOX_CREDENTIALS } from '../../sandbox/huawei-simulator.js';
import { HuaweiRdsClient } from '../../shared/providers/huawei/huawei-client.js';
import { type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { pollUntilDone, postOperation } from '../support/operations.js';
import { providerFailure } from '../support/provider-failure.js';

const environment = useTestEnvironment();
let env: TestEnvironment;

beforeAll(() => {
  env = environment();
});

const ORDERS_PRIMARY = '24c6678f474241fe89ee9c42f768022ein03';
const ORDERS_DR = 'c39bd176fb0540929f6add80b91b212cin03';
const NORTH = '0483b6b16e954cb88930a360d2c4e663';
const EAST = '054b61972980d4552f0bc00ac8d3f5cd';
const ORDERS_PRIMARY_REF = { instanceId: ORDERS_PRIMARY, projectId: NORTH, region: 'cn-north-4' };
const ORDERS_DR_REF = { instanceId: ORDERS_DR, projectId: EAST, region: 'cn-east-3' };
type Ref = typeof ORDERS_PRIMARY_REF;

/** Asks the sandbox itself, signed as a console user would, to build one side of the relation towards `to`. */
function buildAgain(action: string, on: Ref, to: Ref) {
  const client = new HuaweiRdsClient({ endpoint: env.huawei.url, auth: HUAWEI_SANDBOX_CREDENTIALS });
  const target = {
    target_instance_id: to.instanceId,
    target_project_id: to.projectId,
    target_region: to.region,
  };
  const subnet = action === 'build_master_dr_relation' ? { target_subnet: '192.168.3.0/24' } : {};
  return client.action(on, { [action]: { ...target, target_ip: '192.168.0.10', ...subnet } });
}
const WRITES = ['build_master_dr_relation', 'build_slave_dr_relation'];
const writes = () => WRITES.map((w) => env.huawei.calls.get(w) ?? 0);

describe('configure-dr on a Huawei pair that already has DR', () => {
  it('is refused by its prechecks, naming the rule, and nothing is sent', async () => {
    const first = await postOperation(configureDr, 'configure-dr', { pair: 'orders-pg' });
    expect(first.status).toBe(202);
    expect((await pollUntilDone(env.store, first.body.operation.id)).state).toBe('SUCCEEDED');
    const sentBefore = writes();

    const again = await postOperation(configureDr, 'configure-dr', { pair: 'orders-pg' });

    expect(again.status).toBe(422);
    expect(again.body.code).toBe('precheck_failed');
    expect(again.body.detail).toContain('[dr.no-existing-relation]');
    expect(again.body.findings).toContainEqual(
      expect.objectContaining({ rule: 'dr.no-existing-relation', passed: false }),
    );
    expect(again.body.operation.state).toBe('REJECTED');
    expect(writes()).toEqual(sentBefore);
  });

  it('the sandbox refuses building it again on either side, as Huawei refuses a state it cannot take', async () => {
    // Runs after the test above configured orders-pg: its relation exists.
    const primarySide = await providerFailure(
      buildAgain('build_master_dr_relation', ORDERS_PRIMARY_REF, ORDERS_DR_REF),
    );
    const drSide = await providerFailure(
      buildAgain('build_slave_dr_relation', ORDERS_DR_REF, ORDERS_PRIMARY_REF),
    );

    for (const refused of [primarySide, drSide]) {
      expect(refused.httpStatus).toBe(400);
      expect(refused.message).toContain('A DR relationship already exists');
    }
  });
});
