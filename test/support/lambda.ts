import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';

/** A Lambda context with time to spare, as the runtime hands it to a handler. */
export function lambdaContext(remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'switchyard-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:switchyard-test',
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/switchyard-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** The parts of an HTTP API answer a client sees. */
export function httpAnswer(result: unknown): HttpAnswer {
  const r = result as Exclude<APIGatewayProxyResultV2, string>;
  return {
    status: r.statusCode ?? 200,
    headers: (r.headers ?? {}) as Record<string, string>,
    body: r.body ? JSON.parse(r.body) : undefined,
  };
}
