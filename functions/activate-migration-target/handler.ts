import { sharedDeps } from '../../shared/create-deps.js';
import { operationFunction } from '../../shared/operations/operation-function.js';
import { ActivateMigrationTargetRequestSchema } from './schema.js';

export const handler = operationFunction(
  {
    kind: 'activate-migration-target',
    schema: ActivateMigrationTargetRequestSchema,
    params: ({ force }) => ({ force }),
  },
  sharedDeps,
);
