import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { sharedDeps } from '../../shared/create-deps.js';
import { TIMEOUT_EARLY_MS } from '../../shared/http/http-handler.js';
import { type PollSummary, pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { type PollJobsEvent, PollJobsEventSchema } from './schema.js';

/** The scheduled poller: advances every active operation once per tick. */
export const handler = middy<PollJobsEvent, PollSummary, Error, Context>({
  timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
}).handler(async (event, _context, { signal }) => {
  PollJobsEventSchema.parse(event ?? {});
  const summary = await pollActiveOperations(await sharedDeps(), { signal });
  if (summary.active > 0 || summary.errors.length > 0) console.log(`[poll-jobs] ${JSON.stringify(summary)}`);
  return summary;
});
