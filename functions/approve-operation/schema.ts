import * as z from 'zod';
import { ULID_PATTERN } from '../../shared/domain/ids.js';

/** POST /v1/operations/{id}/approve and /reject. */
export const DecideOperationPathSchema = z.object({
  id: z.string().regex(ULID_PATTERN, 'an operation id (ULID)'),
});
export const DecideOperationBodySchema = z.strictObject({ comment: z.string().max(500).optional() });
export type DecideOperationBody = z.infer<typeof DecideOperationBodySchema>;
