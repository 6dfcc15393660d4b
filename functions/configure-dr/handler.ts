import { sharedDeps } from '../../shared/create-deps.js';
import { type OperationFunctionSpec, operationFunction } from '../../shared/edge/operation-function.js';
import { ConfigureDrRequestSchema } from './schema.js';

/** The configure-dr function: its kind, request schema and provider parameters. */
export const configureDrFunction: OperationFunctionSpec<typeof ConfigureDrRequestSchema> = {
  kind: 'configure-dr',
  schema: ConfigureDrRequestSchema,
  params: () => ({}),
};

export const handler = operationFunction(configureDrFunction, sharedDeps);
