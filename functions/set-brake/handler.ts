import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { setBrake } from '../../shared/failover/people-actions.js';
import { brakeView } from '../../shared/views/pair-status.js';
import { SetBrakeBodySchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'admin',
    body: SetBrakeBodySchema,
    async handle({ deps, body, principal }) {
      const brake = await setBrake(deps, body.engaged, body.reason, principal);
      return { status: 200, body: brakeView(brake, deps.config, deps.now()) };
    },
  },
  sharedDeps,
);
