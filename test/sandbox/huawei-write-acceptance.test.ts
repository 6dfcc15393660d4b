import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  HUAWEI_SANDBOX_CREDENTIALS,
  type HuaweiSimulator,
  startHuaweiSimulator,
} from '../../sandbox/huawei-simulator.js';
import type { SandboxMember } from '../../sandbox/simulator-kit.js';
import { type HuaweiInstanceRef, HuaweiRdsClient } from '../../shared/providers/huawei/huawei-client.js';
import { providerFailure } from '../support/provider-failure.js';

let sim: HuaweiSimulator;
beforeAll(async () => {
  sim = await startHuaweiSimulator({ speed: 1000 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sandbox/reset`, { method: 'POST' });
});

const client = (retry?: { attempts: number }) =>
  new HuaweiRdsClient({
    endpoint: sim.url,
    auth: HUAWEI_SANDBOX_CREDENTIALS,
    sleep: async () => {},
    ...(retry ? { retry } : {}),
  });

/** ledger-pg: a primary and its DR instance, with the DR relation established. */
const PRIMARY: HuaweiInstanceRef = {
  instanceId: '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03',
  projectId: '0483b6b16e954cb88930a360d2c4e663',
  region: 'cn-north-4',
};
const DR: HuaweiInstanceRef = {
  instanceId: '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03',
  projectId: '7d1f4fd4b5e54e39a0d1e6f3c2b8a901',
  region: 'cn-south-1',
};
const LEDGER = [PRIMARY.instanceId, DR.instanceId];

async function members(): Promise<SandboxMember[]> {
  const state = (await (await fetch(`${sim.url}/_sandbox/state`)).json()) as { members: SandboxMember[] };
  return state.members.filter((m) => LEDGER.includes(m.id));
}
const writable = async () => (await members()).filter((m) => m.acceptsWrites).map((m) => m.id);

const patchInstance = (id: string, change: unknown) =>
  fetch(`${sim.url}/_sandbox/instances/${id}`, { method: 'PATCH', body: JSON.stringify(change) });
const fault = (rule: unknown) =>
  fetch(`${sim.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });

/** Waits until the job has ended, through ListJobInfo (a job id is queryable a few seconds after it is made). */
async function jobEnd(ref: HuaweiInstanceRef, jobId: string) {
  let job: Awaited<ReturnType<HuaweiRdsClient['getJob']>> | undefined;
  await vi.waitFor(
    async () => {
      job = await client().getJob(ref, jobId);
      expect(job.status).not.toBe('Running');
    },
    { timeout: 5000, interval: 20 },
  );
  return job as NonNullable<typeof job>;
}

async function promoteDr() {
  const { job_id } = await client().action(DR, { drreplica_to_master: {} });
  expect((await jobEnd(DR, job_id)).status).toBe('Completed');
}

describe('Huawei sandbox: which instances take writes', () => {
  it('lists the DR side of an established relation as the standby', async () => {
    expect(await members()).toEqual([
      { id: PRIMARY.instanceId, role: 'primary', available: true, fenced: false, acceptsWrites: true },
      { id: DR.instanceId, role: 'standby', available: true, fenced: false, acceptsWrites: false },
    ]);
  });

  it('a FAILED primary is unavailable, not fenced', async () => {
    await patchInstance(PRIMARY.instanceId, { status: 'FAILED' });
    expect((await members())[0]).toEqual({
      id: PRIMARY.instanceId,
      role: 'primary',
      available: false,
      fenced: false,
      acceptsWrites: false,
    });
  });

  it('two primaries take writes after an unfenced promotion; stopping the old one leaves one', async () => {
    await promoteDr();
    // Huawei does not demote the old primary: both take writes.
    expect(await writable()).toEqual([PRIMARY.instanceId, DR.instanceId]);

    const { job_id } = await client().stopInstance(PRIMARY);
    expect(sim.lastParams.has('StopInstance')).toBe(true);
    const job = await jobEnd(PRIMARY, job_id);
    expect(job).toMatchObject({
      name: 'StopInstance',
      status: 'Completed',
      instance: { id: PRIMARY.instanceId },
    });
    expect((await client().getInstance(PRIMARY))?.status).toBe('SHUTDOWN');
    expect(await members()).toEqual([
      { id: PRIMARY.instanceId, role: 'primary', available: false, fenced: true, acceptsWrites: false },
      { id: DR.instanceId, role: 'primary', available: true, fenced: false, acceptsWrites: true },
    ]);
  });

  it("lists the stop among the instance's tasks, once its id is queryable", async () => {
    const { job_id } = await client().stopInstance(PRIMARY);
    await vi.waitFor(
      async () =>
        expect(await client().listTasks(PRIMARY)).toMatchObject([{ id: job_id, name: 'StopInstance' }]),
      { timeout: 5000, interval: 5 },
    );
    await jobEnd(PRIMARY, job_id);
  });
});

describe('Huawei sandbox: StopInstance refusals', () => {
  it('refuses an instance that is not ACTIVE, with the bad-state code, not applied', async () => {
    await patchInstance(PRIMARY.instanceId, { status: 'FAILED' });
    const refused = await providerFailure(client().stopInstance(PRIMARY));
    expect(refused.httpStatus).toBe(400);
    expect(refused.providerCode).toBe('DBS.280238');
    expect(refused.outcome).toBe('not-applied');
    expect(refused.retryable).toBe(false);
  });

  it('refuses an instance already stopped', async () => {
    const { job_id } = await client().stopInstance(PRIMARY);
    await jobEnd(PRIMARY, job_id);
    const refused = await providerFailure(client().stopInstance(PRIMARY));
    expect(refused.providerCode).toBe('DBS.280238');
    expect(refused.providerMessage).toMatch(/SHUTDOWN/);
  });

  it('refuses while another job runs on the instance, as busy', async () => {
    await client().stopInstance(PRIMARY);
    const refused = await providerFailure(client({ attempts: 1 }).stopInstance(PRIMARY));
    expect(refused.httpStatus).toBe(400);
    expect(refused.providerCode).toBe('DBS.201202');
    expect(refused.retryable).toBe(true);
    const state = (await (await fetch(`${sim.url}/_sandbox/state`)).json()) as { jobs: { name: string }[] };
    expect(state.jobs.map((j) => j.name)).toEqual(['StopInstance']);
  });

  it('a stop that fails leaves the instance ACTIVE and taking writes', async () => {
    await fault({ route: 'StopInstance', times: 1, fault: { kind: 'fail-step', step: '*', message: 'no' } });
    const { job_id } = await client().stopInstance(PRIMARY);
    expect(await jobEnd(PRIMARY, job_id)).toMatchObject({ status: 'Failed', fail_reason: 'no' });
    expect((await client().getInstance(PRIMARY))?.status).toBe('ACTIVE');
    expect(await writable()).toEqual([PRIMARY.instanceId]);
  });

  it('takes faults like every route: a throttled stop is retried, a 500 is not', async () => {
    await fault({ route: 'StopInstance', times: 1, fault: { kind: 'throttle' } });
    const { job_id } = await client().stopInstance(PRIMARY);
    expect(sim.calls.get('StopInstance')).toBe(2);
    await jobEnd(PRIMARY, job_id);

    await fetch(`${sim.url}/_sandbox/reset`, { method: 'POST' });
    await fault({ route: 'StopInstance', times: 1, fault: { kind: 'status', status: 500 } });
    const failed = await providerFailure(client().stopInstance(PRIMARY));
    expect(failed.outcome).toBe('unknown');
    expect(sim.calls.get('StopInstance')).toBe(1);
    expect((await client().getInstance(PRIMARY))?.status).toBe('ACTIVE');
  });
});

describe('Huawei sandbox: reset', () => {
  it('restores statuses, the DR relation and the roles, and drops every job', async () => {
    await promoteDr();
    const { job_id } = await client().stopInstance(PRIMARY);
    await jobEnd(PRIMARY, job_id);

    await fetch(`${sim.url}/_sandbox/reset`, { method: 'POST' });
    expect(await members()).toEqual([
      { id: PRIMARY.instanceId, role: 'primary', available: true, fenced: false, acceptsWrites: true },
      { id: DR.instanceId, role: 'standby', available: true, fenced: false, acceptsWrites: false },
    ]);
    expect((await client().getInstance(PRIMARY))?.status).toBe('ACTIVE');
    expect(await client().listTasks(PRIMARY)).toEqual([]);
  });
});
