import type { APIGatewayProxyEventV2, SNSEvent } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as alertsCloudwatch } from '../../functions/alerts-cloudwatch/handler.js';
import { handler as alertsGrafana } from '../../functions/alerts-grafana/handler.js';
import type { Deps } from '../../shared/deps.js';
import { MAX_BODY_BYTES } from '../../shared/edge/http-middleware.js';
import { evaluateDueDecisions } from '../../shared/failover/decide-alert.js';
import type { Notification } from '../../shared/notify/notifier.js';
import { depsFor, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { type WriteWatch, watchWrites } from '../support/write-watch.js';

/**
 * Hostile actor: someone holding an alert source's token tries to flood the on-call channel, with one huge request
 * or with many small ones of alerts no route matches. Every alert is still recorded; people are told a bounded
 * amount: at most the per-source limit of unrouted announcements per window, then one summary.
 */
const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;
let watch: WriteWatch;

/** The rule under test, as README states it. */
const MAX_ALERTS_PER_REQUEST = 100;
const UNROUTED_ANNOUNCEMENTS_PER_WINDOW = 10;
const WINDOW_MS = 10 * 60_000;
/** How long after a window ends its summary waits, so no receiver still counting in it is missed. */
const SUMMARY_GRACE_MS = 151_000;

beforeAll(async () => {
  env = environment();
  deps = await depsFor(env);
});
beforeEach(() => {
  watch = watchWrites(env);
});
afterEach(() => {
  watch.stop();
});

const run = `${Date.now().toString(36)}`;
let sequence = 0;

/** A small unrouted Alertmanager alert: its labels match no route, so it is recorded and ignored. */
const unroutedAlert = (status: 'firing' | 'resolved' = 'firing') => {
  const n = sequence++;
  return {
    status,
    labels: { alertname: 'Flood', f: `${run}-${n}` },
    startsAt: '2026-11-21',
    fingerprint: `${run}-${n}`,
  };
};
/** As small as a distinct alert can be, so a thousand of them fit under the body limit. */
const tinyAlert = (n: number) => ({ status: 'firing', labels: { f: `${n}` }, startsAt: '2026-11-21' });

function webhookEvent(source: 'alertmanager' | 'grafana', alerts: unknown[]) {
  const event = loadEvent<APIGatewayProxyEventV2>('alerts', `${source}-firing`);
  const body = JSON.parse(event.body as string);
  body.alerts = alerts;
  delete body.commonLabels;
  delete body.commonAnnotations;
  delete body.groupLabels;
  event.body = JSON.stringify(body);
  return event;
}
const sendAlertmanager = async (alerts: unknown[]) =>
  httpAnswer(await alertsAlertmanager(webhookEvent('alertmanager', alerts), lambdaContext()));

/** One CloudWatch alarm in one SNS message, as CloudWatch sends them; its name matches no route. */
function cloudwatchAlarm() {
  const event = loadEvent<SNSEvent>('alerts', 'cloudwatch-alarm');
  const record = event.Records[0] as SNSEvent['Records'][number];
  const alarm = JSON.parse(record.Sns.Message);
  const name = `flood-${run}-${sequence++}`;
  alarm.AlarmName = name;
  alarm.AlarmArn = `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`;
  record.Sns.Message = JSON.stringify(alarm);
  record.Sns.MessageId = `${name}-message`;
  return event;
}

const ours = (n: Notification) => n.type === 'decision' && n.decision.alert.fingerprint.includes(run);
const since = (from: number) => env.sink.received.slice(from).map((r) => r.notification);
const unroutedAnnouncements = (from: number, source: string) =>
  since(from).filter((n) => ours(n) && n.type === 'decision' && n.decision.alert.source === source);
const summaries = (from: number, source: string) =>
  since(from).filter(
    (n): n is Extract<Notification, { type: 'alerts.suppressed' }> =>
      n.type === 'alerts.suppressed' && n.suppressed.source === source,
  );

/** The limit is per window: start a flood early enough in one that it does not spill into the next. */
async function awayFromWindowEnd(neededMs = 40_000) {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}

describe('one request carrying a flood of alerts', () => {
  it.each([
    ['alertmanager', alertsAlertmanager],
    ['grafana', alertsGrafana],
  ] as const)(
    'is refused from %s with problem+json naming alerts; nothing is written or announced',
    async (source, handler) => {
      const alerts = Array.from({ length: 1000 }, (_, n) => tinyAlert(n));
      const event = webhookEvent(source, alerts);
      // Under the body limit: the alert cap refuses it, not the size.
      expect(Buffer.byteLength(event.body as string)).toBeLessThan(MAX_BODY_BYTES);
      const heard = env.sink.received.length;
      const writes = watch.storeWrites();

      const answer = httpAnswer(await handler(event, lambdaContext()));

      expect([400, 413]).toContain(answer.status);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain('body.alerts');
      expect(answer.body.detail).toContain(`${MAX_ALERTS_PER_REQUEST}`);
      expect(watch.storeWrites() - writes).toBe(0);
      expect(since(heard)).toEqual([]);
    },
    120_000,
  );

  it('takes a grouped notification of exactly the cap', async () => {
    // Resolved alerts of no open episode: taken and read, nothing to decide.
    const answer = await sendAlertmanager(
      Array.from({ length: MAX_ALERTS_PER_REQUEST }, () => unroutedAlert('resolved')),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.received).toBe(MAX_ALERTS_PER_REQUEST);
  });
});

describe('many small requests of unrouted alerts', () => {
  it('are all recorded, but announced at most the limit per source and window, then summarised once', async () => {
    await awayFromWindowEnd();
    const heard = env.sink.received.length;
    const decisionIds: string[] = [];
    for (let request = 0; request < 40; request++) {
      const answer = await sendAlertmanager(Array.from({ length: 5 }, () => unroutedAlert()));
      expect(answer.status).toBe(200);
      decisionIds.push(...answer.body.decisions.map((d: { id: string; outcome: string }) => d.id));
      expect(answer.body.decisions.every((d: { outcome: string }) => d.outcome === 'unrouted')).toBe(true);
    }
    expect(new Set(decisionIds).size).toBe(200);
    // Every one is recorded, as GET /v1/decisions lists them, announced or not.
    const recorded = (await deps.failover.listDecisions(undefined, 1000)).filter((d) =>
      decisionIds.includes(d.id),
    );
    expect(recorded).toHaveLength(200);
    expect(recorded.every((d) => d.outcome === 'unrouted')).toBe(true);

    expect(unroutedAnnouncements(heard, 'alertmanager')).toHaveLength(UNROUTED_ANNOUNCEMENTS_PER_WINDOW);
    // Another source has its own allowance: a Grafana alert in the same window is still announced.
    const grafana = httpAnswer(
      await alertsGrafana(webhookEvent('grafana', [unroutedAlert()]), lambdaContext()),
    );
    expect(grafana.body.decisions).toEqual([expect.objectContaining({ outcome: 'unrouted' })]);
    expect(unroutedAnnouncements(heard, 'grafana')).toHaveLength(1);

    // Once the window is over, the poller tells the rest as one summary, and only once, whoever polls.
    const later = await depsFor(env, { now: () => Date.now() + WINDOW_MS + SUMMARY_GRACE_MS });
    expect((await evaluateDueDecisions(later)).errors).toEqual([]);
    expect((await evaluateDueDecisions(later)).errors).toEqual([]);
    const [summary, ...more] = summaries(heard, 'alertmanager');
    expect(more).toEqual([]);
    expect(summary?.suppressed).toMatchObject({
      source: 'alertmanager',
      count: 200 - UNROUTED_ANNOUNCEMENTS_PER_WINDOW,
      limit: UNROUTED_ANNOUNCEMENTS_PER_WINDOW,
    });
    expect(summary?.text).toContain(`${200 - UNROUTED_ANNOUNCEMENTS_PER_WINDOW} more unrouted alerts`);
    expect(summaries(heard, 'grafana')).toEqual([]);
    // The suppressed decisions are not told late one by one either.
    expect(unroutedAnnouncements(heard, 'alertmanager')).toHaveLength(UNROUTED_ANNOUNCEMENTS_PER_WINDOW);
  }, 180_000);

  it('limits CloudWatch alarms, one per SNS message, the same way', async () => {
    await awayFromWindowEnd();
    const heard = env.sink.received.length;
    const sent = UNROUTED_ANNOUNCEMENTS_PER_WINDOW + 5;
    for (let i = 0; i < sent; i++)
      expect(await alertsCloudwatch(cloudwatchAlarm(), lambdaContext())).toEqual({
        decisions: 1,
        skipped: 0,
      });

    expect(unroutedAnnouncements(heard, 'cloudwatch')).toHaveLength(UNROUTED_ANNOUNCEMENTS_PER_WINDOW);
    const later = await depsFor(env, { now: () => Date.now() + WINDOW_MS + SUMMARY_GRACE_MS });
    expect((await evaluateDueDecisions(later)).errors).toEqual([]);
    expect(summaries(heard, 'cloudwatch').map((s) => s.suppressed.count)).toEqual([5]);
  }, 120_000);
});
