import * as z from 'zod';
import { CommonRequestFields } from '../../shared/edge/operation-function.js';

/** POST /v1/switchovers and the switchover queue: swap the roles of a pair's primary and standby. */
export const SwitchoverRequestSchema = z.strictObject({ ...CommonRequestFields });
export type SwitchoverRequest = z.infer<typeof SwitchoverRequestSchema>;
