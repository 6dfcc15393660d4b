import * as z from 'zod';
import { CommonRequestFields } from '../../shared/edge/operation-function.js';

/** POST /v1/migration-activations and its queue: cut a cloud migration over to its RDS destination. */
export const ActivateMigrationTargetRequestSchema = z.strictObject({
  ...CommonRequestFields,
  /** ForceSwitch=1: switch even if Alibaba says the destination is not in sync. Only when a person says so. */
  force: z.boolean().default(false),
});
export type ActivateMigrationTargetRequest = z.infer<typeof ActivateMigrationTargetRequestSchema>;
