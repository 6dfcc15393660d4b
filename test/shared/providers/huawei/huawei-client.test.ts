import { createRequire } from 'node:module';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  HUAWEI_SANDBOX_CREDENTIALS,
  type HuaweiSimulator,
  startHuaweiSimulator,
} from '../../../../sandbox/huawei-simulator.js';
import { HuaweiRdsClient, huaweiError } from '../../../../shared/providers/huawei/huawei-client.js';
import { huawei } from '../../../../shared/providers/huawei/huawei-plugin.js';
import { huaweiTarget } from '../../../../shared/providers/huawei/huawei-provider.js';
import { driversOn } from '../../../../shared/providers/registry.js';
import { providerFailure } from '../../../support/provider-failure.js';

const { AKSKSigner } = createRequire(import.meta.url)(
  '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner',
) as {
  AKSKSigner: {
    sign(request: object, credential: { getAk(): string; getSk(): string }): Record<string, string>;
  };
};

let sim: HuaweiSimulator;
// Slow enough that a new job stays unqueryable (five simulated seconds) for half a real second.
beforeAll(async () => {
  sim = await startHuaweiSimulator({ speed: 10 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sandbox/reset`, { method: 'POST' });
});

const NORTH = '0483b6b16e954cb88930a360d2c4e663';
const primary = {
  instanceId: '24c6678f474241fe89ee9c42f768022ein03',
  projectId: NORTH,
  region: 'cn-north-4',
};
const noWait = { sleep: async () => {} };

describe('the Huawei sandbox and client', () => {
  it('accepts a request signed by the official SDK signer', async () => {
    const endpoint = `${sim.url}/v3/${NORTH}/instances`;
    const headers = AKSKSigner.sign(
      {
        method: 'GET',
        endpoint,
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': NORTH },
        queryParams: { id: primary.instanceId },
        data: '',
      },
      {
        getAk: () => HUAWEI_SANDBOX_CREDENTIALS.accessKeyId,
        getSk: () => HUAWEI_SANDBOX_CREDENTIALS.secretAccessKey,
      },
    );
    const response = await request(`${endpoint}?id=${primary.instanceId}`, { method: 'GET', headers });
    const body = (await response.body.json()) as { instances: { id: string }[] };
    expect(response.statusCode).toBe(200);
    expect(body.instances.map((i) => i.id)).toEqual([primary.instanceId]);
  });

  it("refuses a wrong secret with API Gateway's error, and the client does not retry it", async () => {
    let waits = 0;
    const client = new HuaweiRdsClient({
      endpoint: sim.url,
      auth: { accessKeyId: HUAWEI_SANDBOX_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' },
      sleep: async () => {
        waits++;
      },
    });
    const error = await providerFailure(client.getInstance(primary));
    expect(error.httpStatus).toBe(401);
    expect(error.providerCode).toBe('APIGW.0301');
    expect(error.providerMessage).toContain('verify aksk signature fail');
    expect(waits).toBe(0);
  });

  it('refuses a stale X-Sdk-Date', async () => {
    const client = new HuaweiRdsClient({
      endpoint: sim.url,
      auth: HUAWEI_SANDBOX_CREDENTIALS,
      now: () => new Date(Date.now() - 20 * 60_000),
    });
    expect((await providerFailure(client.getInstance(primary))).providerMessage).toContain('x-sdk-date');
  });

  it('reads the lag of an established DR relation', async () => {
    const client = new HuaweiRdsClient({ endpoint: sim.url, auth: HUAWEI_SANDBOX_CREDENTIALS });
    const status = await client.drReplicaStatus({
      instanceId: '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03',
      projectId: '7d1f4fd4b5e54e39a0d1e6f3c2b8a901',
      region: 'cn-south-1',
    });
    expect(status).toEqual({
      replica_state: '0',
      wal_write_receive_delay_in_mb: '0.25',
      wal_write_replay_delay_in_mb: '0.5',
      wal_receive_replay_delay_in_ms: '120',
    });
  });

  it('treats a job that is not queryable yet as still starting, not failed', async () => {
    const client = new HuaweiRdsClient({ endpoint: sim.url, auth: HUAWEI_SANDBOX_CREDENTIALS, ...noWait });
    const driver = driversOn(huawei, client)['upgrade-minor-version'];
    const { job_id } = await client.upgradeMinorVersion(primary, { is_delayed: false });
    const job = { id: job_id, submittedAt: new Date().toISOString(), phase: 0 };
    const target = huaweiTarget({ primary, dr: { instanceId: 'x', projectId: 'y', region: 'z' } });

    const status = await driver!.followJob(job, {
      kind: 'upgrade-minor-version',
      target,
      params: {},
      phase: 0,
    });

    expect(status.status).toBe('running');
    expect(status.steps[0]?.message).toBe(`job ${job_id} not queryable yet`);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const later = await driver!.followJob(job, {
      kind: 'upgrade-minor-version',
      target,
      params: {},
      phase: 0,
    });
    expect(later.status).toBe('running');
    expect(later.steps[0]?.progress).toBeGreaterThan(0);
  });

  it('retries a write Huawei refused as busy, since it was not applied', async () => {
    const busy = huaweiError({
      status: 400,
      headers: {},
      text: '{"error_code":"DBS.201202","error_msg":"Another operation is being performed"}',
    });
    expect(busy).toMatchObject({ outcome: 'not-applied', retryable: true, providerCode: 'DBS.201202' });
    const throttled = huaweiError({
      status: 429,
      headers: {},
      text: '{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}',
    });
    expect(throttled).toMatchObject({ outcome: 'not-applied', retryable: true });
    const timeout = huaweiError({
      status: 500,
      headers: {},
      text: '{"error_code":"DBS.111205","error_msg":"service timeout"}',
    });
    expect(timeout).toMatchObject({ outcome: 'unknown', retryable: true });
    const auth = huaweiError({
      status: 401,
      headers: {},
      text: '{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}',
    });
    expect(auth).toMatchObject({ outcome: 'not-applied', retryable: false });
    const notJson = huaweiError({ status: 502, headers: {}, text: '<html>bad gateway</html>' });
    expect(notJson).toMatchObject({ outcome: 'unknown', httpStatus: 502 });
  });

  it('waits out throttling on a write and sends it once more', async () => {
    await fetch(`${sim.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({
        route: 'db-upgrade',
        times: 1,
        fault: { kind: 'throttle', retryAfterSeconds: 1 },
      }),
    });
    const client = new HuaweiRdsClient({ endpoint: sim.url, auth: HUAWEI_SANDBOX_CREDENTIALS, ...noWait });
    const { job_id } = await client.upgradeMinorVersion(primary, { is_delayed: false });
    expect(job_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.calls.get('db-upgrade')).toBe(2);
  });
});
