import { sharedDeps } from '../../shared/create-deps.js';
import { UnprocessableError } from '../../shared/domain/errors.js';
import { operationView } from '../../shared/domain/operation.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { IdempotencyKeySchema } from '../../shared/edge/operation-function.js';
import { requestDrill } from '../../shared/failover/drill.js';
import { RunDrillBodySchema } from './schema.js';

/** POST /v1/drills: a drill is an operation; its legs are switchovers of their own, in the pair's history too. */
export const handler = httpHandler(
  {
    scope: 'operate',
    body: RunDrillBodySchema,
    async handle({ deps, body, principal, headers, signal }) {
      const key = IdempotencyKeySchema.safeParse(headers['idempotency-key']);
      if (!key.success)
        throw new UnprocessableError('invalid_idempotency_key', 'The Idempotency-Key header is not valid.', {
          errors: [{ field: 'headers.idempotency-key', message: key.error.issues[0]?.message }],
        });
      const { drill, existing } = await requestDrill(
        deps,
        { ...body, requestedBy: principal, idempotencyKey: key.data },
        { signal },
      );
      return {
        status: existing ? 200 : 202,
        headers: {
          Location: `/v1/operations/${drill.id}`,
          ...(existing ? { 'Idempotent-Replayed': 'true' } : {}),
        },
        body: { operation: operationView(drill) },
      };
    },
  },
  sharedDeps,
);
