import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Design, LatencyRun } from './latency-run.js';
import { percentiles } from './support/stats.js';

const execute = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;

/** How one design runs: its clock, its provider jobs' pace, and for how long. */
export interface DesignRun {
  /** How many times faster than real time the clock runs (1: real time). */
  scale: number;
  /** How many times faster than a real provider the simulators' jobs run, on that clock. */
  simulatorSpeed: number;
  /** How long it runs, in minutes of its clock. */
  minutes: number;
  /** How long, on its clock, the operations asked for last are given to end and be told. */
  tailSeconds: number;
}

export interface LatencyOptions {
  designs: Record<Design, DesignRun>;
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
  /** Provider calls per minute of a provider job running: all of them, and the reads of a job's state. */
  callsPerJobMinute?: number;
  jobReadsPerJobMinute?: number;
  /** Step changes per minute of a provider job running. */
  stepsPerJobMinute?: number;
  operations: number;
}

export interface LatencyResult {
  options: LatencyOptions;
  rows: LatencyRow[];
  unfinished: number;
}

async function runDesign(design: Design, options: LatencyOptions): Promise<LatencyRun> {
  const run = options.designs[design];
  const { stdout } = await execute(
    join(root, 'node_modules/.bin/tsx'),
    ['--import', join(root, 'bench/support/scaled-clock.ts'), join(root, 'bench/latency-run.ts'), design],
    {
      env: {
        ...process.env,
        BENCH_TIME_SCALE: String(run.scale),
        BENCH_LATENCY_MINUTES: String(run.minutes),
        BENCH_LATENCY_SIMULATOR_SPEED: String(run.simulatorSpeed),
        BENCH_LATENCY_TAIL_SECONDS: String(run.tailSeconds),
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
        ...(minutes > 0
          ? {
              callsPerJobMinute: (r.providerCalls[provider] ?? 0) / minutes,
              jobReadsPerJobMinute: (r.jobReads[provider] ?? 0) / minutes,
              stepsPerJobMinute: (r.stepToTold[provider]?.length ?? 0) / minutes,
            }
          : {}),
        operations: r.operations[provider] ?? 0,
      });
    }
  return {
    options,
    rows,
    unfinished: runs.reduce((n, r) => n + r.unfinished, 0),
  };
}
