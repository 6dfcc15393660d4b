import * as z from 'zod';

/** The EventBridge schedule event (or a manual invoke with `{}`): nothing in it is needed. */
export const EvaluatePairsEventSchema = z.looseObject({ source: z.string().optional() });
export type EvaluatePairsEvent = z.infer<typeof EvaluatePairsEventSchema>;
