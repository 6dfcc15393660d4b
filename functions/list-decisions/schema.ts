import * as z from 'zod';
import { queryInteger } from '../../shared/edge/query.js';

/** GET /v1/decisions?pair=&limit= (without a pair: alerts that matched no route). */
export const ListDecisionsQuerySchema = z.strictObject({
  pair: z.string().min(1).max(63).optional(),
  limit: queryInteger(1, 100).default(25),
});
export type ListDecisionsQuery = z.infer<typeof ListDecisionsQuerySchema>;
