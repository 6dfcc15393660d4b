import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';

type Handler<E> = (event: E, context: Context) => Promise<unknown>;

/** One Lambda function per operation takes both its HTTP route and its queue: route by event shape. */
export function routeEvents(handlers: { http: Handler<APIGatewayProxyEventV2>; sqs: Handler<SQSEvent> }) {
  return (event: APIGatewayProxyEventV2 | SQSEvent, context: Context) =>
    'Records' in event && Array.isArray(event.Records)
      ? handlers.sqs(event, context)
      : handlers.http(event as APIGatewayProxyEventV2, context);
}
