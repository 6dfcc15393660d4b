import { sharedDeps } from '../../shared/create-deps.js';
import { UnprocessableError } from '../../shared/domain/errors.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { ListDecisionsQuerySchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'read',
    query: ListDecisionsQuerySchema,
    async handle({ deps, query }) {
      if (query.pair && !deps.config.pairs.some((p) => p.name === query.pair))
        throw new UnprocessableError('unknown_pair', `No pair named "${query.pair}" is configured.`, {
          errors: [{ field: 'query.pair', message: `no pair named "${query.pair}"` }],
        });
      return { status: 200, body: { items: await deps.failover.listDecisions(query.pair, query.limit) } };
    },
  },
  sharedDeps,
);
