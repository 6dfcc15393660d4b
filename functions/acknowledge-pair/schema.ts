import * as z from 'zod';

/**
 * POST /v1/pairs/{pair}/ack (scope approve): a person has looked at the last automatic failover; the cooldown ends.
 * Announced with its note as the reason.
 */
export const AcknowledgePairPathSchema = z.object({ pair: z.string().min(1).max(63) });
export const AcknowledgePairBodySchema = z.strictObject({
  note: z.string().max(500).optional(),
  /** The person has taken the old primary out of service: a split-brain risk Switchyard could not fence ends. */
  oldPrimaryRetired: z.boolean().optional(),
});
export type AcknowledgePairBody = z.infer<typeof AcknowledgePairBodySchema>;
