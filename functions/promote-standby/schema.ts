import { z } from 'zod';
import { CommonRequestFields } from '../../shared/operations/operation-function.js';

/** POST /v1/promotions and the promote-standby queue: make a pair's DR/standby instance the primary. */
export const PromoteStandbyRequestSchema = z.strictObject({ ...CommonRequestFields });
export type PromoteStandbyRequest = z.infer<typeof PromoteStandbyRequestSchema>;
