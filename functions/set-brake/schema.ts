import * as z from 'zod';

/** POST /v1/brake: engage (every pair waits for a person) or release and re-arm automatic failover. */
export const SetBrakeBodySchema = z.strictObject({
  engaged: z.boolean(),
  reason: z.string().min(1).max(500).optional(),
});
export type SetBrakeBody = z.infer<typeof SetBrakeBodySchema>;
