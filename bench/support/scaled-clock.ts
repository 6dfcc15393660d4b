/**
 * The latency benchmark's time scale: imported first, it makes `Date` (Switchyard's clock, the simulators', the SQS
 * stand-in's message times, the sink's) run BENCH_TIME_SCALE times faster than real time from the moment the process
 * starts, so that an hour's worth of follow-ups, sweeps and provider jobs runs in minutes. Timers stay real: the SQS
 * stand-in and the sweep divide their waits by the same scale. What Switchyard spends itself (its CPU, the store and
 * provider round trips) is not scaled, so it weighs the scale's times more in scaled time: the figures are
 * pessimistic by that much.
 */
export const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? '1');

if (TIME_SCALE !== 1) {
  const RealDate = Date;
  const realStart = RealDate.now();
  const scaledNow = () => realStart + (RealDate.now() - realStart) * TIME_SCALE;
  class ScaledDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(scaledNow());
      else super(...(args as [string | number | Date]));
    }
    static override now() {
      return scaledNow();
    }
  }
  globalThis.Date = ScaledDate as DateConstructor;
}
