import * as z from 'zod';
import { PairNameSchema } from '../../shared/domain/pair-policy.js';
import { queryInteger } from '../../shared/edge/query.js';

/** GET /v1/pairs/{pair}?recent= */
export const GetPairPathSchema = z.object({ pair: PairNameSchema });
export const GetPairQuerySchema = z.strictObject({
  /** How many of its newest operations and decisions to show. */
  recent: queryInteger(1, 50).default(10),
});
