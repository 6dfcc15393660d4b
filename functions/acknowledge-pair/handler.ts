import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { acknowledgePair } from '../../shared/failover/people-actions.js';
import { AcknowledgePairBodySchema, AcknowledgePairPathSchema } from './schema.js';

export const handler = httpHandler(
  {
    // An ack re-arms automatic failover (a cooldown, or a pair at risk of split brain): a decision, not an operation.
    scope: 'approve',
    path: AcknowledgePairPathSchema,
    body: AcknowledgePairBodySchema,
    async handle({ deps, path, body, principal }) {
      return {
        status: 200,
        body: await acknowledgePair(deps, path.pair, principal, {
          oldPrimaryRetired: body.oldPrimaryRetired,
          reason: body.note,
        }),
      };
    },
  },
  sharedDeps,
);
