import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  OCP_SANDBOX_CREDENTIALS,
  type OcpSimulator,
  startOcpSimulator,
} from '../../sandbox/ocp-simulator.js';
import type { SandboxMember } from '../../sandbox/simulator-kit.js';
import { OcpClient } from '../../shared/providers/oceanbase/ocp-client.js';
import { providerFailure } from '../support/provider-failure.js';

let ocp: OcpSimulator;
beforeAll(async () => {
  ocp = await startOcpSimulator({ speed: 1000 });
});
afterAll(async () => {
  await ocp.close();
});
beforeEach(async () => {
  await fetch(`${ocp.url}/_sandbox/reset`, { method: 'POST' });
});

const client = () =>
  new OcpClient({
    endpoint: ocp.url,
    auth: { type: 'aksk', ...OCP_SANDBOX_CREDENTIALS },
    sleep: async () => {},
  });

const PRIMARY = { clusterId: 1, tenantId: 1001 };
const STANDBY = { clusterId: 2, tenantId: 1002 };
const ORDERS = ['1001', '1002'];

async function members(ids: string[] = ORDERS): Promise<SandboxMember[]> {
  const state = (await (await fetch(`${ocp.url}/_sandbox/state`)).json()) as { members: SandboxMember[] };
  return state.members.filter((m) => ids.includes(m.id));
}
const writable = async () => (await members()).filter((m) => m.acceptsWrites).map((m) => m.id);

const patchTenant = (id: number, change: unknown) =>
  fetch(`${ocp.url}/_sandbox/tenants/${id}`, { method: 'PATCH', body: JSON.stringify(change) });

const fault = (rule: unknown) =>
  fetch(`${ocp.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });

/** Fails over the orders standby and waits for OCP's task to finish. */
async function failOver() {
  const task = await client().failover(STANDBY);
  await vi.waitFor(async () => expect((await client().getTask(task.id)).status).toBe('SUCCESSFUL'), {
    timeout: 5000,
    interval: 20,
  });
}

/** An SCN as milliseconds since the epoch. */
const scnMs = (scn: number | string | undefined) => Number(BigInt(String(scn)) / 1_000_000n);

describe('OCP sandbox: which tenants take writes', () => {
  it('lists each tenant as a member: the seed has one writable primary per pair', async () => {
    expect(await members()).toEqual([
      { id: '1001', role: 'primary', available: true, fenced: false, acceptsWrites: true },
      { id: '1002', role: 'standby', available: true, fenced: false, acceptsWrites: false },
    ]);
  });

  it('refuses a failover while the primary tenant is available, and says to switch over', async () => {
    const message =
      'the primary tenant orders (1001) is available; a failover is for a lost primary, use a switchover';
    const check = await client().failoverPreCheck(STANDBY);
    expect(check.valid).toBe(false);
    expect(check.checkResults).toContainEqual({
      checkItem: 'PRIMARY_TENANT_UNAVAILABLE',
      valid: false,
      message,
    });

    const refused = await providerFailure(client().failover(STANDBY));
    expect(refused.httpStatus).toBe(400);
    expect(refused.providerCode).toBe('10001');
    expect(refused.providerMessage).toBe(message);
    expect(refused.outcome).toBe('not-applied');
    expect(await writable()).toEqual(['1001']);
  });

  it('gives the sync SCN in nanoseconds since the epoch: about two seconds ago while the primary answers', async () => {
    const before = Date.now();
    const { syncScn } = await client().failoverPreCheck(STANDBY);
    const after = Date.now();
    expect(BigInt(String(syncScn))).toBeGreaterThan(1_600_000_000_000_000_000n);
    expect(scnMs(syncScn)).toBeGreaterThanOrEqual(before - 2000 - 1);
    expect(scnMs(syncScn)).toBeLessThanOrEqual(after - 2000 + 1);
    const switchover = await client().switchoverPreCheck({ ...PRIMARY, standbyTenantId: 1002 });
    expect(scnMs(switchover.standbyCheckResults?.syncScn)).toBeLessThanOrEqual(Date.now() - 2000 + 1);
  });

  it('fails over once the primary is lost; the standby has what reached it before the loss', async () => {
    const lostAt = Date.now();
    expect((await patchTenant(1001, { available: false })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const check = await client().failoverPreCheck(STANDBY);
    expect(check.valid).toBe(true);
    expect(check.checkResults).toEqual([]);
    // Frozen at the loss, not moving with the clock: what the primary wrote after it is not on the standby.
    expect(scnMs(check.syncScn)).toBeGreaterThanOrEqual(lostAt - 2000 - 1);
    expect(scnMs(check.syncScn)).toBeLessThan(lostAt - 2000 + 250);

    await failOver();
    expect(await members()).toEqual([
      { id: '1001', role: 'primary', available: false, fenced: false, acceptsWrites: false },
      { id: '1002', role: 'primary', available: true, fenced: false, acceptsWrites: true },
    ]);
  });

  it('a switchover needs both tenants: its pre-check does not pass while the primary is lost', async () => {
    await patchTenant(1001, { available: false });
    const check = await client().switchoverPreCheck({ ...PRIMARY, standbyTenantId: 1002 });
    expect(check.valid).toBe(false);
    expect(check.standbyCheckResults?.checkResults).toContainEqual(
      expect.objectContaining({ checkItem: 'TENANT_AVAILABLE', valid: false }),
    );
    const refused = await providerFailure(client().switchover({ ...PRIMARY, standbyTenantId: 1002 }));
    expect(refused.httpStatus).toBe(400);
    expect(refused.providerMessage).toMatch(/orders \(1001\) is unavailable/);
  });

  it('two primaries take writes when the lost one returns unfenced; locking it leaves one', async () => {
    await patchTenant(1001, { available: false });
    await failOver();
    await patchTenant(1001, { available: true });
    expect(await writable()).toEqual(['1001', '1002']);

    await client().lockTenant(1, 1001);
    expect((await client().getTenant(1, 1001)).locked).toBe(true);
    expect(await members()).toContainEqual({
      id: '1001',
      role: 'primary',
      available: true,
      fenced: true,
      acceptsWrites: false,
    });
    expect(await writable()).toEqual(['1002']);
  });
});

describe('OCP sandbox: lock tenant', () => {
  it('locks a tenant OCP can reach; the tenant details say so', async () => {
    expect((await client().getTenant(1, 1001)).locked).toBe(false);
    await expect(client().lockTenant(1, 1001)).resolves.toBeUndefined();
    expect((await client().getTenant(1, 1001)).locked).toBe(true);
    // Locking again changes nothing.
    await client().lockTenant(1, 1001);
    expect(ocp.calls.get('lockTenant')).toBe(2);
  });

  it('cannot lock a tenant it cannot reach: a 500 in OCP envelope, nothing locked', async () => {
    await patchTenant(1001, { available: false });
    const refused = await providerFailure(client().lockTenant(1, 1001));
    expect(refused.httpStatus).toBe(500);
    expect(refused.providerMessage).toMatch(/cannot connect to the OceanBase cluster ob-hangzhou/);
    expect((await client().getTenant(1, 1001)).locked).toBe(false);
    expect((await members()).find((m) => m.id === '1001')?.fenced).toBe(false);
  });

  it('answers 404 for a tenant not in that cluster', async () => {
    const refused = await providerFailure(client().lockTenant(2, 1001));
    expect(refused.httpStatus).toBe(404);
    expect(refused.providerCode).toBe('60002');
  });

  it('takes faults like every route: a throttle is waited out, a 503 retried', async () => {
    await fault({ route: 'lockTenant', times: 1, fault: { kind: 'throttle', retryAfterSeconds: 1 } });
    await fault({ route: 'lockTenant', times: 1, fault: { kind: 'status', status: 503 } });
    await client().lockTenant(1, 1001);
    expect(ocp.calls.get('lockTenant')).toBe(3);
    expect((await client().getTenant(1, 1001)).locked).toBe(true);
  });

  it('a dropped answer leaves the caller unsure, though the lock held', async () => {
    await fault({ route: 'lockTenant', fault: { kind: 'drop', when: 'after' } });
    const lost = await providerFailure(
      new OcpClient({
        endpoint: ocp.url,
        auth: { type: 'aksk', ...OCP_SANDBOX_CREDENTIALS },
        sleep: async () => {},
        retry: { attempts: 1 },
      }).lockTenant(1, 1001),
    );
    expect(lost.outcome).toBe('unknown');
    await fetch(`${ocp.url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await client().getTenant(1, 1001)).locked).toBe(true);
  });
});

describe('OCP sandbox: reset', () => {
  it('restores availability, locks, roles and pairing', async () => {
    await patchTenant(1001, { available: false });
    await failOver();
    await patchTenant(1001, { available: true });
    await client().lockTenant(1, 1001);

    await fetch(`${ocp.url}/_sandbox/reset`, { method: 'POST' });
    expect(await members()).toEqual([
      { id: '1001', role: 'primary', available: true, fenced: false, acceptsWrites: true },
      { id: '1002', role: 'standby', available: true, fenced: false, acceptsWrites: false },
    ]);
    expect((await client().getTenant(1, 1001)).locked).toBe(false);
    expect((await client().failoverPreCheck(STANDBY)).checkResults).toContainEqual(
      expect.objectContaining({ checkItem: 'PRIMARY_TENANT_UNAVAILABLE' }),
    );
  });

  it('refuses a drill that sets a field to something OCP would never show', async () => {
    const bad = await patchTenant(1001, { role: 'LEADER' });
    expect(bad.status).toBe(400);
    expect((await patchTenant(9999, { available: false })).status).toBe(404);
  });
});
