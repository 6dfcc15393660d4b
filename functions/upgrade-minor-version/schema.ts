import { z } from 'zod';
import { CommonRequestFields } from '../../shared/operations/operation-function.js';

/** POST /v1/minor-upgrades and the upgrade-minor-version queue. */
export const UpgradeMinorVersionRequestSchema = z.strictObject({
  ...CommonRequestFields,
  /** Which instance of the pair to upgrade. */
  instance: z.enum(['primary', 'dr']).default('primary'),
  /** Huawei `is_delayed`: upgrade in the maintenance window instead of now (not for PostgreSQL). */
  isDelayed: z.boolean().optional(),
  /** Huawei `second_switch`: switch back after upgrading so the AZs stay as they were (MySQL primary/standby only). */
  secondSwitch: z.boolean().optional(),
});
export type UpgradeMinorVersionRequest = z.infer<typeof UpgradeMinorVersionRequestSchema>;
