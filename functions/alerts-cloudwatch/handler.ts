import middy from '@middy/core';
import type { Context, SNSEvent } from 'aws-lambda';
import { fromCloudWatch } from '../../shared/alerts/alert.js';
import { withInvocationSignal } from '../../shared/aws/request-handler.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { TIMEOUT_EARLY_MS } from '../../shared/edge/work-signal.js';
import { receiveAlert } from '../../shared/failover/decide-alert.js';
import { logger } from '../../shared/telemetry/logger.js';
import { observed } from '../../shared/telemetry/middleware.js';
import { CloudWatchAlarmSchema, SnsEventSchema } from './schema.js';

/**
 * CloudWatch alarms delivered by SNS. A message that is not an alarm, from a topic not configured, or
 * for INSUFFICIENT_DATA is logged and skipped: an alert intake never fails on what it does not know.
 */
export const handler = middy<SNSEvent, { decisions: number; skipped: number }, Error, Context>({
  timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
})
  .use(observed())
  .handler((event, _context, { signal }) =>
    withInvocationSignal(signal, async () => {
      const deps = await sharedDeps();
      const allowed = new Set(deps.config.alerting.cloudwatch?.topicArns ?? []);
      const parsed = SnsEventSchema.safeParse(event);
      if (!parsed.success) {
        logger.warn('not an SNS event; skipped', { scope: 'alerts-cloudwatch' });
        return { decisions: 0, skipped: 1 };
      }
      let decisions = 0;
      let skipped = 0;
      for (const { Sns } of parsed.data.Records) {
        if (!allowed.has(Sns.TopicArn)) {
          logger.warn('a message from a topic not configured; skipped', {
            scope: 'alerts-cloudwatch',
            messageId: Sns.MessageId,
            topicArn: Sns.TopicArn,
          });
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
          logger.warn('not an ALARM or OK alarm notification; skipped', {
            scope: 'alerts-cloudwatch',
            messageId: Sns.MessageId,
          });
          skipped++;
          continue;
        }
        if (await receiveAlert(deps, alert, { signal })) decisions++;
      }
      return { decisions, skipped };
    }),
  );
