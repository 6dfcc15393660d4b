import * as z from 'zod';
import { CommonRequestFields } from '../../shared/edge/operation-function.js';

/**
 * POST /v1/reprotections and the reprotect queue: rebuild DR in the direction the pair stands now, after a promotion
 * left it without a standby. Refused with the rule named where the provider's own rules or API do not allow it.
 */
export const ReprotectRequestSchema = z.strictObject({ ...CommonRequestFields });
export type ReprotectRequest = z.infer<typeof ReprotectRequestSchema>;
