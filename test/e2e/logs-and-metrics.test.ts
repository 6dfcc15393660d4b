import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as listPairs } from '../../functions/list-pairs/handler.js';
import { handler as pollJobs } from '../../functions/poll-jobs/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { pollUntilDone, postOperation } from '../support/operations.js';

/**
 * What CloudWatch receives from the functions, read from their stdout and stderr as Lambda would: JSON log lines
 * with the request id and correlation keys, and embedded-metric-format lines in the Switchyard namespace.
 */

// The logger and metrics read their settings when they are made: before the handlers are imported.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

const environment = useTestEnvironment();
const lines: string[] = [];

beforeAll(() => {
  environment();
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    }) as typeof stream.write);
});

afterAll(() => {
  vi.restoreAllMocks();
});

type Line = Record<string, any>;
const json = (): Line[] =>
  lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Line];
    } catch {
      return [];
    }
  });
const logLines = () => json().filter((l) => l._aws === undefined);
/** Each EMF line's metrics by name, with its dimension values. */
const metricLines = () =>
  json()
    .filter((l) => l._aws?.CloudWatchMetrics?.[0]?.Namespace === 'Switchyard')
    .flatMap((l) =>
      (l._aws.CloudWatchMetrics[0].Metrics as { Name: string; Unit: string }[]).map((m) => ({
        name: m.Name,
        unit: m.Unit,
        dimensions: Object.fromEntries(
          (l._aws.CloudWatchMetrics[0].Dimensions[0] as string[]).map((d) => [d, l[d]]),
        ),
        values: ([] as number[]).concat(l[m.Name]),
      })),
    );

/** The sum of a metric's values over every line with exactly these dimensions (besides service). */
function total(name: string, dimensions: Record<string, string>): number {
  return metricLines()
    .filter((m) => m.name === name)
    .filter((m) => JSON.stringify(m.dimensions) === JSON.stringify({ service: 'switchyard', ...dimensions }))
    .reduce((sum, m) => sum + m.values.reduce((a, b) => a + b, 0), 0);
}

describe('logs and metrics, as CloudWatch reads them', () => {
  it('logs each change of a switchover as JSON with its request id and correlation keys, and counts it', async () => {
    const answer = await postOperation(switchover, 'switchover', { pair: 'orders-ob', reason: 'telemetry' });
    expect(answer.status).toBe(202);
    const id = answer.body.operation.id as string;
    expect((await pollUntilDone(environment().store, id)).state).toBe('SUCCEEDED');

    const about = logLines().filter((l) => l.operationId === id);
    expect(about.length).toBeGreaterThanOrEqual(3);
    for (const line of about)
      expect(line).toMatchObject({
        level: 'INFO',
        service: 'switchyard',
        scope: 'notify',
        pair: 'orders-ob',
        kind: 'switchover',
        provider: 'oceanbase',
        function_request_id: expect.stringMatching(/^req-/),
      });
    expect(about.at(-1)?.message).toContain('RUNNING -> SUCCEEDED');

    const metrics = metricLines();
    expect(metrics).toContainEqual(
      expect.objectContaining({
        name: 'OperationStarted',
        dimensions: { service: 'switchyard', kind: 'switchover', provider: 'oceanbase' },
      }),
    );
    expect(metrics).toContainEqual(
      expect.objectContaining({
        name: 'OperationEnded',
        dimensions: { service: 'switchyard', kind: 'switchover', provider: 'oceanbase', state: 'SUCCEEDED' },
      }),
    );
    // Each OCP call by its API, ids left out so the dimension stays small.
    const calls = metrics.filter(
      (m) => m.name === 'ProviderCallLatency' && m.dimensions.provider === 'oceanbase',
    );
    expect(calls.map((m) => m.dimensions.api)).toContain(
      'OCP POST /api/v2/ob/clusters/{id}/tenants/{id}/switchover',
    );
    expect(calls.every((m) => m.unit === 'Milliseconds' && m.values.every((v) => v >= 0))).toBe(true);
    expect(metrics.filter((m) => m.name === 'PollerTickDuration').length).toBeGreaterThan(0);
    expect(metrics).toContainEqual(expect.objectContaining({ name: 'PollerBacklog', values: [1] }));
  });

  it('counts each decision once, by its outcome, and no line carries a credential', async () => {
    const event = loadEvent<APIGatewayProxyEventV2>('alerts', 'alertmanager-firing');
    const body = JSON.parse(event.body as string);
    // An alert no route matches: decided at once, unrouted.
    body.alerts[0].labels = { alertname: `NoSuchAlert${Date.now()}` };
    body.alerts[0].fingerprint = `telemetry-${Date.now()}`;
    body.alerts[0].startsAt = new Date().toISOString();
    event.body = JSON.stringify(body);
    const before = total('DecisionMade', { outcome: 'unrouted' });
    const answer = httpAnswer(await alertsAlertmanager(event, lambdaContext()));
    expect(answer.status).toBe(200);
    expect(answer.body.decisions[0].outcome).toBe('unrouted');
    expect(total('DecisionMade', { outcome: 'unrouted' }) - before).toBe(1);

    // The API key a request carried is in no line (the secrets test searches every secret).
    const request = loadEvent<APIGatewayProxyEventV2>('http', 'list-pairs');
    request.headers.authorization = 'Bearer sandbox-reader-key';
    expect(httpAnswer(await listPairs(request, lambdaContext())).status).toBe(200);
    expect(lines.some((line) => line.includes('sandbox-reader-key'))).toBe(false);
  });

  it('measures a poller tick that fails, as one error', async () => {
    const before = total('PollerErrors', {});
    // An event that is not EventBridge's: the tick throws before it does anything.
    await expect(pollJobs('not an event' as never, lambdaContext())).rejects.toThrow();
    expect(total('PollerErrors', {}) - before).toBe(1);
  });
});
