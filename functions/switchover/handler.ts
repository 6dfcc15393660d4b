import { sharedDeps } from '../../shared/create-deps.js';
import { operationFunction } from '../../shared/operations/operation-function.js';
import { SwitchoverRequestSchema } from './schema.js';

export const handler = operationFunction(
  { kind: 'switchover', schema: SwitchoverRequestSchema, params: () => ({}) },
  sharedDeps,
);
