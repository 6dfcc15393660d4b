import type { MiddlewareObj, MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { authorizeApiKey } from '../auth/api-keys.js';
import type { Scope } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import { AppError, ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/operation.js';
import { logger } from '../telemetry/logger.js';
import { problemResponse, validationError } from './problem.js';

/** Bodies above this are refused before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

/** What the edge middlewares learn of a request, each in its turn, left on its Lambda context for the next. */
export interface EdgeContext extends Context {
  deps: Deps;
  /** The headers by lower-cased name: API Gateway hands them on as the client spelt them. */
  headers: Record<string, string>;
  /** The body as text once it is within MAX_BODY_BYTES; undefined when the request has none. */
  rawBody: string | undefined;
  /** The body parsed as JSON; undefined when the request has none. */
  json: unknown;
  principal: Principal;
  /** The parts of the request as their route's schemas made them. */
  path: unknown;
  query: unknown;
  body: unknown;
}

export type EdgeMiddleware<C extends EdgeContext = EdgeContext> = MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  Error,
  C
>;

/** A handler as the Lambda runtime calls it: with a plain context, which the middlewares fill in. */
export type LambdaHttpHandler = MiddyfiedHandler<
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  Error,
  Context
>;

/** The API key scope a route needs, or `public`: anyone may call it (the API's own contract, nothing else). */
export type RouteScope = Scope | 'public';

/** Who may call a route. */
export interface RouteGuard {
  scope: RouteScope;
  /** Replaces the API-key check for callers with their own credentials (monitoring webhooks). */
  authenticate?: (deps: Deps, headers: Record<string, string>) => Promise<Principal>;
}

/** Who called a public route: nobody in particular. */
const ANONYMOUS: Principal = { principal: 'anonymous', channel: 'http' };

/** The parts of a request a schema checks. */
export type RequestPart = 'path' | 'query' | 'body';

/** Where each part is read; a missing body is an empty object, so its schema names the fields it lacks. */
const PART_VALUES: Record<RequestPart, (event: APIGatewayProxyEventV2, context: EdgeContext) => unknown> = {
  path: (event) => event.pathParameters ?? {},
  query: (event) => event.queryStringParameters ?? {},
  body: (_event, context) => context.json ?? {},
};

/** A JSON media type: application/json or a structured syntax suffix such as application/problem+json. */
const JSON_MEDIA_TYPE = /^application\/([a-z.+-]*\+)?json\b/i;

/** Logs what a person debugging needs and nothing secret: no headers, no bodies. */
function logFailure(event: APIGatewayProxyEventV2, error: unknown) {
  if (error instanceof AppError && error.expose) return;
  logger.error('a request failed', {
    scope: 'http',
    method: event.requestContext?.http?.method,
    path: event.rawPath,
    error: error instanceof Error ? error : String(error),
  });
}

/** Every error, thrown by a middleware or the handler, answered as RFC 9457 problem+json in one place. */
export function problemErrors(): EdgeMiddleware {
  return {
    onError: (request) => {
      logFailure(request.event, request.error);
      request.response = problemResponse(request.error, request.event.rawPath);
    },
  };
}

/** The application's container, for authentication and the route. */
export function loadDeps(getDeps: () => Promise<Deps>): EdgeMiddleware {
  return {
    before: async ({ context }) => {
      context.deps = await getDeps();
    },
  };
}

function headersByLowerCaseName(headers: APIGatewayProxyEventV2['headers'] | undefined) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

/** The headers by lower-cased name, leaving the event as it came. */
export function lowerCaseHeaders(): EdgeMiddleware {
  return {
    before: ({ event, context }) => {
      context.headers = headersByLowerCaseName(event.headers);
    },
  };
}

function principalOf(guard: RouteGuard, deps: Deps, headers: Record<string, string>) {
  if (guard.authenticate) return guard.authenticate(deps, headers);
  if (guard.scope === 'public') return ANONYMOUS;
  return authorizeApiKey(deps.config.apiKeys, headers.authorization, guard.scope);
}

/** The caller, by the route's own check, an API key with the route's scope, or nobody on a public route. */
export function authenticate(guard: RouteGuard): EdgeMiddleware {
  return {
    before: async ({ context }) => {
      context.principal = await principalOf(guard, context.deps, context.headers);
    },
  };
}

function parsed(schema: z.ZodType, value: unknown, part: RequestPart): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, part);
  return result.data;
}

/** One part of the request checked by the route's schema: a 400 naming each field, or the part as parsed. */
export function validate(part: RequestPart, schema: z.ZodType | undefined): EdgeMiddleware {
  return {
    before: ({ event, context }) => {
      context[part] = schema ? parsed(schema, PART_VALUES[part](event, context), part) : undefined;
    },
  };
}

function bodyText({ body, isBase64Encoded }: APIGatewayProxyEventV2): string | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  const raw = Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > MAX_BODY_BYTES)
    throw new AppError('payload_too_large', 413, `The body is over ${MAX_BODY_BYTES} bytes.`);
  return raw.toString('utf8');
}

/** The body as text, refused with 413 over MAX_BODY_BYTES before anything parses it. */
export function rawBody(): EdgeMiddleware {
  return {
    before: ({ event, context }) => {
      context.rawBody = bodyText(event);
    },
  };
}

function jsonOf(text: string, contentType: string | undefined): unknown {
  if (contentType !== undefined && !JSON_MEDIA_TYPE.test(contentType))
    throw new AppError('unsupported_media_type', 415, 'Send the body as application/json.');
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('The body is not valid JSON.', [{ field: 'body', message: 'not valid JSON' }]);
  }
}

/** The body parsed as JSON: 415 for another media type, 400 for text that is not JSON. */
export function jsonBody(): EdgeMiddleware {
  return {
    before: ({ context }) => {
      context.json =
        context.rawBody === undefined ? undefined : jsonOf(context.rawBody, context.headers['content-type']);
    },
  };
}

/** The handler for the runtime, which calls it with a plain Lambda context: the middlewares fill in the rest. */
export function forLambdaRuntime<C extends EdgeContext>(
  handler: MiddyfiedHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, C>,
): LambdaHttpHandler {
  return handler as unknown as LambdaHttpHandler;
}
