import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type middy from '@middy/core';
import { logger } from './logger.js';
import { flushMetrics } from './metrics.js';

/**
 * What every Switchyard function wears: the logger carries the Lambda request id (and cold start) on each line, and
 * the invocation's metrics are written when it ends, however it ends.
 */
export function observed(): middy.MiddlewareObj[] {
  const flush = async () => flushMetrics();
  return [injectLambdaContext(logger, { resetKeys: true }), { after: flush, onError: flush }];
}
