import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { newUlid } from '../shared/domain/ids.js';
import type { Operation } from '../shared/domain/operation.js';
import { pollActiveOperations } from '../shared/operations/advance-operation.js';
import { pairLock } from '../shared/operations/deps.js';
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
  options: { sizes: number[]; latencies: number[]; concurrency: number[] },
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
    for (const latency of options.latencies) {
      await fetch(`${env.servers.huawei}/_sandbox/faults`, { method: 'DELETE' });
      if (latency > 0)
        await fetch(`${env.servers.huawei}/_sandbox/faults`, {
          method: 'POST',
          body: JSON.stringify({ route: 'getJob', fault: { kind: 'latency', ms: latency } }),
        });
      for (const concurrency of options.concurrency) {
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
