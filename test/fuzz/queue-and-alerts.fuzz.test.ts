import type { SNSEvent, SNSEventRecord, SQSEvent, SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as activateMigrationTarget } from '../../functions/activate-migration-target/handler.js';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as alertsCloudwatch } from '../../functions/alerts-cloudwatch/handler.js';
import { handler as alertsGrafana } from '../../functions/alerts-grafana/handler.js';
import { handler as configureDr } from '../../functions/configure-dr/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { handler as upgradeMinorVersion } from '../../functions/upgrade-minor-version/handler.js';
import { ULID_PATTERN } from '../../shared/domain/ids.js';
import { loadEvent } from '../support/fixtures.js';
import {
  expectWellFormedAnswer,
  hostileBody,
  httpEvent,
  junkString,
  junkValue,
  longString,
  mapKey,
  objectWithFields,
  sandboxPairsOf,
  unknownPairName,
  unroutedLabel,
  webhookAlert,
} from '../support/hostile-input.js';
import { lambdaContext } from '../support/lambda.js';
import { expectOnlyCountedWrites, useWatchedEnvironment, type WriteWatch } from '../support/write-watch.js';

const RUNS = 1000;

const watched = useWatchedEnvironment();
let writes: WriteWatch;
beforeAll(() => {
  ({ writes } = watched());
});

const SQS_RECORD = loadEvent<SQSEvent>('sqs', 'switchover').Records[0] as SQSRecord;
const SNS_RECORD = loadEvent<SNSEvent>('alerts', 'cloudwatch-alarm').Records[0] as SNSEventRecord;
const ALARM_TOPIC = SNS_RECORD.Sns.TopicArn;

const OCEANBASE = sandboxPairsOf('oceanbase');
const HUAWEI = sandboxPairsOf('huawei');
const ALIBABA = sandboxPairsOf('alibaba');

interface Consumer {
  kind: string;
  handler: (event: never, context: never) => Promise<unknown>;
  /** Pairs whose provider runs this kind: a dry run there is a valid message that changes nothing. */
  dryRunPairs: string[];
  /** Pairs whose provider lacks this kind (DESIGN.md's table): a message naming one is refused. */
  unsupportedPairs: string[];
  fields: Record<string, fc.Arbitrary<unknown>>;
}

const CONSUMERS: Consumer[] = [
  {
    kind: 'switchover',
    handler: switchover,
    dryRunPairs: OCEANBASE,
    unsupportedPairs: [...HUAWEI, ...ALIBABA],
    fields: {},
  },
  {
    kind: 'configure-dr',
    handler: configureDr,
    dryRunPairs: HUAWEI,
    unsupportedPairs: [...OCEANBASE, ...ALIBABA],
    fields: {},
  },
  {
    kind: 'promote-standby',
    handler: promoteStandby,
    dryRunPairs: [...OCEANBASE, ...HUAWEI, ...ALIBABA],
    unsupportedPairs: [],
    fields: { allowDataLoss: fc.boolean() },
  },
  {
    kind: 'upgrade-minor-version',
    handler: upgradeMinorVersion,
    dryRunPairs: [...HUAWEI, ...ALIBABA],
    unsupportedPairs: OCEANBASE,
    fields: {
      instance: fc.constantFrom('primary', 'dr'),
      isDelayed: fc.boolean(),
      targetMinorVersion: fc.stringMatching(/^[A-Za-z0-9_.-]{1,70}$/),
      secondSwitch: fc.boolean(),
    },
  },
  {
    kind: 'activate-migration-target',
    handler: activateMigrationTarget,
    dryRunPairs: ALIBABA,
    unsupportedPairs: [...OCEANBASE, ...HUAWEI],
    fields: { force: fc.boolean() },
  },
];

/** Messages a consumer must refuse: not JSON, wrong shape, unknown pair, a pair of another provider. */
function poisonMessage(consumer: Consumer): fc.Arbitrary<string> {
  const request = objectWithFields({
    pair: unknownPairName,
    dryRun: fc.boolean(),
    reason: fc.string({ maxLength: 600 }),
    requestedBy: junkString,
    idempotencyKey: junkString,
    source: fc.constantFrom('queue', 'chat'),
    trigger: objectWithFields({
      type: fc.constant('alert'),
      source: junkString,
      name: junkString,
      fingerprint: junkString,
      decisionId: junkString,
    }),
    approval: objectWithFields({ reason: junkString, approversNeeded: fc.constantFrom(1, 2) }),
    ...consumer.fields,
  });
  // A decision always names itself as one, for an operation that does not exist.
  const decision = objectWithFields({
    operationId: fc.oneof(fc.stringMatching(ULID_PATTERN), junkString),
    by: junkString,
    comment: junkString,
  }).chain((d) => fc.constantFrom('approve', 'reject', 'ignore').map((decide) => ({ ...d, decide })));
  return fc.oneof(
    junkString,
    fc.jsonValue().map((v) => JSON.stringify(v)),
    { weight: 3, arbitrary: request.map((r) => JSON.stringify(r)) },
    ...(consumer.unsupportedPairs.length > 0
      ? [
          fc
            .tuple(request, fc.constantFrom(...consumer.unsupportedPairs))
            .map(([r, pair]) => JSON.stringify({ ...r, pair, dryRun: true })),
        ]
      : []),
    decision.map((d) => JSON.stringify(d)),
  );
}

/** A valid message that changes nothing: a dry run on a pair that supports the kind. */
const dryRunMessage = (consumer: Consumer) =>
  fc
    .record(
      { pair: fc.constantFrom(...consumer.dryRunPairs), reason: fc.string({ maxLength: 100 }) },
      { requiredKeys: ['pair'] },
    )
    .map((m) => JSON.stringify({ ...m, dryRun: true }));

function sqsEvent(consumer: Consumer, bodies: { body: string; poison: boolean }[], run: number): SQSEvent {
  return {
    Records: bodies.map(({ body }, i) => ({
      ...structuredClone(SQS_RECORD),
      messageId: `fuzz-${run}-${i}`,
      body,
      eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:switchyard-dev-${consumer.kind}`,
    })),
  };
}

describe('queue consumers under hostile messages', () => {
  it.each(CONSUMERS.map((c) => [c.kind, c] as const))(
    '%s: each poison message goes to the DLQ alone, its valid neighbours are handled, nothing is written',
    async (_kind, consumer) => {
      const itemsBefore = await writes.tableItems();
      let run = 0;
      const batch = fc
        .array(
          fc.oneof(
            { weight: 5, arbitrary: poisonMessage(consumer).map((body) => ({ body, poison: true })) },
            { weight: 1, arbitrary: dryRunMessage(consumer).map((body) => ({ body, poison: false })) },
          ),
          { minLength: 1, maxLength: 6 },
        )
        .filter((records) => records.filter((r) => !r.poison).length <= 2);
      await fc.assert(
        fc.asyncProperty(batch, async (records) => {
          const event = sqsEvent(consumer, records, run++);
          const before = writes.count();
          const result = (await consumer.handler(event as never, lambdaContext() as never)) as {
            batchItemFailures: { itemIdentifier: string }[];
          };
          const poisoned = event.Records.filter((_, i) => records[i]?.poison).map((r) => r.messageId);
          expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(poisoned);
          expect(writes.count()).toBe(before);
        }),
        { numRuns: RUNS },
      );
      expect(await writes.tableItems()).toBe(itemsBefore);
    },
  );
});

/** The alarm JSON CloudWatch publishes, fields plausible or junk; never one an alert route matches. */
const alarmName = fc.oneof(unroutedLabel, longString);
const alarmMessage = objectWithFields({
  AlarmName: alarmName,
  AlarmDescription: fc.option(junkString, { nil: null }),
  AlarmArn: fc.oneof(
    alarmName.map((name) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`),
    longString,
  ),
  NewStateValue: fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA'),
  NewStateReason: junkString,
  StateChangeTime: fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(/Z$/, '+0000')),
    junkString,
  ),
  Trigger: objectWithFields({
    MetricName: junkString,
    Namespace: junkString,
    Dimensions: fc.array(objectWithFields({ name: mapKey, value: unroutedLabel }), { maxLength: 3 }),
  }),
});

const snsRecord = fc
  .record({
    TopicArn: fc.oneof({ weight: 4, arbitrary: fc.constant(ALARM_TOPIC) }, junkString),
    MessageId: fc.uuid(),
    Message: fc.oneof(
      { weight: 4, arbitrary: alarmMessage.map((m) => JSON.stringify(m)) },
      junkString,
      fc.jsonValue().map((v) => JSON.stringify(v)),
    ),
  })
  .map((sns) => ({ ...structuredClone(SNS_RECORD), Sns: { ...structuredClone(SNS_RECORD.Sns), ...sns } }));

const snsEvent: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.array(snsRecord, { maxLength: 3 }).map((Records) => ({ Records })) },
  fc.anything(),
  objectWithFields({ Records: fc.array(junkValue, { maxLength: 3 }) }),
);

describe('CloudWatch alarm intake under hostile SNS events', () => {
  it('never throws (Lambda would retry it), and writes nothing when it decides nothing', async () => {
    await expectOnlyCountedWrites(writes, () =>
      fc.assert(
        fc.asyncProperty(snsEvent, async (event) => {
          const before = writes.count();
          const result = await alertsCloudwatch(event as never, lambdaContext());
          expect(result).toEqual({ decisions: expect.any(Number), skipped: expect.any(Number) });
          if (result.decisions === 0) expect(writes.count()).toBe(before);
        }),
        { numRuns: RUNS },
      ),
    );
  });
});

const ALERT_WEBHOOKS = [
  {
    name: 'alerts-alertmanager',
    handler: alertsAlertmanager,
    route: '/v1/alerts/alertmanager',
    authorization: 'Bearer sandbox-alertmanager-token',
    payload: fc.record({
      version: fc.constant('4'),
      groupKey: junkString,
      status: fc.constantFrom('firing', 'resolved'),
      alerts: fc.array(webhookAlert, { minLength: 1, maxLength: 2 }),
    }),
  },
  {
    name: 'alerts-grafana',
    handler: alertsGrafana,
    route: '/v1/alerts/grafana',
    authorization: `Basic ${Buffer.from('grafana:sandbox-grafana-password').toString('base64')}`,
    payload: fc.record({
      receiver: junkString,
      status: fc.constantFrom('firing', 'resolved'),
      alerts: fc.array(webhookAlert, { minLength: 1, maxLength: 2 }),
    }),
  },
];

// A valid envelope, so each alert's own fields are exercised; junk envelopes are in the HTTP fuzz.
describe('alert webhooks under hostile payloads from an authenticated sender', () => {
  it.each(ALERT_WEBHOOKS.map((w) => [w.name, w] as const))(
    '%s: never a 5xx, refusals as problem+json, nothing written unless an alert was decided',
    async (_name, webhook) => {
      await expectOnlyCountedWrites(writes, () =>
        fc.assert(
          fc.asyncProperty(hostileBody(webhook.payload), async (body) => {
            const before = writes.count();
            const event = httpEvent({
              method: 'POST',
              route: webhook.route,
              headers: { authorization: webhook.authorization, 'content-type': 'application/json' },
              ...body,
            });
            const answer = expectWellFormedAnswer(await webhook.handler(event, lambdaContext()));
            expect(answer.status).not.toBe(401);
            if (answer.status !== 200 || answer.body.decisions.length === 0)
              expect(writes.count()).toBe(before);
          }),
          { numRuns: RUNS },
        ),
      );
    },
  );
});
