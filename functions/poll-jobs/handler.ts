import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withInvocationSignal } from '../../shared/aws/request-handler.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { TIMEOUT_EARLY_MS, workSignal } from '../../shared/edge/work-signal.js';
import { evaluateDueDecisions } from '../../shared/failover/decide-alert.js';
import { advanceDrill } from '../../shared/failover/drill.js';
import { type PollSummary, pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { fenceAtRiskPairs } from '../../shared/operations/split-brain.js';
import { logger } from '../../shared/telemetry/logger.js';
import { recordMetric } from '../../shared/telemetry/metrics.js';
import { observed } from '../../shared/telemetry/middleware.js';
import { type PollJobsEvent, PollJobsEventSchema } from './schema.js';

type TickSummary = PollSummary & {
  decisions: Awaited<ReturnType<typeof evaluateDueDecisions>>;
  atRisk: Awaited<ReturnType<typeof fenceAtRiskPairs>>;
};

/**
 * The scheduled poller: decides alerts whose hold-off is over, advances every active operation, and fences the
 * old primaries that promotions left unfenced (reported down) once the provider can reach them.
 */
export const handler = middy<PollJobsEvent, TickSummary, Error, Context>({
  timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
})
  .use(observed())
  .handler((event, context, { signal: lambdaSignal }) =>
    withInvocationSignal(lambdaSignal, async () => {
      const signal = workSignal(context, lambdaSignal);
      const started = performance.now();
      // A tick that throws (the store unreachable, the deadline) is measured too: one error, and its duration.
      let errors = 1;
      try {
        PollJobsEventSchema.parse(event ?? {});
        const deps = await sharedDeps();
        const decisions = await evaluateDueDecisions(deps, { signal });
        // A drill is made of switchovers: the poller follows them like any other, and the drill from them.
        const summary = {
          ...(await pollActiveOperations(deps, { signal }, { drill: advanceDrill })),
          decisions,
        };
        const atRisk = await fenceAtRiskPairs(deps, { signal });
        errors = summary.errors.length + decisions.errors.length + atRisk.errors.length;
        recordMetric('PollerBacklog', {}, summary.active);
        // Its metrics say how each tick went; a line is for a tick that went wrong (or, at DEBUG, each busy one).
        if (errors > 0) logger.warn('poller tick with errors', { scope: 'poll-jobs', ...summary, atRisk });
        else if (summary.active > 0 || decisions.due > 0)
          logger.debug('poller tick', { scope: 'poll-jobs', ...summary, atRisk });
        return { ...summary, atRisk };
      } finally {
        recordMetric('PollerTickDuration', {}, performance.now() - started);
        recordMetric('PollerErrors', {}, errors);
      }
    }),
  );
