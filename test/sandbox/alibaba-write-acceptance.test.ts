import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ALIBABA_SANDBOX_CREDENTIALS,
  type AlibabaSimulator,
  startAlibabaSimulator,
} from '../../sandbox/alibaba-simulator.js';
import type { SandboxMember } from '../../sandbox/simulator-kit.js';
import { AlibabaRdsClient } from '../../shared/providers/alibaba/alibaba-client.js';
import { providerFailure } from '../support/provider-failure.js';

// The official RDS client, to check that the sandbox takes StopDBInstance as Alibaba's own SDK sends it.
const require = createRequire(import.meta.url);
const Rds = require('@alicloud/rds20140815');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

let sim: AlibabaSimulator;
// A stop takes 0.6 s and a promotion 0.9 s: long enough to see Stopping, short enough to wait for.
beforeAll(async () => {
  sim = await startAlibabaSimulator({ speed: 100 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sandbox/reset`, { method: 'POST' });
});

const client = (overrides: Partial<ConstructorParameters<typeof AlibabaRdsClient>[0]> = {}) =>
  new AlibabaRdsClient({
    endpoint: sim.url,
    auth: ALIBABA_SANDBOX_CREDENTIALS,
    sleep: async () => {},
    ...overrides,
  });

const PRIMARY = 'pgm-bp1billing0primary';
const STANDBY = 'pgm-2zebilling0standby';

async function members(): Promise<SandboxMember[]> {
  const state = (await (await fetch(`${sim.url}/_sandbox/state`)).json()) as { members: SandboxMember[] };
  return state.members.filter((m) => m.id === PRIMARY || m.id === STANDBY);
}
const writable = async () => (await members()).filter((m) => m.acceptsWrites).map((m) => m.id);

const patchInstance = (id: string, change: unknown) =>
  fetch(`${sim.url}/_sandbox/instances/${id}`, { method: 'PATCH', body: JSON.stringify(change) });
const fault = (rule: unknown) =>
  fetch(`${sim.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });
const status = async (id: string) => (await client().describeInstance(id))?.DBInstanceStatus;
const waitFor = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

async function promoteStandby() {
  await client().deleteReplicationLink(STANDBY);
  await waitFor(async () => expect(await status(STANDBY)).toBe('Running'));
}

describe('Alibaba sandbox: which instances take writes', () => {
  it('lists the DR instance of a replication link as the standby', async () => {
    expect(await members()).toEqual([
      { id: PRIMARY, role: 'primary', available: true, fenced: false, acceptsWrites: true },
      { id: STANDBY, role: 'standby', available: true, fenced: false, acceptsWrites: false },
    ]);
  });

  it('a primary marked down is unavailable though Alibaba still lists it Running', async () => {
    await patchInstance(PRIMARY, { available: false });
    expect((await members())[0]).toMatchObject({ available: false, fenced: false, acceptsWrites: false });
    const attribute = await client().describeInstance(PRIMARY);
    expect(attribute?.DBInstanceStatus).toBe('Running');
    // The drill's flag is the sandbox's, not a field of Alibaba's answer.
    expect(attribute).not.toHaveProperty('available');
  });

  it('two primaries take writes after an unfenced promotion; stopping the old one leaves one', async () => {
    await promoteStandby();
    expect(await writable()).toEqual([PRIMARY, STANDBY]);

    await client().stopDBInstance(PRIMARY);
    expect(sim.lastParams.get('StopDBInstance')).toMatchObject({
      DBInstanceId: PRIMARY,
      RegionId: 'cn-hangzhou',
    });
    expect(await status(PRIMARY)).toBe('Stopping');
    // Stopping already takes no writes.
    expect(await writable()).toEqual([STANDBY]);
    await waitFor(async () => expect(await status(PRIMARY)).toBe('Stopped'));
    expect(await members()).toEqual([
      { id: PRIMARY, role: 'primary', available: false, fenced: true, acceptsWrites: false },
      { id: STANDBY, role: 'primary', available: true, fenced: false, acceptsWrites: true },
    ]);
  });

  it('a DR instance whose link is deleted without promotion stays a standby', async () => {
    await officialClient().deleteReplicationLink(
      new Rds.DeleteReplicationLinkRequest({ DBInstanceId: STANDBY, promoteToMaster: false }),
    );
    await waitFor(async () => expect(await status(STANDBY)).toBe('Running'));
    expect(await writable()).toEqual([PRIMARY]);
  });
});

describe('Alibaba sandbox: StopDBInstance', () => {
  it("takes the official SDK's request, which names the region", async () => {
    const stopped = await officialClient().stopDBInstance(
      new Rds.StopDBInstanceRequest({ DBInstanceId: PRIMARY, regionId: 'cn-hangzhou' }),
    );
    expect(stopped.statusCode).toBe(200);
    expect(stopped.body.requestId).toBeTruthy();
    expect(await status(PRIMARY)).toBe('Stopping');
  });

  it('refuses a request without RegionId, or with another region', async () => {
    const missing = await officialClient()
      .stopDBInstance(new Rds.StopDBInstanceRequest({ DBInstanceId: PRIMARY }))
      .catch((e: unknown) => e);
    expect((missing as { code: string }).code).toBe('MissingRegionId');
    const elsewhere = await officialClient()
      .stopDBInstance(new Rds.StopDBInstanceRequest({ DBInstanceId: PRIMARY, regionId: 'cn-beijing' }))
      .catch((e: unknown) => e);
    expect((elsewhere as { code: string }).code).toBe('InvalidDBInstanceId.NotFound');
    expect(await status(PRIMARY)).toBe('Running');
  });

  it('refuses an instance that is not Running: IncorrectDBInstanceState', async () => {
    await client().stopDBInstance(PRIMARY);
    const again = await providerFailure(client().stopDBInstance(PRIMARY));
    expect(again.httpStatus).toBe(400);
    expect(again.providerCode).toBe('IncorrectDBInstanceState');
    expect(again.answerStatus).toBe(409);
    await waitFor(async () => expect(await status(PRIMARY)).toBe('Stopped'));
    expect((await providerFailure(client().stopDBInstance(PRIMARY))).providerCode).toBe(
      'IncorrectDBInstanceState',
    );
  });

  it('refuses an instance with read-only instances', async () => {
    await patchInstance(PRIMARY, { readOnlyInstances: ['pgr-bp1billing0readonly'] });
    const attribute = await client().describeInstance(PRIMARY);
    expect(attribute?.ReadOnlyDBInstanceIds).toEqual({
      ReadOnlyDBInstanceId: [{ DBInstanceId: 'pgr-bp1billing0readonly' }],
    });
    const refused = await providerFailure(client().stopDBInstance(PRIMARY));
    expect(refused.providerCode).toBe('InstanceHasReadOnlyInstanceNotSupportStop');
    expect(refused.outcome).toBe('not-applied');
    expect(await status(PRIMARY)).toBe('Running');
  });

  it('says so when the instance does not exist', async () => {
    const refused = await providerFailure(client().stopDBInstance('pgm-nosuchinstance'));
    expect(refused.providerCode).toMatch(/NotFound/);
    expect(sim.calls.get('StopDBInstance') ?? 0).toBe(0);
  });

  it('takes faults like every route: a throttle is waited out, a dropped answer leaves the caller unsure', async () => {
    await fault({ route: 'StopDBInstance', times: 1, fault: { kind: 'throttle', retryAfterSeconds: 2 } });
    const waits: number[] = [];
    await client({
      sleep: async (ms) => {
        waits.push(ms);
      },
    }).stopDBInstance(PRIMARY);
    expect(waits).toEqual([2000]);
    expect(sim.calls.get('StopDBInstance')).toBe(2);

    await fetch(`${sim.url}/_sandbox/reset`, { method: 'POST' });
    await fault({ route: 'StopDBInstance', times: 1, fault: { kind: 'drop', when: 'before' } });
    const dropped = await providerFailure(client().stopDBInstance(PRIMARY));
    expect(dropped.outcome).toBe('unknown');
    expect(await status(PRIMARY)).toBe('Running');
  });
});

describe('Alibaba sandbox: reset', () => {
  it('restores statuses, availability, read-only instances, links and roles', async () => {
    await promoteStandby();
    await client().stopDBInstance(PRIMARY);
    await patchInstance(STANDBY, { available: false, readOnlyInstances: ['pgr-x'] });

    await fetch(`${sim.url}/_sandbox/reset`, { method: 'POST' });
    expect(await members()).toEqual([
      { id: PRIMARY, role: 'primary', available: true, fenced: false, acceptsWrites: true },
      { id: STANDBY, role: 'standby', available: true, fenced: false, acceptsWrites: false },
    ]);
    expect(await status(PRIMARY)).toBe('Running');
    expect((await client().describeInstance(STANDBY))?.ReadOnlyDBInstanceIds).toEqual({
      ReadOnlyDBInstanceId: [],
    });
    // A stop scheduled before the reset does not land after it.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await status(PRIMARY)).toBe('Running');
  });
});

function officialClient() {
  return new Rds.default(
    new $OpenApiUtil.Config({
      accessKeyId: ALIBABA_SANDBOX_CREDENTIALS.accessKeyId,
      accessKeySecret: ALIBABA_SANDBOX_CREDENTIALS.accessKeySecret,
      endpoint: new URL(sim.url).host,
      protocol: 'HTTP',
      regionId: 'cn-hangzhou',
    }),
  );
}
