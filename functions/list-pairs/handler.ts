import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { listPairs } from '../../shared/views/pair-status.js';
import { ListPairsQuerySchema } from './schema.js';

/** GET /v1/pairs: every pair at a glance, with the brake. */
export const handler = httpHandler(
  {
    scope: 'read',
    query: ListPairsQuerySchema,
    async handle({ deps }) {
      return { status: 200, body: await listPairs(deps) };
    },
  },
  sharedDeps,
);
