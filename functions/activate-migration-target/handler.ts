import { sharedDeps } from '../../shared/create-deps.js';
import { type OperationFunctionSpec, operationFunction } from '../../shared/edge/operation-function.js';
import { ActivateMigrationTargetRequestSchema } from './schema.js';

/** The activate-migration-target function: its kind, request schema and provider parameters. */
export const activateMigrationTargetFunction: OperationFunctionSpec<
  typeof ActivateMigrationTargetRequestSchema
> = {
  kind: 'activate-migration-target',
  schema: ActivateMigrationTargetRequestSchema,
  params: ({ force }) => ({ force }),
};

export const handler = operationFunction(activateMigrationTargetFunction, sharedDeps);
