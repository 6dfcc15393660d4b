import * as z from 'zod';
import { CommonRequestFields } from '../../shared/edge/operation-function.js';

/** POST /v1/minor-upgrades and the upgrade-minor-version queue. */
export const UpgradeMinorVersionRequestSchema = z.strictObject({
  ...CommonRequestFields,
  /** Which instance of the pair to upgrade. */
  instance: z.enum(['primary', 'dr']).default('primary'),
  /** Upgrade in the maintenance window instead of now: Huawei `is_delayed` (not for PostgreSQL), Alibaba `UpgradeTime=MaintainTime`. */
  isDelayed: z.boolean().optional(),
  /** Alibaba `TargetMinorVersion`, e.g. rds_postgres_1400_20250430; the latest when absent. */
  targetMinorVersion: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  /** Huawei `second_switch`: switch back after upgrading so the AZs stay as they were (MySQL primary/standby only). */
  secondSwitch: z.boolean().optional(),
});
export type UpgradeMinorVersionRequest = z.infer<typeof UpgradeMinorVersionRequestSchema>;
