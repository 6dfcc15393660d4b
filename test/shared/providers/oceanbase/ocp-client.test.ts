import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  OCP_SANDBOX_CREDENTIALS,
  type OcpSimulator,
  startOcpSimulator,
} from '../../../../sandbox/ocp-simulator.js';
import { OcpClient, type OcpClientOptions } from '../../../../shared/providers/oceanbase/ocp-client.js';
import { providerFailure } from '../../../support/provider-failure.js';

let ocp: OcpSimulator;
const pair = { clusterId: 1, tenantId: 1001, standbyTenantId: 1002 };

beforeAll(async () => {
  ocp = await startOcpSimulator({ speed: 1000 });
});
afterAll(async () => {
  await ocp.close();
});
beforeEach(async () => {
  await fetch(`${ocp.url}/_sandbox/reset`, { method: 'POST' });
});

/** A client whose waits are recorded instead of slept, so retry timing is asserted without waiting. */
function client(overrides: Partial<OcpClientOptions> = {}) {
  const waits: number[] = [];
  const c = new OcpClient({
    endpoint: ocp.url,
    auth: { type: 'aksk', ...OCP_SANDBOX_CREDENTIALS },
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...overrides,
  });
  return { client: c, waits };
}

const fault = (rule: unknown) =>
  fetch(`${ocp.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });

describe('OCP client against the sandbox', () => {
  it('signs requests the sandbox accepts, with AK/SK and with Basic auth', async () => {
    expect((await client().client.switchoverPreCheck(pair)).valid).toBe(true);
    const basic = client({
      auth: {
        type: 'basic',
        username: OCP_SANDBOX_CREDENTIALS.username,
        password: OCP_SANDBOX_CREDENTIALS.password,
      },
    });
    expect((await basic.client.getTenant(1, 1001)).name).toBe('orders');
  });

  it("is refused with OCP's envelope for a wrong secret, and does not retry", async () => {
    const { client: wrong, waits } = client({
      auth: {
        type: 'aksk',
        accessKeyId: OCP_SANDBOX_CREDENTIALS.accessKeyId,
        accessKeySecret: 'not-the-secret',
      },
    });
    const error = await providerFailure(wrong.getTenant(1, 1001));
    expect(error.httpStatus).toBe(401);
    expect(error.providerCode).toBe('30000');
    expect(error.providerMessage).toBe('Signature does not match');
    expect(waits).toEqual([]);
  });

  it('is refused for a Date 15 minutes or more away from the server clock', async () => {
    const stale = client({ now: () => new Date(Date.now() - 15 * 60 * 1000) });
    const error = await providerFailure(stale.client.getTenant(1, 1001));
    expect(error.httpStatus).toBe(401);
    expect(error.providerMessage).toMatch(/15 minutes/);
    const nearly = client({ now: () => new Date(Date.now() - 14 * 60 * 1000) });
    expect((await nearly.client.getTenant(1, 1001)).id).toBe(1001);
  });

  it('waits out a 429 for as long as RateLimit-Reset says, then succeeds; writes too, since OCP did not apply them', async () => {
    await fault({ route: 'switchover', times: 1, fault: { kind: 'throttle', retryAfterSeconds: 7 } });
    const { client: c, waits } = client();
    const task = await c.switchover(pair);
    expect(task.status).toBe('RUNNING');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(7000);
  });

  it('retries a read after a 5xx but never a write whose outcome is unknown', async () => {
    await fault({ route: 'getTenant', times: 2, fault: { kind: 'status', status: 503 } });
    const read = client();
    expect((await read.client.getTenant(1, 1001)).id).toBe(1001);
    expect(read.waits).toHaveLength(2);

    await fault({ route: 'switchover', times: 1, fault: { kind: 'status', status: 500 } });
    const write = client();
    const error = await providerFailure(write.client.switchover(pair));
    expect(error.outcome).toBe('unknown');
    expect(write.waits).toEqual([]);
  });

  it('reports a dropped answer after the switchover was applied as an unknown outcome', async () => {
    await fault({ route: 'switchover', times: 1, fault: { kind: 'drop', when: 'after' } });
    const error = await providerFailure(client().client.switchover(pair));
    expect(error.outcome).toBe('unknown');
    const tasks = await client().client.listTasks({ tenantId: 1001 });
    expect(tasks.contents).toHaveLength(1);
  });

  it('answers a switchover on a tenant that is not primary with a clear precheck finding', async () => {
    const result = await client().client.switchoverPreCheck({
      clusterId: 2,
      tenantId: 1002,
      standbyTenantId: 1001,
    });
    expect(result.valid).toBe(false);
    expect(result.standbyCheckResults?.checkResults.map((c) => c.message)).toContain(
      'Tenant orders_standby (1002) is not a primary tenant',
    );
  });
});
