import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { request } from 'undici';
import { pairLock } from '../shared/operations/pipeline.js';
import { loadEvent } from '../test/support/fixtures.js';
import { lambdaContext } from '../test/support/lambda.js';
import {
  BENCH_TABLE,
  type BenchEnvironment,
  rearmFailover,
  resetSimulators,
} from './support/bench-environment.js';
import { benchPair, firingAlert } from './support/bench-pairs.js';
import { type TimedRequest, takeRequests } from './support/http-timing.js';
import { percentiles, repeat, type Spread, spread } from './support/stats.js';

type Handler = (event: never, context: never) => Promise<unknown>;

interface Case {
  label: string;
  /** The function that takes the request, and its sample event with this body. */
  load: () => Promise<{ handler: Handler }>;
  event: () => APIGatewayProxyEventV2;
  /** What to undo after each request so the next one starts from the same place. */
  pair: string;
}

function httpCase(label: string, fn: string, variant: string, body: Record<string, unknown>): Case {
  return {
    label,
    load: () => import(`../functions/${fn}/handler.js`),
    event: () => {
      const event = loadEvent<APIGatewayProxyEventV2>('http', variant);
      delete event.headers['idempotency-key'];
      event.body = JSON.stringify(body);
      return event;
    },
    pair: String(body.pair),
  };
}

let alertSequence = 0;
/** Alertmanager's published example, for a storm pair: no hold-off, so it is decided on arrival. */
function alertCase(): Case {
  const pair = benchPair(0).name;
  return {
    label: 'alert → promote-standby (Huawei)',
    load: () => import('../functions/alerts-alertmanager/handler.js'),
    event: () => firingAlert(pair, `bench-${alertSequence++}`),
    pair,
  };
}

export const CASES: Case[] = [
  httpCase('switchover (OCP)', 'switchover', 'switchover', { pair: 'orders-ob' }),
  httpCase('promote-standby (Huawei)', 'promote-standby', 'promote-standby', { pair: 'ledger-pg' }),
  httpCase('promote-standby (Alibaba)', 'promote-standby', 'promote-standby', { pair: 'billing-rds' }),
  httpCase('configure-dr (Huawei)', 'configure-dr', 'configure-dr', { pair: 'orders-pg' }),
  httpCase('upgrade-minor-version (Huawei)', 'upgrade-minor-version', 'upgrade-minor-version', {
    pair: 'orders-pg',
  }),
  httpCase('upgrade-minor-version (Alibaba)', 'upgrade-minor-version', 'upgrade-minor-version', {
    pair: 'billing-rds',
  }),
  httpCase('activate-migration-target (Alibaba)', 'activate-migration-target', 'activate-migration-target', {
    pair: 'crm-migration',
  }),
  alertCase(),
];

/** Total length of the union of time intervals: calls made in parallel count once. */
function covered(intervals: { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let until = Number.NEGATIVE_INFINITY;
  for (const { start, end } of sorted) {
    if (end <= until) continue;
    total += end - Math.max(start, until);
    until = end;
  }
  return total;
}

interface Sample {
  /** From the request reaching the handler to the provider submission leaving this process. */
  toSubmit: number;
  /** Of that, waiting on the provider (prechecks, second observer, lag). */
  providerWait: number;
  /** Of that, waiting on notification channels. */
  notifyWait: number;
  /** Of that, waiting on the store (DynamoDB API). */
  storeWait: number;
  storeCalls: number;
  /** The whole handler, answer included. */
  total: number;
  providerCalls: number;
  submit: TimedRequest;
  /** The provider requests up to and including the submission, in the order they started. */
  providerPath: TimedRequest[];
}

async function measureOnce(
  env: BenchEnvironment,
  handler: Handler,
  c: Case,
  providerOrigins: Set<string>,
): Promise<Sample> {
  await resetSimulators(env.servers);
  takeRequests();
  const event = c.event();
  const t0 = performance.now();
  await handler(event as never, lambdaContext() as never);
  const t1 = performance.now();
  const seen = takeRequests();
  const provider = seen.filter((r) => providerOrigins.has(r.origin));
  const submit = provider.at(-1);
  if (!submit) throw new Error(`${c.label}: no provider call was made`);
  const before = (rs: TimedRequest[]) =>
    rs
      .filter((r) => r !== submit && r.start < submit.start)
      .map((r) => ({ start: r.start, end: Math.min(r.end ?? submit.start, submit.start) }));
  const notifications = seen.filter((r) => r.origin === new URL(env.servers.sink).origin);
  const store = seen.filter((r) => r.origin === new URL(env.servers.dynamo).origin);
  // Free the pair (and the storm pair's cooldown) so the next request meets the same conditions.
  const active = await env.store.list({ pair: c.pair, limit: 1 });
  const operation = active.items[0];
  if (operation) await env.store.releaseLock(pairLock(c.pair), operation.id);
  await rearmFailover(env, c.pair);
  return {
    toSubmit: submit.start - t0,
    providerWait: covered(before(provider)),
    notifyWait: covered(before(notifications)),
    storeWait: covered(before(store)),
    storeCalls: before(store).length,
    total: t1 - t0,
    providerCalls: provider.length,
    submit,
    providerPath: provider.filter((r) => r.start <= submit.start),
  };
}

/** Requests that ran at the same time, as Switchyard sent them: the floor sends each group at once, too. */
function overlapping(path: TimedRequest[]): TimedRequest[][] {
  const groups: TimedRequest[][] = [];
  let until = Number.NEGATIVE_INFINITY;
  for (const r of [...path].sort((a, b) => a.start - b.start)) {
    if (r.start < until) groups.at(-1)?.push(r);
    else groups.push([r]);
    until = Math.max(until, r.end ?? r.start);
  }
  return groups;
}

/**
 * The honest floor: the same provider requests, sent bare with undici (overlapping ones at once, as Switchyard sent
 * them), and the two conditional DynamoDB writes that make a submission happen at most once (the pair's lock and the
 * SUBMITTING record), made with the bare SDK. Nothing a safe tool could leave out.
 */
async function floor(env: BenchEnvironment, path: TimedRequest[], iterations: number): Promise<number[]> {
  const times: number[] = [];
  const groups = overlapping(path);
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    for (const key of ['lock', 'submitting'])
      await env.bareStore.send(
        new PutCommand({
          TableName: BENCH_TABLE,
          Item: { pk: `FLOOR#${key}#${i}#${t0}`, sk: 'floor' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    for (const group of groups)
      await Promise.all(
        group.map(async (r) => {
          const answer = await request(`${r.origin}${r.path}`, { method: r.method as 'POST' });
          await answer.body.dump();
        }),
      );
    times.push(performance.now() - t0);
  }
  return times;
}

export interface CriticalPathRow {
  label: string;
  providerCalls: number;
  toSubmitP50: Spread;
  toSubmitP99: Spread;
  ownP50: Spread;
  ownP99: Spread;
  providerP50: Spread;
  notifyP50: Spread;
  storeP50: Spread;
  storeCalls: number;
  /** What is left: Switchyard's own computation before the submission. */
  cpuP50: Spread;
  cpuP99: Spread;
  floorP50: Spread;
  floorP99: Spread;
  /** The time to submission over the floor, at p50 and p99. */
  ratioP50: Spread;
  ratioP99: Spread;
  throughput: Spread;
}

export async function benchCriticalPath(
  env: BenchEnvironment,
  options: { runs: number; iterations: number; warmup: number },
): Promise<CriticalPathRow[]> {
  const providerOrigins = new Set(
    [env.servers.ocp, env.servers.huawei, env.servers.alibaba].map((u) => new URL(u).origin),
  );
  const rows: CriticalPathRow[] = [];
  for (const c of CASES) {
    const { handler } = await c.load();
    for (let i = 0; i < options.warmup; i++) await measureOnce(env, handler, c, providerOrigins);
    const runs = await repeat(options.runs, async () => {
      const samples: Sample[] = [];
      for (let i = 0; i < options.iterations; i++)
        samples.push(await measureOnce(env, handler, c, providerOrigins));
      const own = samples.map((s) => s.toSubmit - s.providerWait);
      const floorTimes = await floor(env, samples[0]?.providerPath ?? [], options.iterations);
      const f = percentiles(floorTimes);
      const o = percentiles(own);
      const whole = percentiles(samples.map((s) => s.toSubmit));
      return {
        toSubmit: percentiles(samples.map((s) => s.toSubmit)),
        own: o,
        notify: percentiles(samples.map((s) => s.notifyWait)),
        provider: percentiles(samples.map((s) => s.providerWait)),
        store: percentiles(samples.map((s) => s.storeWait)),
        cpu: percentiles(samples.map((s) => s.toSubmit - s.providerWait - s.storeWait - s.notifyWait)),
        storeCalls: samples[0]?.storeCalls ?? 0,
        floor: f,
        ratio: { p50: whole.p50 / f.p50, p99: whole.p99 / f.p99 },
        throughput: (samples.length * 1000) / samples.reduce((sum, s) => sum + s.total, 0),
        providerCalls: samples[0]?.providerCalls ?? 0,
      };
    });
    rows.push({
      label: c.label,
      providerCalls: runs[0]?.providerCalls ?? 0,
      toSubmitP50: spread(runs.map((r) => r.toSubmit.p50)),
      toSubmitP99: spread(runs.map((r) => r.toSubmit.p99)),
      ownP50: spread(runs.map((r) => r.own.p50)),
      ownP99: spread(runs.map((r) => r.own.p99)),
      providerP50: spread(runs.map((r) => r.provider.p50)),
      notifyP50: spread(runs.map((r) => r.notify.p50)),
      storeP50: spread(runs.map((r) => r.store.p50)),
      storeCalls: runs[0]?.storeCalls ?? 0,
      cpuP50: spread(runs.map((r) => r.cpu.p50)),
      cpuP99: spread(runs.map((r) => r.cpu.p99)),
      floorP50: spread(runs.map((r) => r.floor.p50)),
      floorP99: spread(runs.map((r) => r.floor.p99)),
      ratioP50: spread(runs.map((r) => r.ratio.p50)),
      ratioP99: spread(runs.map((r) => r.ratio.p99)),
      throughput: spread(runs.map((r) => r.throughput)),
    });
    console.log(`critical path: ${c.label} done`);
  }
  return rows;
}
