import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withInvocationSignal } from '../../shared/aws/request-handler.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { TIMEOUT_EARLY_MS, workSignal } from '../../shared/edge/work-signal.js';
import { type DrillScheduleSummary, runDueDrills } from '../../shared/failover/drill.js';
import { type EvaluationSummary, evaluatePairs } from '../../shared/failover/readiness.js';
import { logger } from '../../shared/telemetry/logger.js';
import { observed } from '../../shared/telemetry/middleware.js';
import { type EvaluatePairsEvent, EvaluatePairsEventSchema } from './schema.js';

/**
 * The scheduled evaluation of every pair: would a failover go through now (readiness), and does the pair have a
 * standby that replicates within budget (protection)? Each is recorded on the pair and announced when it changes;
 * an unprotected pair is announced again at the configured interval. Then the pairs whose scheduled drill is due are
 * drilled.
 */
export const handler = middy<
  EvaluatePairsEvent,
  EvaluationSummary & { drills: DrillScheduleSummary },
  Error,
  Context
>({
  timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
})
  .use(observed())
  .handler((event, context, { signal: lambdaSignal }) =>
    withInvocationSignal(lambdaSignal, async () => {
      EvaluatePairsEventSchema.parse(event ?? {});
      const deps = await sharedDeps();
      const signal = workSignal(context, lambdaSignal);
      const evaluatedSince = deps.now();
      const summary = await evaluatePairs(deps, { signal });
      if (summary.errors.length > 0) logger.warn('pairs not evaluated', { scope: 'readiness', ...summary });
      // A pair's scheduled drill (pairs[].drill.everyDays) starts here, after every pair's evaluation is recorded.
      const drills = await runDueDrills(deps, { signal }, evaluatedSince);
      if (drills.errors.length > 0)
        logger.warn('scheduled drills not started', { scope: 'drill', ...drills });
      return { ...summary, drills };
    }),
  );
