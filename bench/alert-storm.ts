import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { evaluateDueDecisions } from '../shared/failover/decide-alert.js';
import { httpAnswer, lambdaContext } from '../test/support/lambda.js';
import {
  type BenchEnvironment,
  rearmFailover,
  resetSimulators,
  resetTable,
} from './support/bench-environment.js';
import { BENCH_PAIRS, benchPair, firingAlert } from './support/bench-pairs.js';

export interface StormRow {
  storm: string;
  alerts: number;
  pairs: number;
  wallMs: number;
  alertsPerSecond: number;
  /** Decisions recorded, and how many of them asked for a failover. */
  decisions: number;
  failoversPerPair: { min: number; max: number };
  outcomes: Record<string, number>;
  promotionsSent: number;
  errors: number;
  /** Decided by the next poller tick rather than on arrival. */
  decidedByPoller: number;
}

/** Delivers every event through the intake function, `inFlight` at a time, as Alertmanager replicas would. */
async function deliver(events: APIGatewayProxyEventV2[], inFlight: number) {
  const { handler } = await import('../functions/alerts-alertmanager/handler.js');
  let next = 0;
  let errors = 0;
  const worker = async () => {
    while (next < events.length) {
      const event = events[next++] as APIGatewayProxyEventV2;
      const answer = httpAnswer(await handler(event, lambdaContext()));
      if (answer.status >= 300) errors++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return errors;
}

async function storm(
  env: BenchEnvironment,
  label: string,
  events: APIGatewayProxyEventV2[],
  pairs: string[],
  inFlight: number,
): Promise<StormRow> {
  await resetTable(env);
  await resetSimulators(env.servers);
  for (const pair of pairs) await rearmFailover(env, pair);
  const t0 = performance.now();
  const errors = await deliver(events, inFlight);
  const wallMs = performance.now() - t0;
  // Decisions that lost a race (two pairs' failovers writing the brake at once) are the next tick's.
  const settled = await evaluateDueDecisions(await env.deps());
  let promotionsSent = 0;
  for (const pair of pairs)
    promotionsSent += (await env.store.list({ pair, limit: 100 })).items.filter(
      (o) => o.kind === 'promote-standby' && o.state !== 'REJECTED',
    ).length;
  const outcomes: Record<string, number> = {};
  const failovers = new Map(pairs.map((p) => [p, 0]));
  let decisions = 0;
  for (const pair of pairs)
    for (const d of await env.failover.listDecisions(pair, 10_000)) {
      decisions++;
      outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
      if (d.outcome === 'failover-requested') failovers.set(pair, (failovers.get(pair) ?? 0) + 1);
    }
  const perPair = [...failovers.values()];
  console.log(`alert storm: ${label}: ${(wallMs / 1000).toFixed(2)} s`);
  return {
    storm: label,
    alerts: events.length,
    pairs: pairs.length,
    wallMs,
    alertsPerSecond: (events.length * 1000) / wallMs,
    decisions,
    failoversPerPair: { min: Math.min(...perPair), max: Math.max(...perPair) },
    outcomes,
    promotionsSent,
    errors,
    decidedByPoller: settled.due,
  };
}

/**
 * 10,000 copies of one primary-down alert (repeats, retries, replicas), then 1,000 distinct alerts over
 * 100 pairs: each pair must fail over exactly once.
 */
export async function benchAlertStorm(
  env: BenchEnvironment,
  options: { copies: number; distinct: number; inFlight: number },
): Promise<StormRow[]> {
  const one = benchPair(0).name;
  const copies = Array.from({ length: options.copies }, () => firingAlert(one, 'storm-one'));
  const pairs = Array.from({ length: BENCH_PAIRS }, (_, i) => benchPair(i).name);
  const distinct = Array.from({ length: options.distinct }, (_, i) =>
    firingAlert(pairs[i % pairs.length] as string, `storm-distinct-${i}`),
  );
  return [
    await storm(
      env,
      `${options.copies.toLocaleString('en')} copies of one alert`,
      copies,
      [one],
      options.inFlight,
    ),
    await storm(
      env,
      `${options.distinct.toLocaleString('en')} distinct alerts over ${pairs.length} pairs`,
      distinct,
      pairs,
      options.inFlight,
    ),
  ];
}
