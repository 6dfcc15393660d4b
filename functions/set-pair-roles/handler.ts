import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { setPairRoles } from '../../shared/failover/people-actions.js';
import { SetPairRolesBodySchema, SetPairRolesPathSchema } from './schema.js';

/** PUT /v1/pairs/{pair}/roles: what every later operation and alert takes for the pair's primary. */
export const handler = httpHandler(
  {
    scope: 'admin',
    path: SetPairRolesPathSchema,
    body: SetPairRolesBodySchema,
    async handle({ deps, path, body, principal }) {
      return { status: 200, body: await setPairRoles(deps, path.pair, body.primary, body.reason, principal) };
    },
  },
  sharedDeps,
);
