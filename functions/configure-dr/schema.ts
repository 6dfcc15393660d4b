import * as z from 'zod';
import { CommonRequestFields } from '../../shared/edge/operation-function.js';

/** POST /v1/dr-relations and the configure-dr queue: set up DR between a pair's primary and its DR instance. */
export const ConfigureDrRequestSchema = z.strictObject({ ...CommonRequestFields });
export type ConfigureDrRequest = z.infer<typeof ConfigureDrRequestSchema>;
