import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { authorizeApiKey } from '../auth/api-keys.js';
import type { Scope } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import { AppError, ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/operation.js';
import { problemResponse, validationError } from './problem.js';

/** Bodies above this are refused before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Ends before the Lambda does, so an in-flight provider call is cancelled and its outcome recorded. */
export const TIMEOUT_EARLY_MS = 1_000;

/** Time left after provider calls are cancelled, to record what was sent and answer before the handler ends. */
export const RECORD_MARGIN_MS = 1_000;

/**
 * The signal work is given: cancelled RECORD_MARGIN_MS before middy gives up on the handler, so a provider call
 * still waiting is recorded as ambiguous and answered, instead of the Lambda ending with nothing said.
 */
export function workSignal(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  signal: AbortSignal,
): AbortSignal {
  const left = context.getRemainingTimeInMillis?.();
  if (left === undefined || !Number.isFinite(left)) return signal;
  return AbortSignal.any([
    signal,
    AbortSignal.timeout(Math.max(0, left - TIMEOUT_EARLY_MS - RECORD_MARGIN_MS)),
  ]);
}

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

/** The API key scope a route needs, or `public`: anyone may call it (the API's own contract, nothing else). */
export type RouteScope = Scope | 'public';

/** Who called a public route: nobody in particular. */
const ANONYMOUS: Principal = { principal: 'anonymous', channel: 'http' };

export interface HttpRoute<BS extends z.ZodType, QS extends z.ZodType, PS extends z.ZodType> {
  scope: RouteScope;
  /** Replaces the API-key check for callers with their own credentials (monitoring webhooks). */
  authenticate?: (deps: Deps, headers: Record<string, string>) => Promise<Principal>;
  body?: BS;
  query?: QS;
  path?: PS;
  handle(request: HttpRequestContext<z.infer<BS>, z.infer<QS>, z.infer<PS>>): Promise<HttpResult>;
}

export function lowerCaseHeaders(
  headers: APIGatewayProxyEventV2['headers'] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, part: string): z.infer<S> {
  if (!schema) return undefined as z.infer<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, part);
  return result.data;
}

function readJsonBody(event: APIGatewayProxyEventV2, headers: Record<string, string>): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.length > MAX_BODY_BYTES)
    throw new AppError('payload_too_large', 413, `The body is over ${MAX_BODY_BYTES} bytes.`);
  const type = headers['content-type'];
  if (type !== undefined && !/^application\/([a-z.+-]*\+)?json\b/i.test(type))
    throw new AppError('unsupported_media_type', 415, 'Send the body as application/json.');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('The body is not valid JSON.', [{ field: 'body', message: 'not valid JSON' }]);
  }
}

/** Logs what a person debugging needs and nothing secret: no headers, no bodies. */
function logFailure(event: APIGatewayProxyEventV2, error: unknown) {
  if (error instanceof AppError && error.expose) return;
  const method = event.requestContext?.http?.method;
  console.error(
    `[http] ${method} ${event.rawPath} failed: ${error instanceof Error ? error.stack : String(error)}`,
  );
}

/**
 * An HTTP API route as a middy handler: authorize, validate path, query and body with zod, run, and map
 * every error to problem+json in one place.
 */
export function httpHandler<BS extends z.ZodType, QS extends z.ZodType, PS extends z.ZodType>(
  route: HttpRoute<BS, QS, PS>,
  getDeps: () => Promise<Deps>,
) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context>({
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
  })
    .use({
      onError: async (request) => {
        logFailure(request.event, request.error);
        request.response = problemResponse(request.error, request.event.rawPath);
      },
    })
    .handler(async (event, context, { signal }) => {
      const work = workSignal(context, signal);
      const deps = await getDeps();
      const headers = lowerCaseHeaders(event.headers);
      // Authenticate before looking at the input, so an anonymous caller learns nothing from validation.
      const principal = route.authenticate
        ? await route.authenticate(deps, headers)
        : route.scope === 'public'
          ? ANONYMOUS
          : authorizeApiKey(deps.config.apiKeys, headers.authorization, route.scope);
      const path = parse(route.path, event.pathParameters ?? {}, 'path');
      const query = parse(route.query, event.queryStringParameters ?? {}, 'query');
      const body = parse(route.body, readJsonBody(event, headers) ?? (route.body ? {} : undefined), 'body');
      const result = await route.handle({ deps, principal, body, query, path, headers, signal: work });
      return {
        statusCode: result.status,
        headers: { 'content-type': 'application/json', ...result.headers },
        body: JSON.stringify(result.body),
      };
    });
}
