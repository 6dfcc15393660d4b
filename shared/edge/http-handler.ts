import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import { withInvocationSignal } from '../aws/request-handler.js';
import type { Deps } from '../deps.js';
import type { Principal } from '../domain/operation.js';
import { observed } from '../telemetry/middleware.js';
import {
  authenticate,
  type EdgeContext,
  forLambdaRuntime,
  jsonBody,
  loadDeps,
  lowerCaseHeaders,
  problemErrors,
  type RouteGuard,
  rawBody,
  validate,
} from './http-middleware.js';
import { TIMEOUT_EARLY_MS, workSignal } from './work-signal.js';

// The limit stays readable here, where the OpenAPI document states it.
export { MAX_BODY_BYTES } from './http-middleware.js';

export interface HttpResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface HttpRequestContext<B, Q, P> {
  deps: Deps;
  principal: Principal;
  body: B;
  query: Q;
  path: P;
  headers: Record<string, string>;
  signal: AbortSignal;
}

export interface HttpRoute<BS extends z.ZodType, QS extends z.ZodType, PS extends z.ZodType>
  extends RouteGuard {
  body?: BS;
  query?: QS;
  path?: PS;
  handle(request: HttpRequestContext<z.infer<BS>, z.infer<QS>, z.infer<PS>>): Promise<HttpResult>;
}

/** A route's result as API Gateway sends it: JSON, with the route's own headers. */
function jsonResponse(result: HttpResult): APIGatewayProxyResultV2 {
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json', ...result.headers },
    body: JSON.stringify(result.body),
  };
}

/**
 * An HTTP API route as a middy handler: every error mapped to problem+json in one place; the caller
 * authenticated before the input is looked at, so an anonymous caller learns nothing from validation; then
 * path and query checked, the body read (413, 415, invalid JSON) and checked with zod, and the route run.
 */
export function httpHandler<BS extends z.ZodType, QS extends z.ZodType, PS extends z.ZodType>(
  route: HttpRoute<BS, QS, PS>,
  getDeps: () => Promise<Deps>,
) {
  return forLambdaRuntime(
    middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, EdgeContext>({
      timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
    })
      .use(observed())
      .use(problemErrors())
      .use(loadDeps(getDeps))
      .use(lowerCaseHeaders())
      .use(authenticate(route))
      .use(validate('path', route.path))
      .use(validate('query', route.query))
      .use(rawBody())
      .use(jsonBody())
      .use(validate('body', route.body))
      .handler((_event, context, { signal }) =>
        withInvocationSignal(signal, async () => {
          const result = await route.handle({
            deps: context.deps,
            principal: context.principal,
            body: context.body as z.infer<BS>,
            query: context.query as z.infer<QS>,
            path: context.path as z.infer<PS>,
            headers: context.headers,
            signal: workSignal(context, signal),
          });
          return jsonResponse(result);
        }),
      ),
  );
}
