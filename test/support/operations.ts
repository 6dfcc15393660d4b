import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as pollJobs } from '../../functions/poll-jobs/handler.js';
import type { Deps } from '../../shared/deps.js';
import { isTerminal, type Operation } from '../../shared/domain/operation.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { rejectOperation } from '../../shared/operations/approve-operation.js';
import type { OperationStore } from '../../shared/store/operation-store.js';
import { loadEvent } from './fixtures.js';
import { type HttpAnswer, httpAnswer, lambdaContext } from './lambda.js';

type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: ReturnType<typeof lambdaContext>,
) => Promise<unknown>;

/** POSTs a body to an operation function, starting from its sample event in events/http/. */
export async function postOperation(
  handler: HttpHandler,
  eventVariant: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const event = loadEvent<APIGatewayProxyEventV2>('http', eventVariant);
  event.body = JSON.stringify(body);
  delete event.headers['idempotency-key'];
  Object.assign(event.headers, headers);
  return httpAnswer(await handler(event, lambdaContext()));
}

/** A person's approval or rejection (whichever handler is given) of a waiting operation, with their API key. */
export async function decideOperation(
  handler: HttpHandler,
  id: string,
  key: string,
  comment?: string,
): Promise<HttpAnswer> {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'get-operation');
  event.requestContext.http.method = 'POST';
  event.rawPath = `/v1/operations/${id}/approve`;
  event.pathParameters = { id };
  event.headers.authorization = `Bearer ${key}`;
  event.headers['content-type'] = 'application/json';
  event.body = JSON.stringify(comment ? { comment } : {});
  return httpAnswer(await handler(event, lambdaContext()));
}

/** Runs the scheduled poller a tick at a time, as the schedule would, until the operation ends. */
export async function pollUntilDone(store: OperationStore, id: string, maxTicks = 300): Promise<Operation> {
  for (let tick = 0; tick < maxTicks; tick++) {
    await pollJobs(loadEvent('schedule', 'poll-jobs'), lambdaContext());
    const operation = await store.get(id);
    if (operation && isTerminal(operation.state)) return operation;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`operation ${id} did not finish`);
}

/** Idle pairs for the next test: operations waiting for approval rejected, running ones run to their end. */
export async function settleOperations(store: OperationStore, deps: Deps): Promise<void> {
  for (let i = 0; i < 200 && (await store.listActive()).length > 0; i++) {
    for (const waiting of (await store.listActive()).filter((o) => o.state === 'PENDING_APPROVAL'))
      await rejectOperation(deps, waiting.id, { principal: 'test-cleanup', channel: 'http' }, 'next test');
    await pollActiveOperations(deps);
  }
}
