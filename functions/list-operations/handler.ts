import { configuredPair } from '../../shared/config/config-schema.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { operationView } from '../../shared/domain/operation.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { ListOperationsQuerySchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'read',
    query: ListOperationsQuerySchema,
    async handle({ deps, query }) {
      if (query.pair) configuredPair(deps.config, query.pair, 'query.pair');
      // The store refuses a cursor it never gave out (422 invalid_cursor).
      const page = await deps.store.list(query);
      return { status: 200, body: { items: page.items.map(operationView), nextCursor: page.cursor ?? null } };
    },
  },
  sharedDeps,
);
