import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { build } from 'esbuild';
import { newUlid } from '../shared/domain/ids.js';
import type { Operation } from '../shared/domain/operation.js';
import { pollActiveOperations } from '../shared/operations/advance-operation.js';
import { pairLock } from '../shared/operations/pipeline.js';
import { loadEvent } from '../test/support/fixtures.js';
import { lambdaContext } from '../test/support/lambda.js';
import { type BenchEnvironment, resetSimulators } from './support/bench-environment.js';
import { takeRequests } from './support/http-timing.js';
import { withPeakMemory } from './support/stats.js';

const ORDERS_PRIMARY = '24c6678f474241fe89ee9c42f768022ein03';

/** A real upgrade operation, made through the function, to copy the fleet from. */
async function templateOperation(env: BenchEnvironment): Promise<Operation> {
  const { handler } = await import('../functions/upgrade-minor-version/handler.js');
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'upgrade-minor-version');
  delete event.headers['idempotency-key'];
  event.body = JSON.stringify({ pair: 'orders-pg' });
  await handler(event as never, lambdaContext() as never);
  const [operation] = (await env.store.list({ pair: 'orders-pg', limit: 1 })).items;
  if (operation?.state !== 'RUNNING') throw new Error('the template upgrade did not start');
  await env.store.releaseLock(pairLock('orders-pg'), operation.id);
  return operation;
}

/** Adds `count` running operations, each on its own pair and holding its lock, each with a live provider job. */
async function grow(
  env: BenchEnvironment,
  template: Operation,
  from: number,
  count: number,
  deps: { lockTtl: number },
) {
  const seeded = await fetch(`${env.servers.huawei}/_sandbox/jobs`, {
    method: 'POST',
    // Jobs that outlive the benchmark: each tick finds them running.
    body: JSON.stringify({ instanceId: ORDERS_PRIMARY, count, seconds: 10_000_000 }),
  });
  const { jobIds } = (await seeded.json()) as { jobIds: string[] };
  const now = new Date();
  let next = 0;
  const worker = async () => {
    while (next < jobIds.length) {
      const i = next++;
      const pair = `fleet-${String(from + i).padStart(5, '0')}`;
      const operation: Operation = {
        ...template,
        id: newUlid(),
        pair,
        idempotencyKey: undefined,
        job: { ...(template.job as NonNullable<Operation['job']>), id: jobIds[i] as string },
        version: 1,
      };
      await env.store.acquireLock(pairLock(pair), { operationId: operation.id }, deps.lockTtl, now);
      await env.store.create(operation);
      // Its changes were told when they happened, as the function that made them would have recorded.
      await env.store.recordAnnounced(
        operation.id,
        operation.events.map((_, n) => n + 1),
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

export interface FleetRow {
  operations: number;
  providerLatencyMs: number;
  concurrency: number;
  tick: 'first' | 'steady';
  wallMs: number;
  msPerOperation: number;
  providerCalls: number;
  storeCalls: number;
  progressed: number;
  unchanged: number;
  errors: number;
  peakRssMb: number;
  peakHeapMb: number;
}

/**
 * One poller tick over fleets of 100, 1,000 and 10,000 running operations, with the provider answering at
 * once and after 50 ms: the first tick after they start (every job reports its step) and a steady one.
 */
export async function benchPollerFleet(
  env: BenchEnvironment,
  options: { sizes: number[]; settings: { latencyMs: number; concurrency: number[] }[] },
): Promise<FleetRow[]> {
  await resetSimulators(env.servers);
  const template = await templateOperation(env);
  const rows: FleetRow[] = [];
  let size = 0;
  for (const target of options.sizes) {
    const base = await env.deps();
    await grow(env, template, size, target - size, { lockTtl: base.config.operations.lockTtlSeconds });
    size = target;
    let first = true;
    for (const { latencyMs: latency, concurrency: concurrencies } of options.settings) {
      await fetch(`${env.servers.huawei}/_sandbox/faults`, { method: 'DELETE' });
      if (latency > 0)
        await fetch(`${env.servers.huawei}/_sandbox/faults`, {
          method: 'POST',
          body: JSON.stringify({ route: 'getJob', fault: { kind: 'latency', ms: latency } }),
        });
      for (const concurrency of concurrencies) {
        const deps = await env.deps(concurrency);
        const ticks: ('first' | 'steady')[] = first ? ['first', 'steady'] : ['steady'];
        first = false;
        for (const tick of ticks) {
          takeRequests();
          const t0 = performance.now();
          const measured = await withPeakMemory(() => pollActiveOperations(deps));
          const wallMs = performance.now() - t0;
          const seen = takeRequests();
          const summary = measured.result;
          rows.push({
            operations: summary.active,
            providerLatencyMs: latency,
            concurrency,
            tick,
            wallMs,
            msPerOperation: wallMs / summary.active,
            providerCalls: seen.filter((r) => r.origin === new URL(env.servers.huawei).origin).length,
            storeCalls: seen.filter((r) => r.origin === new URL(env.servers.dynamo).origin).length,
            progressed: summary.progressed,
            unchanged: summary.unchanged,
            errors: summary.errors.length,
            peakRssMb: measured.peakRssMb,
            peakHeapMb: measured.peakHeapMb,
          });
          console.log(
            `poller: ${summary.active} operations, ${latency} ms provider, concurrency ${concurrency}, ${tick} tick: ${(wallMs / 1000).toFixed(2)} s${summary.errors.length ? `, ${summary.errors.length} errors (${summary.errors[0]?.error})` : ''}`,
          );
        }
      }
    }
  }
  await fetch(`${env.servers.huawei}/_sandbox/faults`, { method: 'DELETE' });
  return rows;
}

/**
 * The deployed poller as Lambda runs it: the poll-jobs bundle in a fresh process over the fleet left by
 * `benchPollerFleet`, with the default concurrency, the provider answering after `latencyMs`. Its peak
 * resident memory is what the function's memory size must hold.
 */
export async function benchDeployedPoller(env: BenchEnvironment, options: { latencyMs: number }) {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-poller-'));
  const bundle = join(dir, 'poll-jobs.cjs');
  await build({
    entryPoints: [new URL('../functions/poll-jobs/handler.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    logLevel: 'silent',
  });
  await fetch(`${env.servers.huawei}/_sandbox/faults`, {
    method: 'POST',
    body: JSON.stringify({ route: 'getJob', fault: { kind: 'latency', ms: options.latencyMs } }),
  });
  const probe = `
const { handler } = require(process.argv[1]);
const t0 = performance.now();
handler({}, { getRemainingTimeInMillis: () => 120000 }).then((summary) => {
  console.log(JSON.stringify({ wallMs: performance.now() - t0, active: summary.active, errors: summary.errors.length, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
});`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', probe, bundle], {
    env: { ...process.env, ...env.env, NODE_OPTIONS: '' },
    maxBuffer: 64 << 20,
  });
  await fetch(`${env.servers.huawei}/_sandbox/faults`, { method: 'DELETE' });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
    wallMs: number;
    active: number;
    errors: number;
    maxRssMb: number;
  };
  console.log(
    `poller: the deployed bundle over ${result.active} operations: ${(result.wallMs / 1000).toFixed(2)} s, ${result.maxRssMb.toFixed(0)} MB`,
  );
  return { ...result, latencyMs: options.latencyMs };
}
