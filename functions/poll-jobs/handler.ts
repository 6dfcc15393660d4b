import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withInvocationSignal } from '../../shared/aws/request-handler.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { TIMEOUT_EARLY_MS, workSignal } from '../../shared/edge/work-signal.js';
import { evaluateDueDecisions } from '../../shared/failover/decide-alert.js';
import { type PollSummary, pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { fenceAtRiskPairs } from '../../shared/operations/split-brain.js';
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
}).handler((event, context, { signal: lambdaSignal }) =>
  withInvocationSignal(lambdaSignal, async () => {
    const signal = workSignal(context, lambdaSignal);
    PollJobsEventSchema.parse(event ?? {});
    const deps = await sharedDeps();
    const decisions = await evaluateDueDecisions(deps, { signal });
    const summary = { ...(await pollActiveOperations(deps, { signal })), decisions };
    const atRisk = await fenceAtRiskPairs(deps, { signal });
    if (summary.active > 0 || summary.errors.length > 0 || decisions.due > 0 || atRisk.errors.length > 0)
      console.log(`[poll-jobs] ${JSON.stringify({ ...summary, atRisk })}`);
    return { ...summary, atRisk };
  }),
);
