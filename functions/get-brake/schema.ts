import * as z from 'zod';

/** GET /v1/brake takes no parameters. */
export const GetBrakeQuerySchema = z.strictObject({});
