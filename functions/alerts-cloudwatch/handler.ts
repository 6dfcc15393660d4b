import middy from '@middy/core';
import type { Context, SNSEvent } from 'aws-lambda';
import { fromCloudWatch } from '../../shared/alerts/alert.js';
import { withInvocationSignal } from '../../shared/aws/request-handler.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { TIMEOUT_EARLY_MS } from '../../shared/edge/work-signal.js';
import { receiveAlert } from '../../shared/failover/decide-alert.js';
import { CloudWatchAlarmSchema, SnsEventSchema } from './schema.js';

/**
 * CloudWatch alarms delivered by SNS. A message that is not an alarm, from a topic not configured, or
 * for INSUFFICIENT_DATA is logged and skipped: an alert intake never fails on what it does not know.
 */
export const handler = middy<SNSEvent, { decisions: number; skipped: number }, Error, Context>({
  timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
}).handler((event, _context, { signal }) =>
  withInvocationSignal(signal, async () => {
    const deps = await sharedDeps();
    const allowed = new Set(deps.config.alerting.cloudwatch?.topicArns ?? []);
    const parsed = SnsEventSchema.safeParse(event);
    if (!parsed.success) {
      console.warn('[alerts-cloudwatch] not an SNS event; skipped');
      return { decisions: 0, skipped: 1 };
    }
    let decisions = 0;
    let skipped = 0;
    for (const { Sns } of parsed.data.Records) {
      if (!allowed.has(Sns.TopicArn)) {
        console.warn(
          `[alerts-cloudwatch] message ${Sns.MessageId} from unconfigured topic ${Sns.TopicArn}; skipped`,
        );
        skipped++;
        continue;
      }
      let alarm: unknown;
      try {
        alarm = JSON.parse(Sns.Message);
      } catch {
        alarm = undefined;
      }
      const checked = CloudWatchAlarmSchema.safeParse(alarm);
      const alert = checked.success ? fromCloudWatch(checked.data) : undefined;
      if (!alert) {
        console.warn(
          `[alerts-cloudwatch] message ${Sns.MessageId} is not an ALARM or OK alarm notification; skipped`,
        );
        skipped++;
        continue;
      }
      if (await receiveAlert(deps, alert, { signal })) decisions++;
    }
    return { decisions, skipped };
  }),
);
