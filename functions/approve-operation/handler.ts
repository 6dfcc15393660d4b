import { sharedDeps } from '../../shared/create-deps.js';
import { operationView } from '../../shared/domain/operation.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { approveOperation } from '../../shared/operations/approve-operation.js';
import { DecideOperationBodySchema, DecideOperationPathSchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'approve',
    path: DecideOperationPathSchema,
    body: DecideOperationBodySchema,
    async handle({ deps, path, body, principal, signal }) {
      const operation = await approveOperation(deps, path.id, principal, body.comment, { signal });
      return { status: 200, body: { operation: operationView(operation) } };
    },
  },
  sharedDeps,
);
