/** `npm run bench`: benchmarks print figures and write BENCHMARKS.md. None are written yet. */
console.log(
  'no benchmarks yet: the benchmark suite (critical path, poller at fleet scale, alert storm, cold start, signers) comes later.',
);
