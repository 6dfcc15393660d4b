import { configuredPair } from '../../shared/config/config-schema.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { ListDecisionsQuerySchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'read',
    query: ListDecisionsQuerySchema,
    async handle({ deps, query }) {
      if (query.pair) configuredPair(deps.config, query.pair, 'query.pair');
      return { status: 200, body: { items: await deps.failover.listDecisions(query.pair, query.limit) } };
    },
  },
  sharedDeps,
);
