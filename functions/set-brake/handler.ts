import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { setBrake } from '../../shared/failover/people-actions.js';
import { SetBrakeBodySchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'admin',
    body: SetBrakeBodySchema,
    async handle({ deps, body, principal }) {
      return { status: 200, body: await setBrake(deps, body.engaged, body.reason, principal) };
    },
  },
  sharedDeps,
);
