import * as z from 'zod';
import { ULID_PATTERN } from '../../shared/domain/ids.js';

/** GET /v1/operations/{id} */
export const GetOperationPathSchema = z.object({
  id: z.string().regex(ULID_PATTERN, 'an operation id (ULID)'),
});
export type GetOperationPath = z.infer<typeof GetOperationPathSchema>;
