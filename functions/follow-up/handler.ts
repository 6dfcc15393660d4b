import { internalSigningKey } from '../../shared/config/internal-key.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { validationError } from '../../shared/edge/problem.js';
import { sqsHandler } from '../../shared/edge/sqs-handler.js';
import { evaluateDecision } from '../../shared/failover/decide-alert.js';
import { advanceDrill } from '../../shared/failover/drill.js';
import { FollowUpSchema } from '../../shared/operations/follow-up.js';
import { handleFollowUp } from '../../shared/operations/handle-follow-up.js';
import { SealedMessageSchema, unseal } from '../../shared/queue/internal-message.js';
import { logger } from '../../shared/telemetry/logger.js';

/**
 * The follow-up queue's consumer: Switchyard's own delayed reminders to look at one operation (as one poller step
 * does, then the next reminder) or one held decision at the end of its hold-off. Only sealed messages are taken:
 * no one else sends here, and an unsealed or wrongly sealed one goes to the dead-letter queue, nothing done.
 */
export const handler = sqsHandler(
  {
    schema: SealedMessageSchema,
    // Each follow-up is about its own operation or decision, under its own conditional writes: a batch's are taken
    // at once, so the job reads of operations on one provider account go out as one list call where it has one.
    inParallel: true,
    async handle({ deps, message, signal }) {
      const payload = unseal(message, {
        key: await internalSigningKey(deps.config, deps.secrets),
        kind: 'follow-up',
        now: deps.now(),
        maxAgeMs: deps.config.operations.idempotencyTtlSeconds * 1000,
      });
      const followUp = FollowUpSchema.safeParse(payload);
      if (!followUp.success) throw validationError(followUp.error, 'body.switchyard.payload');
      const outcome = await handleFollowUp(
        deps,
        followUp.data,
        { decide: evaluateDecision, advancers: { drill: advanceDrill } },
        { signal },
      );
      logger.debug('follow-up', {
        scope: 'follow-up',
        about: followUp.data.about,
        id: followUp.data.id,
        outcome,
      });
    },
  },
  sharedDeps,
);
