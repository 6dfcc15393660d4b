import * as z from 'zod';

/** The EventBridge schedule event (or a manual invoke with `{}`): nothing in it is needed. */
export const PollJobsEventSchema = z.looseObject({ source: z.string().optional() });
export type PollJobsEvent = z.infer<typeof PollJobsEventSchema>;
