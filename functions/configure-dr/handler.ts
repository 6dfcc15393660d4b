import { sharedDeps } from '../../shared/create-deps.js';
import { operationFunction } from '../../shared/operations/operation-function.js';
import { ConfigureDrRequestSchema } from './schema.js';

export const handler = operationFunction(
  { kind: 'configure-dr', schema: ConfigureDrRequestSchema, params: () => ({}) },
  sharedDeps,
);
