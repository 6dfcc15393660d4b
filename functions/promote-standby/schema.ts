import * as z from 'zod';
import { CommonRequestFields } from '../../shared/edge/operation-function.js';

/** POST /v1/promotions and the promote-standby queue: make a pair's DR/standby instance the primary. */
export const PromoteStandbyRequestSchema = z.strictObject({
  ...CommonRequestFields,
  /** The person accepts that data may be lost: the promotion then waits for two other people to approve. */
  allowDataLoss: z.boolean().default(false),
});
export type PromoteStandbyRequest = z.infer<typeof PromoteStandbyRequestSchema>;
