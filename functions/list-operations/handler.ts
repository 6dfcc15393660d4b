import { configuredPair } from '../../shared/config/config-schema.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { UnprocessableError } from '../../shared/domain/errors.js';
import { operationView } from '../../shared/domain/operation.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { ListOperationsQuerySchema } from './schema.js';

const invalidCursor = () =>
  new UnprocessableError('invalid_cursor', 'The cursor is not one this API gave out.', {
    errors: [{ field: 'query.cursor', message: 'not a cursor from a previous page' }],
  });

/** The store's cursors are base64url JSON of a key whose attributes are strings; nothing else can be one. */
function looksLikeCursor(cursor: string): boolean {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return (
      typeof key === 'object' &&
      key !== null &&
      !Array.isArray(key) &&
      Object.values(key).every((value) => typeof value === 'string')
    );
  } catch {
    return false;
  }
}

export const handler = httpHandler(
  {
    scope: 'read',
    query: ListOperationsQuerySchema,
    async handle({ deps, query }) {
      if (query.pair) configuredPair(deps.config, query.pair, 'query.pair');
      if (query.cursor && !looksLikeCursor(query.cursor)) throw invalidCursor();
      let page: Awaited<ReturnType<typeof deps.store.list>>;
      try {
        page = await deps.store.list(query);
      } catch (error) {
        // DynamoDB refuses a key of the right shape that starts no page of this listing (another pair, made up).
        if (query.cursor && error instanceof Error && error.name === 'ValidationException')
          throw invalidCursor();
        throw error;
      }
      return { status: 200, body: { items: page.items.map(operationView), nextCursor: page.cursor ?? null } };
    },
  },
  sharedDeps,
);
