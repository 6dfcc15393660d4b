import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { acknowledgePair } from '../../shared/failover/people-actions.js';
import { AcknowledgePairBodySchema, AcknowledgePairPathSchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'operate',
    path: AcknowledgePairPathSchema,
    body: AcknowledgePairBodySchema,
    async handle({ deps, path, body, principal }) {
      return {
        status: 200,
        body: await acknowledgePair(deps, path.pair, principal, {
          oldPrimaryRetired: body.oldPrimaryRetired,
        }),
      };
    },
  },
  sharedDeps,
);
