import * as z from 'zod';
import { PairNameSchema } from '../../shared/domain/pair-policy.js';

/**
 * POST /v1/drills (scope operate): rehearse a failover of the pair. `switchover` switches it over and back, each leg
 * verified and measured; `evaluation` asks whether a failover would go through now. Absent: the provider decides
 * (a switchover drill where it offers a switchover).
 */
export const RunDrillBodySchema = z.strictObject({
  pair: PairNameSchema,
  kind: z.enum(['switchover', 'evaluation']).optional(),
  reason: z.string().min(1).max(500).optional(),
});
export type RunDrillBody = z.infer<typeof RunDrillBodySchema>;
