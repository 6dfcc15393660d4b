/** The value at quantile q (0..1) of already sorted samples, by nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export function percentiles(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), n: sorted.length };
}

/** A figure measured over several runs: its median, with the smallest and largest run. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), min: sorted[0] as number, max: sorted.at(-1) as number };
}

/** "1.23 (1.10–1.40)": a median with its range, to a sensible precision. */
export function show(s: Spread, digits = 2): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** Runs `body` `runs` times and collects what each run returns. */
export async function repeat<T>(runs: number, body: (run: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let run = 0; run < runs; run++) out.push(await body(run));
  return out;
}

/** Peak resident and heap memory while `body` runs, sampled every few milliseconds. */
export async function withPeakMemory<T>(body: () => Promise<T>) {
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 5);
  try {
    const result = await body();
    const end = process.memoryUsage();
    return {
      result,
      peakRssMb: Math.max(peakRss, end.rss) / 2 ** 20,
      peakHeapMb: Math.max(peakHeap, end.heapUsed) / 2 ** 20,
      startRssMb: start.rss / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}
