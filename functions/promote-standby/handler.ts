import { sharedDeps } from '../../shared/create-deps.js';
import { operationFunction } from '../../shared/operations/operation-function.js';
import { PromoteStandbyRequestSchema } from './schema.js';

export const handler = operationFunction(
  {
    kind: 'promote-standby',
    schema: PromoteStandbyRequestSchema,
    params: ({ allowDataLoss }) => (allowDataLoss ? { allowDataLoss } : {}),
  },
  sharedDeps,
);
