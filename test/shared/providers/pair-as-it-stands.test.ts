import { describe, expect, it } from 'vitest';
import { SANDBOX_CONFIG } from '../../../sandbox/sandbox-environment.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { pairAsItStands, rolesOf, targetOf } from '../../../shared/providers/registry.js';

const env = {
  OCP_ENDPOINT: 'http://127.0.0.1:1',
  HUAWEI_ENDPOINT: 'http://127.0.0.1:2',
  ALIBABA_ENDPOINT: 'http://127.0.0.1:3',
};
const pairs = async () => (await loadConfig(SANDBOX_CONFIG, async () => '', env)).pairs;

describe('a pair as it stands after a promotion or switchover', () => {
  it.each([
    ['orders-ob', { tenantId: 1002, standbyTenantId: 1001, clusterId: 2, standbyClusterId: 1 }],
    ['ledger-pg', { primaryInstanceId: '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03', primaryRegion: 'cn-south-1' }],
    [
      'billing-rds',
      {
        primaryInstanceId: 'pgm-2zebilling0standby',
        primaryRegionId: 'cn-beijing',
        standbyInstanceId: 'pgm-bp1billing0primary',
        standbyRegionId: 'cn-hangzhou',
      },
    ],
  ])('%s acts on its configured standby as the primary', async (name, expected) => {
    const pair = (await pairs()).find((p) => p.name === name);
    if (!pair) throw new Error(`no sandbox pair ${name}`);
    const swapped = pairAsItStands(pair, true);
    expect(targetOf(swapped)).toMatchObject(expected);
    // Exchanged twice, it is the pair as configured; not exchanged, it is the config itself.
    expect(targetOf(pairAsItStands(swapped, true))).toEqual(targetOf(pair));
    expect(pairAsItStands(pair, false)).toBe(pair);
    expect(rolesOf(swapped).primary).toBe(rolesOf(pair).standby);
  });

  it('leaves a pair with no standby as it is: there is nothing to exchange', async () => {
    const crm = (await pairs()).find((p) => p.name === 'crm-migration');
    if (!crm) throw new Error('no sandbox pair crm-migration');
    expect(targetOf(pairAsItStands(crm, true))).toEqual(targetOf(crm));
  });
});
