import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { SetBrakeBodySchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'admin',
    body: SetBrakeBodySchema,
    async handle({ deps, body, principal }) {
      const brake = await deps.failover.getBrake();
      const at = deps.now().toISOString();
      // Releasing re-arms: the failovers counted towards the hourly limit start from zero.
      const next = {
        ...brake,
        engaged: body.engaged,
        reason: body.engaged ? (body.reason ?? `engaged by ${principal.principal}`) : undefined,
        changedAt: at,
        changedBy: principal.principal,
        recent: body.engaged ? brake.recent : [],
        version: brake.version + 1,
      };
      await deps.failover.putBrake(next);
      return {
        status: 200,
        body: {
          engaged: next.engaged,
          reason: next.reason ?? null,
          changedAt: at,
          changedBy: next.changedBy,
        },
      };
    },
  },
  sharedDeps,
);
