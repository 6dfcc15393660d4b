import { sharedDeps } from '../../shared/create-deps.js';
import { UnprocessableError } from '../../shared/domain/errors.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ListOperationsQuerySchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'read',
    query: ListOperationsQuerySchema,
    async handle({ deps, query }) {
      if (query.pair && !deps.config.pairs.some((p) => p.name === query.pair))
        throw new UnprocessableError('unknown_pair', `No pair named "${query.pair}" is configured.`, {
          errors: [{ field: 'query.pair', message: `no pair named "${query.pair}"` }],
        });
      let page: Awaited<ReturnType<typeof deps.store.list>>;
      try {
        page = await deps.store.list(query);
      } catch (error) {
        if (
          query.cursor &&
          error instanceof Error &&
          /ExclusiveStartKey|JSON|Unexpected/.test(`${error.name} ${error.message}`)
        )
          throw new UnprocessableError('invalid_cursor', 'The cursor is not one this API gave out.', {
            errors: [{ field: 'query.cursor', message: 'not a cursor from a previous page' }],
          });
        throw error;
      }
      return { status: 200, body: { items: page.items, nextCursor: page.cursor ?? null } };
    },
  },
  sharedDeps,
);
