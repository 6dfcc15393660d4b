import * as z from 'zod';
import { PairNameSchema } from '../../shared/domain/pair-policy.js';
import { queryInteger } from '../../shared/edge/query.js';

/** GET /v1/pairs/{pair}/history?limit=&cursor= */
export const PairHistoryPathSchema = z.object({ pair: PairNameSchema });
export const PairHistoryQuerySchema = z.strictObject({
  /** How many runs at most, newest first. */
  limit: queryInteger(1, 100).default(20),
  /** The `cursor` of the previous page, unchanged. */
  cursor: z
    .string()
    .max(2048)
    .regex(/^[A-Za-z0-9_-]+$/, 'the cursor of the previous page, unchanged')
    .optional(),
});
