import { sharedDeps } from '../../shared/create-deps.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { operationView } from '../../shared/domain/operation.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { GetOperationPathSchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'read',
    path: GetOperationPathSchema,
    async handle({ deps, path }) {
      const operation = await deps.store.get(path.id);
      if (!operation) throw new NotFoundError(`No operation ${path.id}.`);
      return { status: 200, body: { operation: operationView(operation) } };
    },
  },
  sharedDeps,
);
