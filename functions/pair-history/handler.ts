import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { pairHistory } from '../../shared/views/pair-history.js';
import { PairHistoryPathSchema, PairHistoryQuerySchema } from './schema.js';

/** GET /v1/pairs/{pair}/history: every promotion and switchover of the pair, with its RTO, RPO and outcome. */
export const handler = httpHandler(
  {
    scope: 'read',
    path: PairHistoryPathSchema,
    query: PairHistoryQuerySchema,
    async handle({ deps, path, query }) {
      return { status: 200, body: await pairHistory(deps, path.pair, query.limit, query.cursor) };
    },
  },
  sharedDeps,
);
