import { sharedDeps } from '../../shared/create-deps.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { AcknowledgePairBodySchema, AcknowledgePairPathSchema } from './schema.js';

export const handler = httpHandler(
  {
    scope: 'operate',
    path: AcknowledgePairPathSchema,
    body: AcknowledgePairBodySchema,
    async handle({ deps, path, principal }) {
      if (!deps.config.pairs.some((p) => p.name === path.pair))
        throw new NotFoundError(`No pair named "${path.pair}".`);
      const state = await deps.failover.getPairState(path.pair);
      const next = {
        ...state,
        acknowledgedAt: deps.now().toISOString(),
        acknowledgedBy: principal.principal,
        version: state.version + 1,
      };
      await deps.failover.putPairState(next);
      return {
        status: 200,
        body: {
          pair: path.pair,
          lastAutomaticFailoverAt: next.lastAutomaticFailoverAt ?? null,
          acknowledgedAt: next.acknowledgedAt,
          acknowledgedBy: next.acknowledgedBy,
        },
      };
    },
  },
  sharedDeps,
);
