import type { APIGatewayProxyEventV2, SNSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as alertsCloudwatch } from '../../functions/alerts-cloudwatch/handler.js';
import { handler as alertsGrafana } from '../../functions/alerts-grafana/handler.js';
import { handler as listOperations } from '../../functions/list-operations/handler.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { useWatchedEnvironment, type WriteWatch } from '../support/write-watch.js';

const watched = useWatchedEnvironment();
let writes: WriteWatch;
beforeAll(() => {
  ({ writes } = watched());
});

/** A published webhook fixture with its first alert changed. */
function alertEvent(variant: 'alertmanager-firing' | 'grafana-firing', change: (alert: any) => void) {
  const event = loadEvent<APIGatewayProxyEventV2>('alerts', variant);
  const payload = JSON.parse(event.body as string);
  change(payload.alerts[0]);
  event.body = JSON.stringify(payload);
  return event;
}

const webhooks = [
  ['alertmanager-firing', alertsAlertmanager],
  ['grafana-firing', alertsGrafana],
] as const;

describe('alerts the webhooks cannot read', () => {
  it.each(webhooks)(
    '%s: a startsAt that is no time is refused with 400 naming it, not a 500',
    async (variant, handler) => {
      const before = writes.count();
      const answer = httpAnswer(
        await handler(
          alertEvent(variant, (alert) => (alert.startsAt = 'yesterday-ish')),
          lambdaContext(),
        ),
      );
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.alerts.0.startsAt']);
      expect(writes.count()).toBe(before);
    },
  );

  it.each(webhooks)(
    '%s: a fingerprint too long for a store key is refused with 400 naming it, not a 500',
    async (variant, handler) => {
      const before = writes.count();
      const answer = httpAnswer(
        await handler(
          alertEvent(variant, (alert) => (alert.fingerprint = 'f'.repeat(3000))),
          lambdaContext(),
        ),
      );
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'body.alerts.0.fingerprint',
      ]);
      expect(writes.count()).toBe(before);
    },
  );

  it('CloudWatch: an alarm name too long for a store key is skipped, not thrown back for Lambda to retry', async () => {
    const event = loadEvent<SNSEvent>('alerts', 'cloudwatch-alarm');
    const sns = event.Records[0]!.Sns;
    const alarm = JSON.parse(sns.Message);
    alarm.AlarmName = 'a'.repeat(3000);
    delete alarm.AlarmArn;
    sns.Message = JSON.stringify(alarm);
    const before = writes.count();
    await expect(alertsCloudwatch(event, lambdaContext())).resolves.toEqual({ decisions: 0, skipped: 1 });
    expect(writes.count()).toBe(before);
  });
});

describe('alert labels named like what every object already has', () => {
  it.each(webhooks)(
    '%s: a label called `constructor` is recorded, and its repeat finds the same decision',
    async (variant, handler) => {
      const withLabel = () =>
        alertEvent(variant, (alert) => {
          alert.labels = { ...alert.labels, alertname: 'DiskFull', constructor: 'x' };
          alert.fingerprint = `constructor-${variant}`;
        });
      const first = httpAnswer(await handler(withLabel(), lambdaContext()));
      expect(first.status).toBe(200);
      expect(first.body.decisions).toEqual([expect.objectContaining({ outcome: 'unrouted' })]);
      const repeat = httpAnswer(await handler(withLabel(), lambdaContext()));
      expect(repeat.body.decisions.map((d: { id: string }) => d.id)).toEqual([first.body.decisions[0].id]);
    },
  );

  it('CloudWatch: a dimension called `constructor` is decided, not thrown back for Lambda to retry', async () => {
    const event = loadEvent<SNSEvent>('alerts', 'cloudwatch-alarm');
    const sns = event.Records[0]!.Sns;
    const alarm = JSON.parse(sns.Message);
    alarm.AlarmName = 'disk-full';
    alarm.AlarmArn = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:disk-full';
    alarm.Trigger.Dimensions = [{ name: 'constructor', value: 'x' }];
    sns.Message = JSON.stringify(alarm);
    await expect(alertsCloudwatch(event, lambdaContext())).resolves.toEqual({ decisions: 1, skipped: 0 });
  });
});

describe('cursors this API never gave out', () => {
  const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

  it.each([
    ['JSON that is no object', cursorOf('')],
    ['null', cursorOf(null)],
    ['a key with a number in it', cursorOf({ pk: 1, sk: 'OP' })],
    ['a key of another index', cursorOf({ pk: 'OP#x', sk: 'OP', gsi2pk: 'PAIR#x', gsi2sk: 'x' })],
    ['not base64url JSON at all', 'not-a-cursor'],
  ])('answers 422 invalid_cursor for %s, not a 500', async (_case, cursor) => {
    const event = loadEvent<APIGatewayProxyEventV2>('http', 'list-operations');
    event.queryStringParameters = { cursor };
    const answer = httpAnswer(await listOperations(event, lambdaContext()));
    expect(answer.status).toBe(422);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body.code).toBe('invalid_cursor');
    expect(answer.body.errors).toEqual([
      { field: 'query.cursor', message: 'not a cursor from a previous page' },
    ]);
  });
});
