import { sharedDeps } from '../../shared/create-deps.js';
import { type OperationFunctionSpec, operationFunction } from '../../shared/edge/operation-function.js';
import { UpgradeMinorVersionRequestSchema } from './schema.js';

/** The upgrade-minor-version function: its kind, request schema and provider parameters. */
export const upgradeMinorVersionFunction: OperationFunctionSpec<typeof UpgradeMinorVersionRequestSchema> = {
  kind: 'upgrade-minor-version',
  schema: UpgradeMinorVersionRequestSchema,
  params: ({ instance, isDelayed, secondSwitch, targetMinorVersion }) => ({
    instance,
    ...(isDelayed === undefined ? {} : { isDelayed }),
    ...(secondSwitch === undefined ? {} : { secondSwitch }),
    ...(targetMinorVersion === undefined ? {} : { targetMinorVersion }),
  }),
};

export const handler = operationFunction(upgradeMinorVersionFunction, sharedDeps);
