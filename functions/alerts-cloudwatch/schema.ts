import * as z from 'zod';

export { type CloudWatchAlarm, CloudWatchAlarmSchema } from '../../shared/alerts/alert.js';

/** The SNS event Lambda receives; the alarm is the JSON in each record's Message. */
export const SnsEventSchema = z.looseObject({
  Records: z.array(
    z.looseObject({
      Sns: z.looseObject({ TopicArn: z.string(), MessageId: z.string(), Message: z.string() }),
    }),
  ),
});
export type SnsEvent = z.infer<typeof SnsEventSchema>;
