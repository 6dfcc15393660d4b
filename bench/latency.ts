import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Design, LatencyRun } from './latency-run.js';
import { percentiles } from './support/stats.js';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;

export interface LatencyOptions {
  /** How many times faster than real time the clock runs. */
  scale: number;
  /** How long each design runs, in scaled minutes. */
  minutes: number;
  /** How many alert pairs are failed over (one alert each). */
  alerts: number;
}

export interface LatencyFigure {
  p50: number;
  p99: number;
  n: number;
}

export interface LatencyRow {
  provider: string;
  design: Design;
  holdOffToSubmitted?: LatencyFigure;
  stepToTold?: LatencyFigure;
  endToTold?: LatencyFigure;
  /** Provider calls per minute of a provider job running. */
  callsPerJobMinute?: number;
  operations: number;
}

export interface LatencyResult {
  options: LatencyOptions;
  simulatorSpeed: number;
  rows: LatencyRow[];
  unfinished: number;
}

async function runDesign(design: Design, options: LatencyOptions): Promise<LatencyRun> {
  const { stdout } = await run(
    join(root, 'node_modules/.bin/tsx'),
    ['--import', join(root, 'bench/support/scaled-clock.ts'), join(root, 'bench/latency-run.ts'), design],
    {
      env: {
        ...process.env,
        BENCH_TIME_SCALE: String(options.scale),
        BENCH_LATENCY_MINUTES: String(options.minutes),
        BENCH_LATENCY_ALERTS: String(options.alerts),
        // The functions' EMF metric lines would crowd the one line this reads.
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
      maxBuffer: 256 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as LatencyRun;
}

const figure = (samples: number[] | undefined): LatencyFigure | undefined =>
  samples && samples.length > 0 ? percentiles(samples) : undefined;

/**
 * Follow-ups beside the schedule-only design, each in its own process and sandbox at once: alerts held off and
 * decided (Huawei), OCP switchovers and Alibaba minor upgrades back to back, the sweep every 60 s in both.
 */
export async function benchLatency(options: LatencyOptions): Promise<LatencyResult> {
  const runs = await Promise.all(
    (['follow-ups', 'schedule-only'] as const).map((design) => runDesign(design, options)),
  );
  const rows: LatencyRow[] = [];
  for (const provider of ['oceanbase', 'huawei', 'alibaba'])
    for (const r of runs) {
      const minutes = r.jobMinutes[provider] ?? 0;
      rows.push({
        provider,
        design: r.design,
        holdOffToSubmitted: figure(r.holdOffToSubmitted[provider]),
        stepToTold: figure(r.stepToTold[provider]),
        endToTold: figure(r.endToTold[provider]),
        ...(minutes > 0 ? { callsPerJobMinute: (r.providerCalls[provider] ?? 0) / minutes } : {}),
        operations: r.operations[provider] ?? 0,
      });
    }
  return {
    options,
    simulatorSpeed: runs[0]?.simulatorSpeed ?? 0,
    rows,
    unfinished: runs.reduce((n, r) => n + r.unfinished, 0),
  };
}
