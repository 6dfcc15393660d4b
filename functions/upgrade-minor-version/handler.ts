import { sharedDeps } from '../../shared/create-deps.js';
import { operationFunction } from '../../shared/operations/operation-function.js';
import { UpgradeMinorVersionRequestSchema } from './schema.js';

export const handler = operationFunction(
  {
    kind: 'upgrade-minor-version',
    schema: UpgradeMinorVersionRequestSchema,
    params: ({ instance, isDelayed, secondSwitch, targetMinorVersion }) => ({
      instance,
      ...(isDelayed === undefined ? {} : { isDelayed }),
      ...(secondSwitch === undefined ? {} : { secondSwitch }),
      ...(targetMinorVersion === undefined ? {} : { targetMinorVersion }),
    }),
  },
  sharedDeps,
);
