import type { SQSBatchResponse } from 'aws-lambda';
import type { DeliveryTarget } from '../../sandbox/local-sqs.js';
import { lambdaContext } from './lambda.js';

/** The functions that consume a queue, by name. */
type Consumer = { handler: (event: never, context: never) => Promise<unknown> };
const CONSUMERS: Record<string, () => Promise<Consumer>> = {
  switchover: () => import('../../functions/switchover/handler.js'),
  'configure-dr': () => import('../../functions/configure-dr/handler.js'),
  'promote-standby': () => import('../../functions/promote-standby/handler.js'),
  'upgrade-minor-version': () => import('../../functions/upgrade-minor-version/handler.js'),
  'activate-migration-target': () => import('../../functions/activate-migration-target/handler.js'),
  reprotect: () => import('../../functions/reprotect/handler.js'),
  'follow-up': () => import('../../functions/follow-up/handler.js'),
};

/** The function name prefix the test environment gives its queues. */
export const TEST_FUNCTION_PREFIX = 'switchyard-test-';

/**
 * Where the SQS stand-in delivers in a test: the real handler of the queue's function, in this process, as Lambda's
 * event source mapping would call it.
 */
export const inProcessConsumers: DeliveryTarget = {
  async deliver(queue, event) {
    const name = queue.startsWith(TEST_FUNCTION_PREFIX) ? queue.slice(TEST_FUNCTION_PREFIX.length) : '';
    const load = CONSUMERS[name];
    if (!load) throw new Error(`no function consumes ${queue}`);
    const { handler } = await load();
    return (await handler(event as never, lambdaContext() as never)) as SQSBatchResponse | undefined;
  },
};
