import * as z from 'zod';
import { PairNameSchema } from '../../shared/domain/pair-policy.js';

/**
 * PUT /v1/pairs/{pair}/protection (scope approve): a person says the pair is protected again, after rebuilding DR
 * where Switchyard could not (its reprotect answer says why). Only `protected` can be said: the rest is measured.
 */
export const DeclareProtectionPathSchema = z.object({ pair: PairNameSchema });
export const DeclareProtectionBodySchema = z.strictObject({
  state: z.literal('protected'),
  /** What was rebuilt and how: announced with the change and kept on the pair. */
  reason: z.string().min(1).max(500),
});
