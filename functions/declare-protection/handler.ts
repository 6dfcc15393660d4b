import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { declareProtected } from '../../shared/failover/people-actions.js';
import { DeclareProtectionBodySchema, DeclareProtectionPathSchema } from './schema.js';

/** PUT /v1/pairs/{pair}/protection: a person's word that DR was rebuilt where no provider API could do it. */
export const handler = httpHandler(
  {
    scope: 'approve',
    path: DeclareProtectionPathSchema,
    body: DeclareProtectionBodySchema,
    async handle({ deps, path, body, principal }) {
      return { status: 200, body: await declareProtected(deps, path.pair, body.reason, principal) };
    },
  },
  sharedDeps,
);
