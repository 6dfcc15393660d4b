import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { expect } from 'vitest';
import { parse } from 'yaml';
import type { Scope } from '../../shared/config/config-schema.js';
import { MAX_BODY_BYTES } from '../../shared/edge/http-handler.js';
import { PROBLEM_CONTENT_TYPE } from '../../shared/edge/problem.js';
import { loadEvent, repoPath } from './fixtures.js';
import { type HttpAnswer, httpAnswer } from './lambda.js';

const SANDBOX_CONFIG = parse(readFileSync(repoPath('config/sandbox.yaml'), 'utf8')) as {
  pairs: { name: string; provider: string }[];
  alerting: { routes: { match: Record<string, string> }[] };
  apiKeys: { name: string; scopes: Scope[] }[];
};

/** The sandbox's API keys and their scopes; config/sandbox.yaml names each key after itself plus `-key`. */
export const SANDBOX_API_KEYS = SANDBOX_CONFIG.apiKeys.map((k) => ({
  key: `${k.name}-key`,
  scopes: k.scopes,
}));

/** The pair names config/sandbox.yaml configures: hostile input must not reach them by accident. */
export const SANDBOX_PAIRS: readonly string[] = SANDBOX_CONFIG.pairs.map((p) => p.name);

export const sandboxPairsOf = (provider: string) =>
  SANDBOX_CONFIG.pairs.filter((p) => p.provider === provider).map((p) => p.name);

/** Label values the sandbox's alert routes match on: generated alerts must not start a failover by chance. */
const ROUTED_LABEL_VALUES = new Set(SANDBOX_CONFIG.alerting.routes.flatMap((r) => Object.values(r.match)));

/** Characters a JSON string may carry that trip parsers, loggers and UTF-8 encoders. */
const AWKWARD_CHARS = [
  '\u0000',
  '\u0007',
  '\ud800',
  '\udfff',
  '\u202e',
  '\ufeff',
  '\n',
  '"',
  '\\',
  '%',
  '&',
  '=',
  '💥',
  'é',
];

/** Strings that mean something to some layer: keywords, paths, prototypes, numbers that are not. */
const LOADED_STRINGS = [
  '',
  ' ',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
  'toString',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j lookup, sent as plain text on purpose
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
];

/** Lengths where the schemas and the store draw lines: a pair name, a reason, a fingerprint, a key. */
const LIMITS = [63, 64, 200, 201, 255, 256, 300, 301, 500, 501, 1600, 1601, 2048, 2049];

/** A long string, ASCII or not, cheap to generate at any size and often right at a limit. */
export const longString: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 4 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
    ),
    fc.oneof(fc.constantFrom(...LIMITS), fc.integer({ min: 60, max: 3000 })),
  )
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

export const junkString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.oneof(fc.constantFrom(...AWKWARD_CHARS), fc.string({ minLength: 1, maxLength: 1 })) }),
  fc.constantFrom(...LOADED_STRINGS),
  longString,
);

/** A key for a map of any names: junk, or one that Object.prototype already has. */
export const mapKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: junkString },
  fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'),
);

/** A name that looks like a pair but is not one of the configured pairs. */
export const unknownPairName: fc.Arbitrary<string> = fc
  .oneof(
    fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/),
    junkString,
    fc.mixedCase(fc.constantFrom(...SANDBOX_PAIRS)),
  )
  .filter((name) => !SANDBOX_PAIRS.includes(name));

export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  junkString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(junkString, { maxLength: 3 }),
  fc.dictionary(junkString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

const ABSENT = Symbol('absent');

/** A schema's fields, mostly plausible: validation is often passed and fails field by field. */
export function objectWithFields(
  plausible: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(plausible);
  const fields = Object.fromEntries(
    names.map((name) => [
      name,
      fc.oneof(
        { weight: 6, arbitrary: plausible[name] as fc.Arbitrary<unknown> },
        { weight: 2, arbitrary: junkValue },
        { weight: 2, arbitrary: fc.constant(ABSENT) },
      ),
    ]),
  );
  const strayKey =
    names.length > 0 ? fc.oneof(junkString, fc.mixedCase(fc.constantFrom(...names))) : junkString;
  const stray = fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    fc.dictionary(strayKey, junkValue, { minKeys: 1, maxKeys: 2 }),
  );
  return fc.tuple(fc.record(fields), stray).map(([known, extra]) => ({
    ...extra,
    ...Object.fromEntries(Object.entries(known).filter(([, value]) => value !== ABSENT)),
  }));
}

/** The body of an API Gateway HTTP API event, as API Gateway hands it over. */
export interface EncodedBody {
  body?: string;
  isBase64Encoded: boolean;
}

const base64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');

/** Bodies just under, at and just over the limit, in characters of one to four UTF-8 bytes. */
export function bodyNearLimit(overBy: { min: number; max: number }): fc.Arbitrary<EncodedBody> {
  return fc
    .tuple(fc.constantFrom('x', 'é', '€', '💥', '\ud800'), fc.integer(overBy), fc.boolean())
    .map(([unit, over, encoded]) => {
      const bytes = MAX_BODY_BYTES + over;
      const text = `{"reason":"${unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)))}"}`;
      const body: EncodedBody = encoded
        ? { body: base64(text), isBase64Encoded: true }
        : { body: text, isBase64Encoded: false };
      // A counterexample names the body's size and make, not its 64 KiB.
      return Object.defineProperty(body, fc.toStringMethod, {
        value: () => `{ ${Buffer.byteLength(text)} bytes of "${unit}"${encoded ? ', base64' : ''} }`,
      });
    });
}

/** `value` in every encoding a client or API Gateway may send, broken ones and oversized ones included. */
export function hostileBody(value: fc.Arbitrary<unknown>): fc.Arbitrary<EncodedBody> {
  const json = value.map((v) => JSON.stringify(v) ?? 'null');
  return fc.oneof(
    { weight: 4, arbitrary: json.map((body) => ({ body, isBase64Encoded: false })) },
    { weight: 2, arbitrary: json.map((body) => ({ body: base64(body), isBase64Encoded: true })) },
    // Base64 the function was not told about: it must read it as the (invalid) JSON it is.
    json.map((body) => ({ body: base64(body), isBase64Encoded: false })),
    fc
      .tuple(json, fc.nat())
      .map(([body, cut]) => ({ body: body.slice(0, cut % (body.length + 1)), isBase64Encoded: false })),
    // Bytes that are not UTF-8, alone or inside otherwise valid JSON.
    fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ body: base64(bytes), isBase64Encoded: true })),
    fc.tuple(json, fc.integer({ min: 0x80, max: 0xff }), fc.nat()).map(([body, byte, at]) => {
      const bytes = Buffer.from(body);
      const i = at % (bytes.length + 1);
      return {
        body: Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]).toString(
          'base64',
        ),
        isBase64Encoded: true,
      };
    }),
    fc.jsonValue().map((v) => ({ body: JSON.stringify(v), isBase64Encoded: false })),
    fc.tuple(junkString, fc.boolean()).map(([body, isBase64Encoded]) => ({ body, isBase64Encoded })),
    fc
      .constantFrom(
        undefined,
        '',
        ' ',
        'null',
        '[]',
        '{}',
        '"x"',
        '{"a":1}{',
        '\ufeff{}',
        '{"__proto__":{"x":1}}',
      )
      .map((body) => ({ body, isBase64Encoded: false })),
    { weight: 1, arbitrary: bodyNearLimit({ min: -64, max: 256 }) },
  );
}

/** The body as the function decodes it, or undefined when it is no JSON at all. */
export function decodedJson({ body, isBase64Encoded }: EncodedBody): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8').toString('utf8'));
  } catch {
    return undefined;
  }
}

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/problem+json',
    'application/vnd.api+json',
    'application/jsonp',
    'application/json-seq',
    'text/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    '*/*',
    '',
    ';',
  ),
  junkString,
);

/** Header names the functions read: stray headers must not stand in for them by accident. */
const READ_HEADERS = new Set([
  'authorization',
  'content-type',
  'idempotency-key',
  'x-slack-signature',
  'x-slack-request-timestamp',
]);

/** Headers nobody asked for, with any name and value. */
export const strayHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc
    .oneof(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), junkString)
    .filter((n) => !READ_HEADERS.has(n.toLowerCase())),
  junkString,
  { maxKeys: 3 },
);

/** A header name as a client may spell it: `authorization`, `Authorization`, `aUtHoRiZaTiOn`. */
export const oddlyCased = (name: string) => fc.mixedCase(fc.constant(name));

/** Template of every generated HTTP event: a real API Gateway event (events/http/switchover.json). */
const TEMPLATE = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');

export interface HttpRequest extends EncodedBody {
  method: string;
  /** The route as serverless.yml declares it, e.g. `/v1/pairs/{pair}/ack`. */
  route: string;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  headers: Record<string, string>;
}

/** The API Gateway HTTP API (payload 2.0) event for a request. */
export function httpEvent(request: HttpRequest): APIGatewayProxyEventV2 {
  const event = structuredClone(TEMPLATE);
  // A URL carries UTF-8: a lone surrogate arrives as U+FFFD, as API Gateway would pass it.
  const rawPath = request.route.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(Buffer.from(request.pathParameters?.[name] ?? '').toString('utf8')),
  );
  const routeKey = `${request.method} ${request.route}`;
  event.routeKey = routeKey;
  event.requestContext.routeKey = routeKey;
  event.rawPath = rawPath;
  event.requestContext.http.method = request.method;
  event.requestContext.http.path = rawPath;
  event.rawQueryString = new URLSearchParams(request.queryStringParameters ?? {}).toString();
  event.headers = request.headers;
  if (request.pathParameters) event.pathParameters = request.pathParameters;
  if (request.queryStringParameters) event.queryStringParameters = request.queryStringParameters;
  if (request.body === undefined) delete event.body;
  else event.body = request.body;
  event.isBase64Encoded = request.isBase64Encoded;
  return event;
}

/** What every answer must be: no server error; a refusal problem+json whose `status` is the HTTP one. */
export function expectWellFormedAnswer(result: unknown): HttpAnswer {
  const raw = result as { statusCode?: number; body?: string };
  expect(raw.statusCode ?? 200, `answered ${raw.statusCode}: ${raw.body?.slice(0, 500)}`).toBeLessThan(500);
  const answer = httpAnswer(result);
  if (answer.status >= 300) {
    expect(answer.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(answer.body).toMatchObject({
      status: answer.status,
      title: expect.any(String),
      type: expect.any(String),
    });
  } else {
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.body).toBeDefined();
  }
  return answer;
}

/** The answer without its `instance` (the request path), for comparing two answers byte for byte. */
export function answerWithoutInstance(result: unknown): string {
  const raw = result as { statusCode?: number; headers?: Record<string, string>; body?: string };
  const { instance: _instance, ...body } = JSON.parse(raw.body ?? '{}') as Record<string, unknown>;
  return JSON.stringify({ status: raw.statusCode, headers: raw.headers, body });
}

/** A label value that no alert route of the sandbox matches. */
export const unroutedLabel: fc.Arbitrary<string> = junkString.filter((v) => !ROUTED_LABEL_VALUES.has(v));

/** One alert as Alertmanager and Grafana send it, each field mostly plausible, sometimes junk or absent. */
export const webhookAlert = objectWithFields({
  status: fc.constantFrom('firing', 'resolved'),
  labels: fc.dictionary(mapKey, unroutedLabel, { maxKeys: 4 }),
  annotations: fc.dictionary(fc.constantFrom('summary', 'description'), junkString),
  startsAt: fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    junkString,
  ),
  endsAt: fc.constant('0001-01-01T00:00:00Z'),
  fingerprint: fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), longString),
});
