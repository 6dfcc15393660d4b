import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SandboxEnvironment,
  startSandboxEnvironment,
  switchyardEnv,
} from '../sandbox/sandbox-environment.js';
import { cleanEnv, freePort, type IsolatedCheckout, isolatedCheckout } from './support/isolated-checkout.js';

/**
 * README step 14: `serverless invoke local -f <function> -p events/...` runs a handler against the sandbox, with the
 * environment the README gives it. The sandbox here is on free ports (never npm start's), so the endpoints are set too.
 */

let checkout: IsolatedCheckout;
let sandbox: SandboxEnvironment;

beforeAll(async () => {
  checkout = await isolatedCheckout();
  const taken = new Set<number>();
  sandbox = await startSandboxEnvironment({
    // serverless.yml names the table switchyard-<stage>-operations.
    tableName: 'switchyard-dev-operations',
    speed: 1000,
    ports: {
      ocp: await freePort(taken),
      huawei: await freePort(taken),
      alibaba: await freePort(taken),
      dynamo: await freePort(taken),
      webhookSink: await freePort(taken),
    },
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await checkout?.close();
});

describe('serverless invoke local (README step 14)', () => {
  it('runs the switchover function on a sample event and prints its answer', async () => {
    const { urls } = sandbox;
    const run = await promisify(execFile)(
      join(checkout.dir, 'node_modules/.bin/serverless'),
      ['invoke', 'local', '-f', 'switchover', '-p', 'events/http/switchover-dry-run.json'],
      {
        cwd: checkout.dir,
        env: {
          ...cleanEnv(),
          // README step 14's command, with the sandbox on ports of its own ("the ports moved").
          ...switchyardEnv(urls, {
            config: `file:${join(checkout.dir, 'config/sandbox.yaml')}`,
            tableName: 'switchyard-dev-operations',
          }),
          // The stack's topic exists only deployed; its queues are the SQS stand-in's (switchyardEnv names them).
          SWITCHYARD_NOTIFICATION_TOPIC: '',
        },
        timeout: 100_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`serverless invoke local failed: ${error.message}\n${error.stdout}\n${error.stderr}`);
    });

    // The function's own lines come first, as CloudWatch would get them: here the metric of its call to OCP.
    const before = run.stdout.slice(0, run.stdout.search(/^\{$/m));
    const metric = before
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((line) => line.ProviderCallLatency !== undefined);
    expect(metric).toMatchObject({ service: 'switchyard', provider: 'oceanbase' });
    // Then the handler's answer, as printed: a 200 with the dry run's findings.
    const answer = JSON.parse(run.stdout.slice(run.stdout.search(/^\{$/m), run.stdout.lastIndexOf('}') + 1));
    expect(answer.statusCode).toBe(200);
    const body = JSON.parse(answer.body);
    expect(body).toMatchObject({ type: 'dry-run', kind: 'switchover', pair: 'orders-ob', valid: true });
    // It asked the sandbox's OCP, on the port given.
    expect(sandbox.ocp.calls.get('switchoverPreCheck')).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
