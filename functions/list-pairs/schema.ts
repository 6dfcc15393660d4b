import * as z from 'zod';

/** GET /v1/pairs takes no parameters: every configured pair, in config order. */
export const ListPairsQuerySchema = z.strictObject({});
