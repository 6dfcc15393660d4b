/**
 * `npm run bench`: what Switchyard costs on the critical path, at fleet scale, in an alert storm, at cold
 * start and in its signers, each measured side by side in one run. Prints the figures and writes
 * BENCHMARKS.md. BENCH_QUICK=1 runs every section small, to try the harness.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { benchAlertStorm, type StormRow } from './alert-storm.js';
import { benchColdStart, type ColdStartRow } from './cold-start.js';
import { benchCriticalPath, type CriticalPathRow } from './critical-path.js';
import { benchLatency, type LatencyFigure, type LatencyOptions, type LatencyResult } from './latency.js';
import { benchDeployedPoller, benchPollerFleet, type FleetRow } from './poller-fleet.js';
import { benchSigners, type SignerRow } from './signers.js';
import { resetTable, startBenchEnvironment } from './support/bench-environment.js';
import { type Spread, show } from './support/stats.js';

const quick = process.env.BENCH_QUICK === '1';

/**
 * Follow-ups in real time, with jobs 20× a real provider's pace so that enough of them end; the schedule alone on a
 * clock 10× faster, since waiting for its minute is what it measures.
 */
function latencyPlan(plan: {
  followUpMinutes: number;
  scheduleMinutes: number;
  alerts: number;
}): LatencyOptions {
  return {
    designs: {
      'follow-ups': { scale: 1, simulatorSpeed: 20, minutes: plan.followUpMinutes, tailSeconds: 20 },
      'schedule-only': { scale: 10, simulatorSpeed: 2, minutes: plan.scheduleMinutes, tailSeconds: 120 },
    },
    alerts: plan.alerts,
  };
}
const PLAN = quick
  ? {
      signers: { runs: 2, budgetMs: 100 },
      cold: { runs: 1 },
      fleet: {
        sizes: [100, 1000],
        settings: [
          { latencyMs: 0, concurrency: [32] },
          { latencyMs: 50, concurrency: [16, 64] },
        ],
      },
      storm: { copies: 1000, distinct: 1000, inFlight: 16 },
      critical: { runs: 2, iterations: 30, warmup: 5 },
      latency: latencyPlan({ followUpMinutes: 1, scheduleMinutes: 4, alerts: 4 }),
    }
  : {
      signers: { runs: 5, budgetMs: 400 },
      cold: { runs: 3 },
      fleet: {
        sizes: [100, 1000, 10_000],
        settings: [
          { latencyMs: 0, concurrency: [32] },
          { latencyMs: 50, concurrency: [64] },
        ],
      },
      storm: { copies: 10_000, distinct: 1000, inFlight: 16 },
      critical: { runs: 3, iterations: 100, warmup: 20 },
      latency: latencyPlan({ followUpMinutes: 1.5, scheduleMinutes: 10, alerts: 10 }),
    };

const ms = (s: Spread, digits = 2) => show(s, digits);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

function criticalTable(rows: CriticalPathRow[]) {
  return [
    '| path | provider calls before submit | store calls before submit | to submission p50 | p99 | provider wait p50 | store wait p50 | notification wait p50 | Switchyard own (store + CPU) p50 | p99 | of which CPU p50 | p99 | floor p50 | p99 | to submission ÷ floor p50 | p99 | requests/s (serial) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.providerCalls - 1} | ${r.storeCalls} | ${ms(r.toSubmitP50)} | ${ms(r.toSubmitP99)} | ${ms(r.providerP50)} | ${ms(r.storeP50)} | ${ms(r.notifyP50)} | ${ms(r.ownP50)} | ${ms(r.ownP99)} | ${ms(r.cpuP50)} | ${ms(r.cpuP99)} | ${ms(r.floorP50)} | ${ms(r.floorP99)} | ${ms(r.ratioP50, 1)} | ${ms(r.ratioP99, 1)} | ${ms(r.throughput, 0)} |`,
    ),
  ].join('\n');
}

function fleetTable(rows: FleetRow[]) {
  return [
    '| active operations | provider latency | concurrency | tick | wall time | per operation | provider calls | store calls | progressed | unchanged | errors | peak RSS | peak heap |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.operations.toLocaleString('en')} | ${r.providerLatencyMs} ms | ${r.concurrency} | ${r.tick} | ${(r.wallMs / 1000).toFixed(2)} s | ${r.msPerOperation.toFixed(2)} ms | ${r.providerCalls.toLocaleString('en')} | ${r.storeCalls.toLocaleString('en')} | ${r.progressed} | ${r.unchanged} | ${r.errors} | ${r.peakRssMb.toFixed(0)} MB | ${r.peakHeapMb.toFixed(0)} MB |`,
    ),
  ].join('\n');
}

function stormTable(rows: StormRow[]) {
  return [
    '| storm | alerts | pairs | wall time | alerts/s | decisions recorded | failovers per pair (min–max) | promotions | outcomes | decided by the next poller tick | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.storm} | ${r.alerts.toLocaleString('en')} | ${r.pairs} | ${(r.wallMs / 1000).toFixed(2)} s | ${r.alertsPerSecond.toFixed(0)} | ${r.decisions} | ${r.failoversPerPair.min}–${r.failoversPerPair.max} | ${r.promotionsSent} | ${Object.entries(
          r.outcomes,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} | ${r.decidedByPoller} | ${r.errors} |`,
    ),
  ].join('\n');
}

function coldTable(rows: ColdStartRow[]) {
  return [
    '| function | bundle (minified) | module loaded | first event handled | answer |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${kb(r.bytes)} | ${ms(r.loadMs, 0)} ms | ${ms(r.firstEventMs, 0)} ms | ${r.status} |`,
    ),
  ].join('\n');
}

const seconds = (f: LatencyFigure | undefined, key: 'p50' | 'p99') =>
  f ? `${(f[key] / 1000).toFixed(1)} s` : '—';

function latencyTable(result: LatencyResult) {
  return [
    '| provider | design | hold-off end → submitted p50 | p99 | step change → told p50 | p99 | job end → told p50 | p99 | provider calls per job-minute | of which job reads | operations |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...result.rows.map(
      (r) =>
        `| ${r.provider} | ${r.design} | ${seconds(r.holdOffToSubmitted, 'p50')} | ${seconds(r.holdOffToSubmitted, 'p99')} | ${seconds(r.stepToTold, 'p50')} | ${seconds(r.stepToTold, 'p99')} | ${seconds(r.endToTold, 'p50')} | ${seconds(r.endToTold, 'p99')} | ${r.callsPerJobMinute?.toFixed(1) ?? '—'} | ${r.jobReadsPerJobMinute?.toFixed(1) ?? '—'} | ${r.operations} |`,
    ),
  ].join('\n');
}

/** The figures of the run before this round's work (BENCHMARKS.md of 2026-12-01), which the goals compare with. */
const BEFORE = {
  worstBundleKb: 2010,
  worstFirstEventMs: 806,
  medianFirstEventMs: 653,
  officialRatio: 1.8,
  worstCpuP99Ms: 8.64,
  alertStoreCalls: 11,
};

function signerTable(rows: SignerRow[]) {
  return [
    '| signer | ours (signatures/s) | official SDK | official (signatures/s) | ours ÷ official |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.signer} | ${ms(r.ours, 0)} | ${r.officialName ?? 'none published on npm'} | ${r.official ? ms(r.official, 0) : '—'} | ${r.ratio ? ms(r.ratio, 2) : '—'} |`,
    ),
  ].join('\n');
}

async function main() {
  const started = performance.now();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free), load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at start; Node ${process.version}`;
  console.log(`machine: ${machine}`);

  console.log('signers...');
  const signers = await benchSigners(PLAN.signers);
  console.log('latency: follow-ups beside the schedule alone...');
  const latency = await benchLatency(PLAN.latency);
  const env = await startBenchEnvironment();
  try {
    console.log('cold start...');
    const cold = await benchColdStart(env, PLAN.cold);
    console.log('poller at fleet scale...');
    await resetTable(env);
    const fleet = await benchPollerFleet(env, PLAN.fleet);
    const deployed = await benchDeployedPoller(env, { latencyMs: 50 });
    console.log('alert storm...');
    const storm = await benchAlertStorm(env, PLAN.storm);
    console.log('critical path...');
    await resetTable(env);
    const critical = await benchCriticalPath(env, PLAN.critical);
    const minutes = (performance.now() - started) / 60_000;

    const steady10k = fleet.filter(
      (r) => r.operations >= 10_000 && r.providerLatencyMs === 50 && r.tick === 'steady',
    );
    const best10k = steady10k.sort((a, b) => a.wallMs - b.wallMs)[0];
    const httpPaths = critical.filter((r) => !r.label.startsWith('alert'));
    const alertPath = critical.find((r) => r.label.startsWith('alert'));
    const worstRatioP99 = Math.max(...critical.map((r) => r.ratioP99.median));
    const worstCpuP99 = Math.max(...critical.map((r) => r.cpuP99.median));
    const worstHttpOwnP99 = Math.max(...httpPaths.map((r) => r.ownP99.median));
    const followUps = latency.rows.filter((r) => r.design === 'follow-ups');
    const scheduleOnly = latency.rows.filter((r) => r.design === 'schedule-only');
    const worst = (
      rows: typeof followUps,
      pick: (r: (typeof followUps)[number]) => LatencyFigure | undefined,
    ) => Math.max(...rows.map((r) => pick(r)?.p99 ?? Number.NEGATIVE_INFINITY)) / 1000;
    const holdOff = worst(followUps, (r) => r.holdOffToSubmitted);
    const stepTold = worst(followUps, (r) => r.stepToTold);
    const endTold = worst(followUps, (r) => r.endToTold);
    // Job reads a job-minute beyond the schedule alone's, against the step changes a job-minute (one read each is
    // allowed): what following a job costs. Prechecks, observers and verification are the same in both designs.
    const extraCalls = followUps.map((r) => {
      const before = scheduleOnly.find((b) => b.provider === r.provider);
      const extra = (r.jobReadsPerJobMinute ?? 0) - (before?.jobReadsPerJobMinute ?? 0);
      return { provider: r.provider, extra, allowed: r.stepsPerJobMinute ?? 0 };
    });
    const worstExtra = extraCalls.sort((a, b) => b.extra - b.allowed - (a.extra - a.allowed))[0];
    const worstBundleKb = Math.max(...cold.rows.map((r) => r.bytes)) / 1024;
    // Their first event walks the whole fleet (106 pairs here): its time is the fleet's, not a cold start's.
    const fleetWide = new Set(['poll-jobs', 'evaluate-pairs']);
    const firstEvents = cold.rows
      .filter((r) => !fleetWide.has(r.name))
      .map((r) => r.firstEventMs.median)
      .sort((a, b) => a - b);
    const slowestName = cold.rows.find(
      (r) => !fleetWide.has(r.name) && r.firstEventMs.median === firstEvents.at(-1),
    )?.name;
    const worstFirstEvent = firstEvents.at(-1) ?? 0;
    const medianFirstEvent = firstEvents[Math.floor(firstEvents.length / 2)] ?? 0;
    const official = cold.comparison;

    const report = `# Benchmarks

Written by \`npm run bench\`${quick ? ' (BENCH_QUICK=1: small sizes, figures indicative only)' : ''} on ${new Date().toISOString().slice(0, 10)}, in ${minutes.toFixed(1)} minutes.
Machine: ${machine}. The machine is shared and noisy: compare figures within this file (ratios measured side by side in one
run hold); absolute times drift from run to run. Each figure is the median over ${PLAN.critical.runs} or more runs, with the
smallest and largest run in brackets. DynamoDB (dynalite), the provider simulators and the notification receivers run in a
separate process, as they are remote in AWS; what is measured is this process: Switchyard's functions called as Lambda calls them.

## Goals

"Before" is the run of 2026-12-01, before this round's work (the schedule-only design is measured again here, side by
side, in §5).

| goal | before | measured | |
|---|---|---|---|
| hold-off end → promotion submitted under 2 s at p99 | up to 60 s (the next tick) | follow-ups ${holdOff.toFixed(1)} s (schedule alone ${worst(scheduleOnly, (r) => r.holdOffToSubmitted).toFixed(1)} s) | ${verdict(holdOff < 2)}${holdOff >= 2 ? `, by ${(holdOff - 2).toFixed(1)} s` : ''} |
| a job's step change → told under 5 s at p99 | up to 60 s | follow-ups ${stepTold.toFixed(1)} s (schedule alone ${worst(scheduleOnly, (r) => r.stepToTold).toFixed(1)} s) | ${verdict(stepTold < 5)} |
| a job's end → its end told under 5 s at p99 | up to 60 s | follow-ups ${endTold.toFixed(1)} s, worst provider (schedule alone ${worst(scheduleOnly, (r) => r.endToTold).toFixed(1)} s) | ${verdict(endTold < 5)} |
| reads of a job's state a job-minute no more than the schedule's, plus one per step change | the schedule's | ${extraCalls.map((e) => `${e.provider} ${e.extra.toFixed(1)} more, ${e.allowed.toFixed(1)} allowed`).join('; ')} | ${verdict(!worstExtra || worstExtra.extra <= worstExtra.allowed)}${worstExtra && worstExtra.extra > worstExtra.allowed ? `, by ${(worstExtra.extra - worstExtra.allowed).toFixed(1)} reads a job-minute (${worstExtra.provider})` : ''} |
| every function's bundle at most 500 KB minified | ${BEFORE.worstBundleKb} KB | largest ${worstBundleKb.toFixed(0)} KB | ${verdict(worstBundleKb <= 500)}${worstBundleKb > 500 ? `, by ${(worstBundleKb - 500).toFixed(0)} KB` : ''} |
| first event handled within 200 ms of the process starting (the scheduled poll-jobs and evaluate-pairs aside: their first event walks the fleet) | slowest function ${BEFORE.worstFirstEventMs} ms | slowest ${worstFirstEvent.toFixed(0)} ms (${slowestName}), median function ${medianFirstEvent.toFixed(0)} ms | ${verdict(worstFirstEvent <= 200)}${worstFirstEvent > 200 ? `, by ${(worstFirstEvent - 200).toFixed(0)} ms` : ''} |
| ... at least 3× faster than before | median function ${BEFORE.medianFirstEventMs} ms | ${(BEFORE.medianFirstEventMs / medianFirstEvent).toFixed(1)}× | ${verdict(BEFORE.medianFirstEventMs / medianFirstEvent >= 3)} |
| ... at least 2× faster than the same calls through the official Alibaba client | ${BEFORE.officialRatio}× | ${((official[1]?.firstEventMs.median ?? 0) / (official[0]?.firstEventMs.median ?? 1)).toFixed(1)}× | ${verdict((official[1]?.firstEventMs.median ?? 0) / (official[0]?.firstEventMs.median ?? 1) >= 2)} |
| time to submission at most 1.3× the floor (the same provider requests and two conditional writes, bare) at p99 | 28.3× one bare request | worst path ${worstRatioP99.toFixed(2)}× | ${verdict(worstRatioP99 <= 1.3)}${worstRatioP99 > 1.3 ? `, by ${(worstRatioP99 - 1.3).toFixed(2)}×` : ''} |
| Switchyard's own CPU under 2 ms at p99 on every operation path | ${BEFORE.worstCpuP99Ms} ms | worst path ${worstCpuP99.toFixed(2)} ms (own time with the store, HTTP paths: ${worstHttpOwnP99.toFixed(2)} ms) | ${verdict(worstCpuP99 < 2)}${worstCpuP99 >= 2 ? `, by ${(worstCpuP99 - 2).toFixed(2)} ms` : ''} |
| the alert path's store calls before the submission at most 5 | ${BEFORE.alertStoreCalls} | ${alertPath?.storeCalls ?? '—'} | ${verdict((alertPath?.storeCalls ?? 99) <= 5)} |
| 10,000 operations in one poller tick under 30 s at 50 ms provider latency | 13.5 s | ${best10k ? `${(best10k.wallMs / 1000).toFixed(1)} s at concurrency ${best10k.concurrency} (steady tick)` : 'not run'} | ${best10k ? verdict(best10k.wallMs < 30_000) : '—'} |
| ... with the default concurrency, as deployed | 22.3 s | the poll-jobs bundle in its own process: ${(deployed.wallMs / 1000).toFixed(1)} s over ${deployed.active.toLocaleString('en')} operations | ${verdict(deployed.wallMs < 30_000)} |
| ... within 256 MB | 176 MB | that process's peak RSS ${deployed.maxRssMb.toFixed(0)} MB | ${verdict(deployed.maxRssMb < 256)} |
| an alert storm makes exactly one decision to fail over per pair | 1–1 | ${storm.map((s) => `${s.storm}: ${s.failoversPerPair.min}–${s.failoversPerPair.max} per pair`).join('; ')} | ${verdict(storm.every((s) => s.failoversPerPair.min === 1 && s.failoversPerPair.max === 1))} |
| \`npm run bench\` under 10 minutes | 7.4 minutes | ${minutes.toFixed(1)} minutes | ${verdict(minutes < 10)} |

## 1. Critical path: a request or an alert to the provider call being sent

Each path runs through the real function (HTTP event, or Alertmanager's webhook for the alert path) to the simulator; the
pair is freed and the simulators reset between requests, outside the measured time. "To submission" runs from the handler
being called to the submission request leaving this process. Within it, "provider wait" is time spent waiting on the
provider's prechecks and reads (the second observer and the lag for an alert), "store wait" on DynamoDB (the pair lock and
the SUBMITTING record, which make the submission happen at most once), "notification wait" on notification channels
still being delivered; "own" is everything but the provider (store + notification + CPU), "CPU" what is left after all
waits. The floor is what a safe tool cannot leave out: the same provider requests, sent bare with undici (those
Switchyard sent at once, at once), and the two conditional DynamoDB writes that make the submission happen at most once,
made with the bare SDK; "÷ floor" is the time to submission over it.

${criticalTable(critical)}

## 2. The poller at fleet scale

One tick over fleets of running Huawei upgrades, each on its own pair with its own provider job, the provider answering
at once or after 50 ms. The first tick is the one after the jobs start (every job reports its step: one store write and
one notification on every channel per operation); a steady tick finds nothing new. Concurrency is
\`poller.concurrency\` (the default is 32).

${fleetTable(fleet)}

The poll-jobs function itself, bundled as deployed and run in a fresh process over the largest fleet (default
concurrency, ${deployed.latencyMs} ms provider latency, nothing new to report; a new container, which spreads its lock renewals over the next third of their lifetime): ${(deployed.wallMs / 1000).toFixed(2)} s for ${deployed.active.toLocaleString('en')} operations,
${deployed.errors} errors, peak RSS ${deployed.maxRssMb.toFixed(0)} MB. The RSS and heap in the table above are this benchmark's whole
process (the harness, every function's modules and the test stand-ins included), not the poller's.

## 3. Alert storm

Alertmanager webhook deliveries through the intake function, ${PLAN.storm.inFlight} at a time. The single storm repeats
one alert (same fingerprint: repeats, retries, replicas); the distinct storm sends ten different alerts for each of 100
pairs in automatic mode with no hold-off.

${stormTable(storm)}

## 4. Cold start and size

Each function bundled as serverless.yml does (esbuild, minified, CommonJS from the packages' ES module builds), then run
in a fresh \`node\` process: the time from the process starting to the module being loaded and to its first event being
handled (a dry run, a read or a refusal that changes nothing, against the simulators). The configuration is read from a
JSON file, as the README's deployment stores it in SSM (without the SSM call itself). On this machine \`node\` alone takes
80 to 110 ms to reach the first line of a script.

${coldTable(cold.rows)}

The same two Alibaba calls (the activation precheck's DescribeDBInstanceAttribute and DescribeCloudMigrationResult) from a
handler using Switchyard's client and from one using the official \`@alicloud/rds20140815\` client:

${coldTable(official)}

Ratio, official over ours: bundle ${((official[1]?.bytes ?? 0) / (official[0]?.bytes ?? 1)).toFixed(1)}×, first event ${(
      (official[1]?.firstEventMs.median ?? 0) / (official[0]?.firstEventMs.median ?? 1)
    ).toFixed(1)}×.

What \`--enable-source-maps\` would cost a cold start (serverless.yml ships the maps but no longer sets it):

${coldTable(cold.sourceMaps)}

## 5. Latency: how long Switchyard waits before it acts and tells

Both designs run at once, each in its own process with its own sandbox: "follow-ups" is the deployed design (each
operation's delayed follow-up message, each held decision's wake-up, the sweep every 60 s), "schedule-only" the design
before it (\`poller.followUps: false\`: the sweep every 60 s alone). Follow-ups run in real time, with the deployed
intervals, for ${latency.options.designs['follow-ups'].minutes} minutes, the simulators' jobs ${latency.options.designs['follow-ups'].simulatorSpeed}× a real provider's pace so that
enough of them end. The schedule alone runs on a clock ${latency.options.designs['schedule-only'].scale}× faster than real time (bench/support/scaled-clock.ts;
the SQS stand-in and the sweep wait by the same clock), for ${latency.options.designs['schedule-only'].minutes} of its minutes, jobs ${latency.options.designs['schedule-only'].simulatorSpeed}× a real provider's pace:
waiting for its minute is what it measures, and what Switchyard spends itself weighs ${latency.options.designs['schedule-only'].scale}× more there than deployed.
The workload: ${latency.options.alerts} alerts on Huawei pairs in automatic mode with a 30 s hold-off (each held, then failed over),
OCP switchovers back to back on two pairs (ten steps each), and Alibaba minor upgrades back to back. Times run from the
provider's own clock (the simulator's job and step times) to the provider accepting the promotion, or to the webhook
receiving the notification. Provider calls a job-minute count every call the simulator answered (prechecks, observers,
fences, verification and polls) over the minutes its jobs ran, on each design's clock. Operations left unfinished at the
end: ${latency.unfinished}.

${latencyTable(latency)}

## 6. Signers

The same request signed in a loop for ${PLAN.signers.budgetMs} ms, ours and the official SDK's alternating within each run.

${signerTable(signers)}
`;
    await writeFile(new URL('../BENCHMARKS.md', import.meta.url), report);
    console.log(report);
  } finally {
    await env.close();
  }
}

await main();
