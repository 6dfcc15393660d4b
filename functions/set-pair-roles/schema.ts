import * as z from 'zod';
import { PairNameSchema } from '../../shared/domain/pair-policy.js';

/** PUT /v1/pairs/{pair}/roles (scope admin): a person says which configured member is the pair's primary now. */
export const SetPairRolesPathSchema = z.object({ pair: PairNameSchema });
export const SetPairRolesBodySchema = z.strictObject({
  /** The member the config calls the primary, or the one it calls the standby (or DR instance). */
  primary: z.enum(['configured-primary', 'configured-standby']),
  /** Why: a failback in the console, a rebuilt DR relation. Announced with the change. */
  reason: z.string().min(1).max(500),
});
