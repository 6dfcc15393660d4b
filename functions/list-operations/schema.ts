import * as z from 'zod';
import { OperationStateSchema, TERMINAL_STATES } from '../../shared/domain/operation.js';
import { queryInteger } from '../../shared/edge/query.js';

/** GET /v1/operations?pair=&state=&limit=&cursor= */
export const ListOperationsQuerySchema = z
  .strictObject({
    pair: z.string().min(1).max(63).optional(),
    state: OperationStateSchema.optional(),
    limit: queryInteger(1, 100).default(25),
    cursor: z.string().max(2048).optional(),
  })
  .refine((q) => q.pair !== undefined || q.state === undefined || !TERMINAL_STATES.has(q.state), {
    message: 'name a pair to list finished operations; without one only active operations are listed',
    path: ['pair'],
  });
export type ListOperationsQuery = z.infer<typeof ListOperationsQuerySchema>;
