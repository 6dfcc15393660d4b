import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { readBrake } from '../../shared/views/pair-status.js';
import { GetBrakeQuerySchema } from './schema.js';

/** GET /v1/brake: engaged or not, by whom and why, and the automatic failovers counted this hour. */
export const handler = httpHandler(
  {
    scope: 'read',
    query: GetBrakeQuerySchema,
    async handle({ deps }) {
      return { status: 200, body: await readBrake(deps) };
    },
  },
  sharedDeps,
);
