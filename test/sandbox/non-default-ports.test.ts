import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  DEFAULT_LOCAL_PORTS,
  freePort,
  type IsolatedCheckout,
  isolatedCheckout,
} from '../support/isolated-checkout.js';

/**
 * `npm start` with every port moved (all the variables sandbox/ports.ts reads): the functions must call the
 * simulators on the ports given, never the default ones, where another sandbox may be running.
 */

let checkout: IsolatedCheckout;
let launcher: ChildProcess | undefined;
let output = '';
const ports = {
  SWITCHYARD_API_PORT: 0,
  SWITCHYARD_LAMBDA_PORT: 0,
  HUAWEI_SIM_PORT: 0,
  ALIBABA_SIM_PORT: 0,
  OCP_SIM_PORT: 0,
  DYNAMO_PORT: 0,
  WEBHOOK_SINK_PORT: 0,
};
const url = (name: keyof typeof ports, path: string) => `http://127.0.0.1:${ports[name]}${path}`;

beforeAll(async () => {
  checkout = await isolatedCheckout();
  const taken = new Set<number>();
  for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort(taken);
  for (const port of Object.values(ports)) expect(DEFAULT_LOCAL_PORTS.has(port)).toBe(false);

  launcher = spawn(join(checkout.dir, 'node_modules/.bin/tsx'), ['sandbox/launcher.ts'], {
    cwd: checkout.dir,
    // Its own process group, so serverless offline and its workers end with it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...cleanEnv(),
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      SANDBOX_SPEED: '200',
    },
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  launcher.stdout?.on('data', collect);
  launcher.stderr?.on('data', collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not come up in 75 s:\n${output}`)),
      75_000,
    );
    const check = setInterval(() => {
      if (output.includes('Switchyard is running')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 200);
    launcher?.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
}, 90_000);

afterAll(async () => {
  if (launcher?.pid !== undefined && launcher.exitCode === null) {
    const exited = new Promise((resolve) => launcher?.once('exit', resolve));
    try {
      process.kill(-launcher.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    try {
      process.kill(-launcher.pid, 'SIGKILL');
    } catch {
      // ended on SIGTERM
    }
  }
  await checkout?.close();
}, 20_000);

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
    const lines = () => output.split('\n').filter((line) => line.includes(id));
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
    expect(output).not.toContain('NodeVersionSupportWarning');
    // The poller runs every 2 s; its invocations are not what a person watches for.
    expect(output).not.toContain('(λ: poll-jobs) RequestId');
  }, 60_000);
});
