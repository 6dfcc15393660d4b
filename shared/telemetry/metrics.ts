import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Switchyard's metrics, as CloudWatch embedded metric format lines (Powertools Metrics), namespace `Switchyard`.
 * Each invocation's measurements are kept by metric and dimension set and written when it ends (`flushMetrics`,
 * called by the edge's middleware), a line each, so a count by kind never lands under another metric's dimensions.
 * POWERTOOLS_METRICS_DISABLED=true keeps them off a terminal.
 */

/** Every metric, with its unit and the dimensions it is recorded by (serverless.yml's dashboard draws them). */
export const METRICS = {
  /** An operation was recorded. */
  OperationStarted: { unit: MetricUnit.Count, dimensions: ['kind', 'provider'] },
  /** An operation ended; `state` is how (SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, REJECTED). */
  OperationEnded: { unit: MetricUnit.Count, dimensions: ['kind', 'provider', 'state'] },
  /** A decision about an alert reached its outcome. */
  DecisionMade: { unit: MetricUnit.Count, dimensions: ['outcome'] },
  /** An alert asked for a promotion on its own (no person in the loop). */
  AutomaticFailover: { unit: MetricUnit.Count, dimensions: ['provider'] },
  /** One scheduled poller run, start to end. */
  PollerTickDuration: { unit: MetricUnit.Milliseconds, dimensions: [] },
  /** Active operations the poller found to follow. */
  PollerBacklog: { unit: MetricUnit.Count, dimensions: [] },
  /** Operations, decisions and fences the poller could not advance this run. */
  PollerErrors: { unit: MetricUnit.Count, dimensions: [] },
  /** A provider API call, retries included, to its answer or its error. */
  ProviderCallLatency: { unit: MetricUnit.Milliseconds, dimensions: ['provider', 'api'] },
  ProviderCallErrors: { unit: MetricUnit.Count, dimensions: ['provider', 'api'] },
  /** A notification a channel could not deliver after its retries. */
  NotificationFailures: { unit: MetricUnit.Count, dimensions: ['channel'] },
} as const;
export type MetricName = keyof typeof METRICS;
type DimensionsOf<M extends MetricName> = Record<(typeof METRICS)[M]['dimensions'][number], string>;

export const NAMESPACE = 'Switchyard';

const metrics = new Metrics({ namespace: NAMESPACE, serviceName: 'switchyard' });

/** This invocation's values, by dimension set, then by metric. */
const pending = new Map<string, { dimensions: Record<string, string>; values: Map<MetricName, number[]> }>();

/** Records one value of a metric (1 for a count). */
export function recordMetric<M extends MetricName>(name: M, dimensions: DimensionsOf<M>, value = 1): void {
  const dims = dimensions as Record<string, string>;
  const key = JSON.stringify(Object.entries(dims).sort());
  let group = pending.get(key);
  if (!group) {
    group = { dimensions: dims, values: new Map() };
    pending.set(key, group);
  }
  const values = group.values.get(name) ?? [];
  values.push(value);
  group.values.set(name, values);
}

/** Writes what was recorded since the last flush, one EMF line per metric and dimension set, and forgets it. */
export function flushMetrics(): void {
  const groups = [...pending.values()];
  pending.clear();
  // Powertools writes a line by itself at 100 values, dropping the dimensions: stay under it.
  for (const group of groups)
    for (const [name, values] of group.values)
      for (let start = 0; start < values.length; start += VALUES_PER_LINE) {
        for (const [dimension, value] of Object.entries(group.dimensions))
          metrics.addDimension(dimension, value);
        for (const value of values.slice(start, start + VALUES_PER_LINE))
          metrics.addMetric(name, METRICS[name].unit, value);
        metrics.publishStoredMetrics();
      }
}

const VALUES_PER_LINE = 99;

/** A provider call's `api` dimension: its action or path, with ids (anything numeric or long with digits) as {id}. */
export function apiName(what: string): string {
  return what
    .split('/')
    .map((segment) =>
      /^\d+$/.test(segment) || (segment.length >= 8 && /\d/.test(segment)) ? '{id}' : segment,
    )
    .join('/');
}
