import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PortVariable, type RunningLauncher, startLauncher } from '../support/launcher.js';

/**
 * `npm start` with every port moved (all the variables sandbox/ports.ts reads): the functions must call the
 * simulators on the ports given, never the default ones, where another sandbox may be running.
 */

let launcher: RunningLauncher;
const url = (name: PortVariable, path: string) => launcher.url(name, path);

beforeAll(async () => {
  launcher = await startLauncher({ SANDBOX_SPEED: '200' });
}, 90_000);

afterAll(() => launcher?.stop(), 20_000);

async function request(path: string, body: unknown) {
  const response = await fetch(url('SWITCHYARD_API_PORT', path), {
    method: 'POST',
    headers: { authorization: 'Bearer sandbox-operator-key', 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function calls(sim: 'OCP_SIM_PORT' | 'HUAWEI_SIM_PORT' | 'ALIBABA_SIM_PORT') {
  const response = await fetch(url(sim, '/_sandbox/calls'), { signal: AbortSignal.timeout(5_000) });
  return (await response.json()) as Record<string, number>;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

describe('npm start with every port moved', () => {
  it('sends each provider operation to that provider simulator on its moved port', async () => {
    const before = {
      ocp: total(await calls('OCP_SIM_PORT')),
      huawei: total(await calls('HUAWEI_SIM_PORT')),
      alibaba: total(await calls('ALIBABA_SIM_PORT')),
    };

    const ocp = await request('/v1/switchovers', { pair: 'orders-ob', dryRun: true });
    expect(ocp.status, JSON.stringify(ocp.body)).toBe(200);
    expect(ocp.body).toMatchObject({ type: 'dry-run', pair: 'orders-ob', valid: true });

    const huawei = await request('/v1/minor-upgrades', { pair: 'orders-pg', dryRun: true });
    expect(huawei.status, JSON.stringify(huawei.body)).toBe(200);
    expect(huawei.body).toMatchObject({ type: 'dry-run', pair: 'orders-pg', valid: true });

    const alibaba = await request('/v1/minor-upgrades', { pair: 'billing-rds', dryRun: true });
    expect(alibaba.status, JSON.stringify(alibaba.body)).toBe(200);
    expect(alibaba.body).toMatchObject({ type: 'dry-run', pair: 'billing-rds', valid: true });

    // Each simulator on its moved port was asked (the prechecks read the provider).
    expect((await calls('OCP_SIM_PORT')).switchoverPreCheck ?? 0).toBeGreaterThanOrEqual(1);
    expect(total(await calls('OCP_SIM_PORT'))).toBeGreaterThan(before.ocp);
    expect(total(await calls('HUAWEI_SIM_PORT'))).toBeGreaterThan(before.huawei);
    expect(total(await calls('ALIBABA_SIM_PORT'))).toBeGreaterThan(before.alibaba);
  }, 60_000);

  it('prints each notification of a switchover once, with the channels that carried it, and no SDK notice', async () => {
    const started = await request('/v1/switchovers', { pair: 'orders-ob', reason: 'console check' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = (started.body.operation as { id: string }).id;
    const lines = () =>
      launcher
        .output()
        .split('\n')
        .filter((line) => line.includes(id));
    await expect
      .poll(() => lines().some((line) => line.includes('RUNNING -> SUCCEEDED')), {
        timeout: 40_000,
        interval: 500,
      })
      .toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const told = lines();
    // One line a change, never the same text twice (the sinks used to print a copy each).
    expect(new Set(told).size).toBe(told.length);
    for (const line of told) {
      expect(line.startsWith('[notify] ')).toBe(true);
      expect(line).toContain('(webhook, signed, slack, sns)');
    }
    expect(launcher.output()).not.toContain('NodeVersionSupportWarning');
    // The poller runs every 2 s; its invocations are not what a person watches for.
    expect(launcher.output()).not.toContain('(λ: poll-jobs) RequestId');
  }, 60_000);
});
