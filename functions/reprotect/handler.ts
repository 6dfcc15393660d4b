import { sharedDeps } from '../../shared/create-deps.js';
import { type OperationFunctionSpec, operationFunction } from '../../shared/edge/operation-function.js';
import { ReprotectRequestSchema } from './schema.js';

/** The reprotect function: its kind, request schema and provider parameters. */
export const reprotectFunction: OperationFunctionSpec<typeof ReprotectRequestSchema> = {
  kind: 'reprotect',
  schema: ReprotectRequestSchema,
  params: () => ({}),
};

export const handler = operationFunction(reprotectFunction, sharedDeps);
