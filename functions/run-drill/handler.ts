import { sharedDeps } from '../../shared/create-deps.js';
import { operationView } from '../../shared/domain/operation.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { requestDrill } from '../../shared/failover/drill.js';
import { RunDrillBodySchema } from './schema.js';

/** POST /v1/drills: a drill is an operation; its legs are switchovers of their own, in the pair's history too. */
export const handler = httpHandler(
  {
    scope: 'operate',
    body: RunDrillBodySchema,
    async handle({ deps, body, principal, signal }) {
      const drill = await requestDrill(deps, { ...body, requestedBy: principal }, { signal });
      return {
        status: 202,
        headers: { Location: `/v1/operations/${drill.id}` },
        body: { operation: operationView(drill) },
      };
    },
  },
  sharedDeps,
);
