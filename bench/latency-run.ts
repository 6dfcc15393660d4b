/**
 * One design of the latency benchmark, in a process of its own (bench/latency.ts starts one per design, side by
 * side): `tsx --import ./bench/support/scaled-clock.ts bench/latency-run.ts <follow-ups|schedule-only>` with
 * BENCH_TIME_SCALE set (the clock is scaled before any other module loads). The sandbox runs in this
 * process on the scaled clock; Switchyard's functions are called as Lambda calls them: the queues' consumers by the
 * SQS stand-in with its real delays, the sweep by a timer at the deployed rate (every 60 s). Prints one JSON line of
 * what it saw.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { JobTimeline } from '../sandbox/job-book.js';
import { LOCAL_AWS_ENV } from '../sandbox/local-dynamo.js';
import { type SandboxEnvironment, startSandboxEnvironment } from '../sandbox/sandbox-environment.js';
import { isTerminal } from '../shared/domain/operation.js';
import type { OperationNotification } from '../shared/notify/notifier.js';
import { DynamoFailoverStore } from '../shared/store/dynamo-failover-store.js';
import { DynamoOperationStore } from '../shared/store/dynamo-operation-store.js';
import { loadEvent } from '../test/support/fixtures.js';
import { lambdaContext } from '../test/support/lambda.js';
import { inProcessConsumers, TEST_FUNCTION_PREFIX } from '../test/support/queue-consumers.js';
import { writeBenchConfig } from './support/bench-environment.js';
import { benchHuaweiSeed, benchPair, firingAlert } from './support/bench-pairs.js';
import { TIME_SCALE } from './support/scaled-clock.js';

export type Design = 'follow-ups' | 'schedule-only';

/** What one design's run saw, in scaled milliseconds; bench/latency.ts turns it into the figures. */
export interface LatencyRun {
  design: Design;
  scale: number;
  simulatorSpeed: number;
  minutes: number;
  /** Per provider: hold-off end → the provider accepting the promotion. */
  holdOffToSubmitted: Record<string, number[]>;
  /** Per provider: a job's step starting → the first notification that shows it. */
  stepToTold: Record<string, number[]>;
  /** Per provider: the job ending → the notification that the operation ended. */
  endToTold: Record<string, number[]>;
  /** Per provider: every call the simulator answered, the reads of a job's state among them, and the minutes its jobs ran. */
  providerCalls: Record<string, number>;
  jobReads: Record<string, number>;
  jobMinutes: Record<string, number>;
  operations: Record<string, number>;
  unfinished: number;
}

const design = (process.argv[2] ?? 'follow-ups') as Design;
/** Provider jobs run this many times faster than the clock, so that a run sees enough of them end. */
const SIMULATOR_SPEED = Number(process.env.BENCH_LATENCY_SIMULATOR_SPEED ?? '2');
const MINUTES = Number(process.env.BENCH_LATENCY_MINUTES ?? '15');
/** How long the operations asked for last are given to end and be told, on the clock. */
const TAIL_SECONDS = Number(process.env.BENCH_LATENCY_TAIL_SECONDS ?? '120');
const HOLD_OFF_SECONDS = 30;
const ALERT_PAIRS = Number(process.env.BENCH_LATENCY_ALERTS ?? '20');
const TABLE = `switchyard-latency-${design}`;
const SWEEP_SECONDS = 60;

const realMs = (scaledMs: number) => scaledMs / TIME_SCALE;
/** The simulator route of each provider's read of a job's state: what following a job costs, call by call. */
const JOB_READ: Record<string, string> = {
  oceanbase: 'getTask',
  huawei: 'getJob',
  alibaba: 'DescribeHistoryTasks',
};
const sleep = (scaledMs: number) => new Promise((resolve) => setTimeout(resolve, realMs(scaledMs)));
type Handler = { handler: (event: never, context: never) => Promise<unknown> };
const call = async (load: Promise<Handler>, event: unknown) =>
  (await load).handler(event as never, lambdaContext() as never);

function httpEvent(variant: string, body: Record<string, unknown>, key: string) {
  const event = loadEvent<APIGatewayProxyEventV2>('http', variant);
  event.headers['idempotency-key'] = key;
  event.body = JSON.stringify(body);
  return event;
}

const push = (into: Record<string, number[]>, key: string, value: number) => {
  const list = into[key] ?? [];
  list.push(value);
  into[key] = list;
};

async function main() {
  const told = new Map<string, { at: number; notification: OperationNotification }[]>();
  const configPath = await writeBenchConfig(await mkdtemp(join(tmpdir(), 'switchyard-latency-')), {
    followUps: design === 'follow-ups',
    holdOffSeconds: HOLD_OFF_SECONDS,
    pairs: ALERT_PAIRS,
  });
  const { instances, relations } = benchHuaweiSeed();
  const sandbox: SandboxEnvironment = await startSandboxEnvironment({
    tableName: TABLE,
    config: `file:${configPath}`,
    speed: SIMULATOR_SPEED,
    // Jobs take their time give or take a half: real ones do not end in step with follow-ups or the sweep.
    jitter: 0.5,
    huawei: { instances, relations },
    queues: {
      target: inProcessConsumers,
      functionPrefix: TEST_FUNCTION_PREFIX,
      speed: TIME_SCALE,
      clockScale: TIME_SCALE,
    },
    onNotification: ({ notification }) => {
      if (!('operation' in notification)) return;
      const seen = told.get(notification.operation.id) ?? [];
      seen.push({ at: Date.now(), notification });
      told.set(notification.operation.id, seen);
    },
  });
  Object.assign(process.env, sandbox.env);
  const clientConfig = { endpoint: sandbox.urls.dynamo, region: LOCAL_AWS_ENV.AWS_REGION };
  const store = new DynamoOperationStore({ tableName: TABLE, clientConfig });
  const failover = new DynamoFailoverStore({ tableName: TABLE, clientConfig });

  const started = Date.now();
  const until = started + MINUTES * 60_000;
  const running = () => Date.now() < until;
  const sweep = setInterval(
    () => void call(import('../functions/poll-jobs/handler.js'), loadEvent('schedule', 'poll-jobs')),
    realMs(SWEEP_SECONDS * 1000),
  );
  const operationIds: { id: string; provider: string }[] = [];
  let sequence = 0;

  /** Asks for an operation, then waits (on the store) for it to end; again and again until the run's end. */
  async function loop(
    provider: string,
    fn: string,
    body: Record<string, unknown>,
    before?: () => Promise<unknown>,
  ) {
    while (running()) {
      await before?.();
      const answer = (await call(
        import(`../functions/${fn}/handler.js`),
        httpEvent(fn, body, `latency-${design}-${sequence++}`),
      )) as { statusCode: number; body: string };
      if (process.env.BENCH_DEBUG)
        console.error(fn, answer.statusCode, answer.statusCode === 202 ? '' : answer.body.slice(150, 600));
      if (answer.statusCode >= 300) {
        await sleep(5_000);
        continue;
      }
      const { id } = (JSON.parse(answer.body) as { operation: { id: string } }).operation;
      operationIds.push({ id, provider });
      for (;;) {
        await sleep(1_000);
        const op = await store.get(id);
        if (!op || ['SUCCEEDED', 'FAILED', 'CANCELLED', 'REJECTED', 'EXPIRED'].includes(op.state)) break;
      }
    }
  }

  /** One alert per pair, spread over the first half of the run: each is held, then a promotion is asked for. */
  async function alerts() {
    const spacing = (MINUTES * 60_000) / 2 / ALERT_PAIRS;
    for (let i = 0; i < ALERT_PAIRS && running(); i++) {
      const answer = await call(
        import('../functions/alerts-alertmanager/handler.js'),
        firingAlert(benchPair(i).name, `latency-${design}-${i}`),
      );
      if (process.env.BENCH_DEBUG) console.error('alert', JSON.stringify(answer).slice(0, 300));
      await sleep(spacing);
    }
  }

  await Promise.all([
    loop('oceanbase', 'switchover', { pair: 'orders-ob', reason: 'latency benchmark' }),
    loop('oceanbase', 'switchover', { pair: 'payments-ob', reason: 'latency benchmark' }),
    // Each upgrade brings the instance to the latest version: the one before is put back, as a new release would.
    loop(
      'alibaba',
      'upgrade-minor-version',
      { pair: 'billing-rds', instance: 'primary', reason: 'latency benchmark' },
      () =>
        fetch(`${sandbox.urls.alibaba}/_sandbox/instances/pgm-bp1billing0primary`, {
          method: 'PATCH',
          body: JSON.stringify({ CurrentKernelVersion: 'rds_postgres_1400_20240830' }),
        }).then((r) => r.arrayBuffer()),
    ),
    alerts(),
  ]);
  // The operations asked for last still run: give them time to end and be told.
  await sleep(TAIL_SECONDS * 1000);
  clearInterval(sweep);

  const decisions = (
    await Promise.all(
      Array.from({ length: ALERT_PAIRS }, (_, i) => failover.listDecisions(benchPair(i).name, 10)),
    )
  ).flat();
  for (const d of decisions)
    if (d.operationId && d.outcome === 'failover-requested')
      operationIds.push({ id: d.operationId, provider: 'huawei' });

  const timelines = new Map<string, JobTimeline>();
  const calls: Record<string, number> = {};
  const reads: Record<string, number> = {};
  for (const [provider, url] of [
    ['oceanbase', sandbox.urls.ocp],
    ['huawei', sandbox.urls.huawei],
    ['alibaba', sandbox.urls.alibaba],
  ] as const) {
    const state = (await (await fetch(`${url}/_sandbox/state`)).json()) as { timeline: JobTimeline[] };
    for (const job of state.timeline) timelines.set(`${provider}:${job.id}`, job);
    const counts = (await (await fetch(`${url}/_sandbox/calls`)).json()) as Record<string, number>;
    calls[provider] = Object.values(counts).reduce((a, b) => a + b, 0);
    reads[provider] = counts[JOB_READ[provider] ?? ''] ?? 0;
  }

  const run: LatencyRun = {
    design,
    scale: TIME_SCALE,
    simulatorSpeed: SIMULATOR_SPEED,
    minutes: MINUTES,
    holdOffToSubmitted: {},
    stepToTold: {},
    endToTold: {},
    providerCalls: calls,
    jobReads: reads,
    jobMinutes: {},
    operations: {},
    unfinished: 0,
  };
  for (const d of decisions) {
    if (!d.operationId || !d.receivedAt) continue;
    const op = await store.get(d.operationId);
    const job = [...(op?.jobs ?? []), ...(op?.job ? [op.job] : [])]
      .map((j) => timelines.get(`huawei:${j.id}`))
      .find((j) => j !== undefined);
    if (!job) continue;
    const holdOffEnd = Date.parse(d.receivedAt) + HOLD_OFF_SECONDS * 1000;
    push(run.holdOffToSubmitted, 'huawei', job.createdAt - holdOffEnd);
  }
  for (const { id, provider } of operationIds) {
    const op = await store.get(id);
    const jobs = [...(op?.jobs ?? []), ...(op?.job ? [op.job] : [])];
    const job = jobs.map((j) => timelines.get(`${provider}:${j.id}`)).find((j) => j !== undefined);
    if (!op || !job) continue;
    run.operations[provider] = (run.operations[provider] ?? 0) + 1;
    run.jobMinutes[provider] = (run.jobMinutes[provider] ?? 0) + (job.endsAt - job.createdAt) / 60_000;
    const heard = told.get(id) ?? [];
    // Its end as told: SUCCEEDED, or UNVERIFIED where a lost primary cannot be confirmed fenced (the alert pairs).
    const ended = heard.find((h) => isTerminal(h.notification.operation.state));
    if (!ended) {
      run.unfinished++;
      continue;
    }
    push(run.endToTold, provider, ended.at - job.endsAt);
    // Every step after the first starts at a change the provider makes while the job runs.
    for (const step of job.steps.slice(1)) {
      const shown = heard.find((h) =>
        h.notification.operation.steps.some((s) => s.name === step.name && s.status !== 'pending'),
      );
      if (shown) push(run.stepToTold, provider, shown.at - step.startsAt);
    }
  }
  console.log(JSON.stringify(run));
  await sandbox.close();
  process.exit(0);
}

await main();
