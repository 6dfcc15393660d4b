import { sharedDeps } from '../../shared/create-deps.js';
import { type OperationFunctionSpec, operationFunction } from '../../shared/edge/operation-function.js';
import { SwitchoverRequestSchema } from './schema.js';

/** The switchover function: its kind, request schema and provider parameters. */
export const switchoverFunction: OperationFunctionSpec<typeof SwitchoverRequestSchema> = {
  kind: 'switchover',
  schema: SwitchoverRequestSchema,
  params: () => ({}),
};

export const handler = operationFunction(switchoverFunction, sharedDeps);
