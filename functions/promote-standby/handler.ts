import { sharedDeps } from '../../shared/create-deps.js';
import { type OperationFunctionSpec, operationFunction } from '../../shared/edge/operation-function.js';
import { PromoteStandbyRequestSchema } from './schema.js';

/** The promote-standby function: its kind, request schema and provider parameters. */
export const promoteStandbyFunction: OperationFunctionSpec<typeof PromoteStandbyRequestSchema> = {
  kind: 'promote-standby',
  schema: PromoteStandbyRequestSchema,
  params: ({ allowDataLoss }) => (allowDataLoss ? { allowDataLoss } : {}),
};

export const handler = operationFunction(promoteStandbyFunction, sharedDeps);
