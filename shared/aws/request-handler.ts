import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** A connection to an AWS endpoint in the same region is made in well under this; a longer wait is a fault. */
export const AWS_CONNECT_TIMEOUT_MS = 1_000;

/** DynamoDB, SQS, SNS and SSM answer in milliseconds; five seconds is a service in trouble, not a slow answer. */
export const AWS_REQUEST_TIMEOUT_MS = 5_000;

const invocation = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs one invocation's work with its Lambda signal (middy's, which fires just before the function is stopped):
 * every AWS call made within it is cancelled then, rather than left to outlive the invocation.
 */
export function withInvocationSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  // Each AWS request listens on it while in flight and stops when it ends: an invocation's concurrent calls (the
  // poller's workers, a notification's channels) are not a leak, so Node's warning at eleven is lifted.
  setMaxListeners(256, signal);
  return invocation.run(signal, work);
}

/** An HTTP handler that gives each AWS request the signal of the invocation it is made in. */
class InvocationBoundHandler extends NodeHttpHandler {
  override handle(...[request, options]: Parameters<NodeHttpHandler['handle']>) {
    return super.handle(request, { ...options, abortSignal: options?.abortSignal ?? invocation.getStore() });
  }
}

/**
 * The request handler every AWS SDK client of Switchyard is built with: connect and answer timeouts (the SDK has
 * none by default, so a hung endpoint would hold a function to its hard timeout), and the invocation's signal.
 */
export function awsRequestHandler(): NodeHttpHandler {
  return new InvocationBoundHandler({
    connectionTimeout: AWS_CONNECT_TIMEOUT_MS,
    requestTimeout: AWS_REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  });
}
