import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { describePair } from '../../shared/views/pair-status.js';
import { GetPairPathSchema, GetPairQuerySchema } from './schema.js';

/** GET /v1/pairs/{pair}: one pair in full, with its recent operations and decisions. */
export const handler = httpHandler(
  {
    scope: 'read',
    path: GetPairPathSchema,
    query: GetPairQuerySchema,
    async handle({ deps, path, query }) {
      return { status: 200, body: await describePair(deps, path.pair, query.recent) };
    },
  },
  sharedDeps,
);
