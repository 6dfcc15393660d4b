import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as acknowledgePair } from '../../functions/acknowledge-pair/handler.js';
import { handler as activateMigrationTarget } from '../../functions/activate-migration-target/handler.js';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as alertsGrafana } from '../../functions/alerts-grafana/handler.js';
import { handler as approveOperation } from '../../functions/approve-operation/handler.js';
import { handler as chatSlack } from '../../functions/chat-slack/handler.js';
import { handler as configureDr } from '../../functions/configure-dr/handler.js';
import { handler as getOperation } from '../../functions/get-operation/handler.js';
import { handler as listDecisions } from '../../functions/list-decisions/handler.js';
import { handler as listOperations } from '../../functions/list-operations/handler.js';
import { handler as openapi } from '../../functions/openapi/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as rejectOperation } from '../../functions/reject-operation/handler.js';
import { handler as setBrake } from '../../functions/set-brake/handler.js';
import { SetBrakeBodySchema } from '../../functions/set-brake/schema.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { handler as upgradeMinorVersion } from '../../functions/upgrade-minor-version/handler.js';
import { slackSignature } from '../../shared/chat/slack-signature.js';
import type { Scope } from '../../shared/config/config-schema.js';
import { ULID_PATTERN } from '../../shared/domain/ids.js';
import { OPERATION_STATES } from '../../shared/domain/operation.js';
import { MAX_BODY_BYTES } from '../../shared/edge/http-handler.js';
import {
  answerWithoutInstance,
  bodyNearLimit,
  contentType,
  decodedJson,
  type EncodedBody,
  expectWellFormedAnswer,
  hostileBody,
  httpEvent,
  junkString,
  junkValue,
  objectWithFields,
  oddlyCased,
  SANDBOX_API_KEYS,
  SANDBOX_PAIRS,
  strayHeaders,
  unknownPairName,
  webhookAlert,
} from '../support/hostile-input.js';
import { lambdaContext } from '../support/lambda.js';
import { expectOnlyCountedWrites, useWatchedEnvironment, type WriteWatch } from '../support/write-watch.js';

const RUNS = 1000;

const watched = useWatchedEnvironment();
let writes: WriteWatch;
beforeAll(() => {
  ({ writes } = watched());
});

// ---- who calls ------------------------------------------------------------------------------------------

const API_KEYS = SANDBOX_API_KEYS;
const ALERTMANAGER_TOKEN = 'sandbox-alertmanager-token';
const GRAFANA_BASIC = Buffer.from('grafana:sandbox-grafana-password').toString('base64');
const SLACK_SECRET = 'sandbox-slack-signing-secret';
/** Slack users that may run commands; the admin is left out so no generated text can engage the brake. */
const SLACK_USERS = ['U0SANDBOXOP', 'U0SANDBOXAP', 'U0SANDBOXRD'];

type Guard = { type: 'api-key'; scope: Scope } | { type: 'alertmanager' | 'grafana' | 'slack' | 'public' };

/** What the caller presents, and so what the answer must be before the input is even read. */
type Credential =
  | { kind: 'valid'; authorization?: string; slackSkewSeconds?: number }
  | { kind: 'lacking-scope'; authorization: string }
  | { kind: 'missing' }
  | { kind: 'wrong'; authorization?: string; slack?: { timestamp?: string; signature?: string } };

const hasScope = (scopes: Scope[], scope: Scope) => scopes.includes(scope) || scopes.includes('admin');
/** `Bearer <key>` as clients spell it; API keys also take a tab, webhook tokens only spaces (RFC 7235). */
const bearer = (key: fc.Arbitrary<string>, separators = ['Bearer ', 'bearer ', 'BEARER  ', 'Bearer\t']) =>
  fc.tuple(fc.constantFrom(...separators), key, fc.constantFrom('', ' ')).map((parts) => parts.join(''));

/** Credentials that are not: junk, another scheme, another source's secret, a near miss. */
const wrongAuthorization = fc.oneof(
  junkString,
  junkString.map((s) => `Bearer ${s}`),
  junkString.map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
  fc.constantFrom(
    'Bearer not-a-key',
    'Bearer sandbox-operator-key extra',
    'Bearer SANDBOX-OPERATOR-KEY',
    'sandbox-operator-key',
    'Bearer ',
    'Basic',
    `Basic ${Buffer.from('grafana:wrong').toString('base64')}`,
    `Bearer ${ALERTMANAGER_TOKEN}x`,
  ),
);

function credentialFor(guard: Guard): fc.Arbitrary<Credential> {
  const missing = fc.constant<Credential>({ kind: 'missing' });
  const wrong = wrongAuthorization.map((authorization): Credential => ({ kind: 'wrong', authorization }));
  switch (guard.type) {
    case 'public':
      // Anyone may call: whatever they present, they are let in.
      return fc
        .option(fc.oneof(wrongAuthorization, bearer(fc.constantFrom(...API_KEYS.map((k) => k.key)))), {
          nil: undefined,
        })
        .map((authorization): Credential => ({ kind: 'valid', authorization }));
    case 'api-key': {
      const valid = bearer(
        fc.constantFrom(...API_KEYS.filter((k) => hasScope(k.scopes, guard.scope)).map((k) => k.key)),
      ).map((authorization): Credential => ({ kind: 'valid', authorization }));
      const lacking = API_KEYS.filter((k) => !hasScope(k.scopes, guard.scope)).map((k) => k.key);
      // Half the cases carry a valid key, so validation is exercised and not just authentication.
      return fc.oneof(
        { weight: 4, arbitrary: valid },
        ...(lacking.length > 0
          ? [
              fc
                .constantFrom(...lacking)
                .map((key): Credential => ({ kind: 'lacking-scope', authorization: `Bearer ${key}` })),
            ]
          : []),
        missing,
        { weight: 2, arbitrary: wrong },
      );
    }
    case 'alertmanager':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: bearer(fc.constant(ALERTMANAGER_TOKEN), ['Bearer ', 'bearer ', 'BEARER  ']).map(
            (a): Credential => ({ kind: 'valid', authorization: a }),
          ),
        },
        missing,
        { weight: 3, arbitrary: wrong },
      );
    case 'grafana':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc
            .constantFrom(`Basic ${GRAFANA_BASIC}`, `basic ${GRAFANA_BASIC}`, `BASIC ${GRAFANA_BASIC} `)
            .map((a): Credential => ({ kind: 'valid', authorization: a })),
        },
        missing,
        { weight: 3, arbitrary: wrong },
      );
    case 'slack':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc
            .integer({ min: -60, max: 60 })
            .map((s): Credential => ({ kind: 'valid', slackSkewSeconds: s })),
        },
        missing,
        {
          weight: 3,
          arbitrary: fc
            .record(
              {
                timestamp: fc.oneof(
                  junkString,
                  fc
                    .integer({ min: 301, max: 10_000_000 })
                    .map((s) => String(Math.floor(Date.now() / 1000) - s)),
                  fc
                    .integer({ min: 301, max: 10_000_000 })
                    .map((s) => String(Math.floor(Date.now() / 1000) + s)),
                ),
                signature: fc.oneof(junkString, fc.stringMatching(/^v0=[0-9a-f]{64}$/)),
              },
              { requiredKeys: [] },
            )
            .map((slack): Credential => ({ kind: 'wrong', slack })),
        },
      );
  }
}

/** The headers a credential puts on a request; Slack's depend on the body they sign. */
function credentialHeaders(
  guard: Guard,
  credential: Credential,
  body: EncodedBody,
  names: { authorization: string; signature: string; timestamp: string },
): Record<string, string> {
  if (credential.kind === 'missing') return {};
  if (guard.type !== 'slack')
    return 'authorization' in credential && credential.authorization !== undefined
      ? { [names.authorization]: credential.authorization }
      : {};
  const now = Math.floor(Date.now() / 1000);
  if (credential.kind === 'valid') {
    const timestamp = String(now + (credential.slackSkewSeconds ?? 0));
    // Signed over the body exactly as the function reads it.
    const raw = Buffer.from(body.body ?? '', body.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
    return {
      [names.timestamp]: timestamp,
      [names.signature]: slackSignature(SLACK_SECRET, timestamp, raw),
    };
  }
  const slack = 'slack' in credential ? credential.slack : undefined;
  return {
    ...(slack?.timestamp !== undefined ? { [names.timestamp]: slack.timestamp } : {}),
    ...(slack?.signature !== undefined ? { [names.signature]: slack.signature } : {}),
  };
}

// ---- what they send -------------------------------------------------------------------------------------

const anyPair = fc.oneof(unknownPairName, fc.constantFrom(...SANDBOX_PAIRS));
const operationFields = {
  pair: anyPair,
  dryRun: fc.boolean(),
  reason: fc.string({ maxLength: 600 }),
};
const operationId = fc.oneof(
  // Well-formed ids of operations that do not exist: the table holds none.
  fc.stringMatching(ULID_PATTERN),
  fc.stringMatching(ULID_PATTERN).map((id) => id.toLowerCase()),
  junkString,
);
const slackForm = objectWithFields({
  token: junkString,
  team_id: fc.constant('T0SANDBOX'),
  user_id: fc.constantFrom(...SLACK_USERS, 'U0STRANGER'),
  command: fc.constantFrom('/switchyard', '/sy'),
  text: fc.oneof(
    junkString,
    fc
      .tuple(
        fc.constantFrom(
          'help',
          'pairs',
          'status',
          'switchover',
          'promote',
          'upgrade',
          'approve',
          'reject',
          'ack',
        ),
        fc.array(
          fc.oneof(
            unknownPairName,
            fc.stringMatching(ULID_PATTERN),
            fc.constantFrom('--dry-run', '—dry-run', '--allow-data-loss', '--x'),
          ),
          { maxLength: 3 },
        ),
      )
      .map(([word, args]) => [word, ...args].join(' ')),
  ),
  // Nothing listens there: no generated command may be answered through it.
  response_url: fc.constantFrom('http://127.0.0.1:9/commands/T0SANDBOX/1', 'javascript:alert(1)', 'https://'),
  trigger_id: junkString,
}).map((form) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form))
    params.append(name, typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
  return params.toString();
});

/** Query parameters arrive as strings: anything else is sent as its JSON text. */
const asQuery = (q: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(q).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
  );
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url');
const anyQuery = fc.option(fc.dictionary(junkString, junkString, { maxKeys: 3 }), { nil: undefined });
const anyPathParameters = fc.option(fc.dictionary(junkString, junkString, { maxKeys: 2 }), {
  nil: undefined,
});

interface Endpoint {
  name: string;
  handler: (event: never, context: never) => Promise<unknown>;
  method: 'GET' | 'POST';
  route: string;
  guard: Guard;
  body: fc.Arbitrary<EncodedBody>;
  pathParameters?: fc.Arbitrary<Record<string, string> | undefined>;
  query?: fc.Arbitrary<Record<string, string> | undefined>;
  /** A body that would really change something is not hostile input: such cases are not generated. */
  wouldChange?: (json: unknown) => boolean;
  /** How a request names a pair, for endpoints that take one. */
  withPair?: (pair: string) => {
    body?: EncodedBody;
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
  };
  /** Writes a successful answer may have made (alert decisions, Slack's replay memo). */
  mayWrite?: 'decisions' | 'slack-memo';
}

const json = (value: unknown): EncodedBody => ({ body: JSON.stringify(value), isBase64Encoded: false });
const namesAConfiguredPair = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  SANDBOX_PAIRS.includes((value as { pair?: string }).pair as string);
const realOperation = (value: unknown) =>
  namesAConfiguredPair(value) && (value as { dryRun?: unknown }).dryRun !== true;

function operationRoute(
  name: string,
  handler: Endpoint['handler'],
  route: string,
  fields: Record<string, fc.Arbitrary<unknown>>,
): Endpoint {
  return {
    name,
    handler,
    method: 'POST',
    route,
    guard: { type: 'api-key', scope: 'operate' },
    body: hostileBody(objectWithFields({ ...operationFields, ...fields })),
    wouldChange: realOperation,
    withPair: (pair) => ({ body: json({ pair, reason: 'drill' }) }),
  };
}

const ENDPOINTS: Endpoint[] = [
  operationRoute('switchover', switchover, '/v1/switchovers', {}),
  operationRoute('configure-dr', configureDr, '/v1/dr-relations', {}),
  operationRoute('promote-standby', promoteStandby, '/v1/promotions', { allowDataLoss: fc.boolean() }),
  operationRoute('upgrade-minor-version', upgradeMinorVersion, '/v1/minor-upgrades', {
    instance: fc.constantFrom('primary', 'dr'),
    isDelayed: fc.boolean(),
    targetMinorVersion: fc.stringMatching(/^[A-Za-z0-9_.-]{1,70}$/),
    secondSwitch: fc.boolean(),
  }),
  operationRoute('activate-migration-target', activateMigrationTarget, '/v1/migration-activations', {
    force: fc.boolean(),
  }),
  {
    name: 'alerts-alertmanager',
    handler: alertsAlertmanager,
    method: 'POST',
    route: '/v1/alerts/alertmanager',
    guard: { type: 'alertmanager' },
    body: hostileBody(
      objectWithFields({
        version: fc.constant('4'),
        groupKey: junkString,
        truncatedAlerts: fc.nat(),
        status: fc.constantFrom('firing', 'resolved'),
        alerts: fc.array(webhookAlert, { maxLength: 3 }),
      }),
    ),
    withPair: (pair) => ({
      body: json({
        version: '4',
        status: 'firing',
        alerts: [{ status: 'firing', labels: { alertname: 'down', pair }, startsAt: '2026-11-21T09:00:00Z' }],
      }),
    }),
    mayWrite: 'decisions',
  },
  {
    name: 'alerts-grafana',
    handler: alertsGrafana,
    method: 'POST',
    route: '/v1/alerts/grafana',
    guard: { type: 'grafana' },
    body: hostileBody(
      objectWithFields({
        receiver: junkString,
        status: fc.constantFrom('firing', 'resolved'),
        alerts: fc.array(webhookAlert, { maxLength: 3 }),
      }),
    ),
    withPair: (pair) => ({
      body: json({
        status: 'firing',
        alerts: [{ status: 'firing', labels: { alertname: 'down', pair }, startsAt: '2026-11-21T09:00:00Z' }],
      }),
    }),
    mayWrite: 'decisions',
  },
  {
    name: 'chat-slack',
    handler: chatSlack,
    method: 'POST',
    route: '/v1/chat/slack',
    guard: { type: 'slack' },
    body: fc.oneof(
      { weight: 3, arbitrary: slackForm.map((body) => ({ body, isBase64Encoded: false })) },
      slackForm.map((form) => ({ body: Buffer.from(form).toString('base64'), isBase64Encoded: true })),
      { weight: 2, arbitrary: hostileBody(junkValue) },
    ),
    withPair: (pair) => ({
      body: {
        body: new URLSearchParams({
          user_id: 'U0SANDBOXOP',
          command: '/switchyard',
          text: `switchover ${pair}`,
          response_url: 'http://127.0.0.1:9/commands/T0SANDBOX/1',
          trigger_id: '1.2.sandbox',
        }).toString(),
        isBase64Encoded: false,
      },
    }),
    mayWrite: 'slack-memo',
  },
  {
    name: 'list-decisions',
    handler: listDecisions,
    method: 'GET',
    route: '/v1/decisions',
    guard: { type: 'api-key', scope: 'read' },
    body: hostileBody(junkValue),
    query: fc.option(
      objectWithFields({ pair: anyPair, limit: fc.integer({ min: -5, max: 200 }) }).map(asQuery),
      {
        nil: undefined,
      },
    ),
    withPair: (pair) => ({ query: { pair } }),
  },
  {
    name: 'list-operations',
    handler: listOperations,
    method: 'GET',
    route: '/v1/operations',
    guard: { type: 'api-key', scope: 'read' },
    body: hostileBody(junkValue),
    query: fc.option(
      objectWithFields({
        pair: anyPair,
        state: fc.constantFrom(...OPERATION_STATES),
        limit: fc.integer({ min: -5, max: 200 }),
        cursor: fc.oneof(
          junkString,
          fc.jsonValue({ maxDepth: 2 }).map(base64url),
          objectWithFields({
            pk: junkValue,
            sk: junkValue,
            gsi1pk: fc.constant('ACTIVE'),
            gsi1sk: junkValue,
            gsi2pk: junkValue,
            gsi2sk: junkValue,
          }).map(base64url),
        ),
      }).map(asQuery),
      { nil: undefined },
    ),
    withPair: (pair) => ({ query: { pair, state: 'SUCCEEDED' } }),
  },
  {
    name: 'acknowledge-pair',
    handler: acknowledgePair,
    method: 'POST',
    route: '/v1/pairs/{pair}/ack',
    guard: { type: 'api-key', scope: 'approve' },
    body: hostileBody(objectWithFields({ note: fc.string({ maxLength: 600 }) })),
    // Acknowledging a configured pair is a real change; unknown names are the hostile ones.
    pathParameters: fc.option(fc.record({ pair: unknownPairName }), { nil: undefined }),
    withPair: (pair) => ({ pathParameters: { pair }, body: json({ note: 'looked at it' }) }),
  },
  {
    name: 'set-brake',
    handler: setBrake,
    method: 'POST',
    route: '/v1/brake',
    guard: { type: 'api-key', scope: 'admin' },
    body: hostileBody(objectWithFields({ engaged: fc.boolean(), reason: fc.string({ maxLength: 600 }) })),
    wouldChange: (value) => SetBrakeBodySchema.safeParse(value).success,
  },
  {
    name: 'approve-operation',
    handler: approveOperation,
    method: 'POST',
    route: '/v1/operations/{id}/approve',
    guard: { type: 'api-key', scope: 'approve' },
    body: hostileBody(objectWithFields({ comment: fc.string({ maxLength: 600 }) })),
    pathParameters: fc.option(fc.record({ id: operationId }), { nil: undefined }),
  },
  {
    name: 'reject-operation',
    handler: rejectOperation,
    method: 'POST',
    route: '/v1/operations/{id}/reject',
    guard: { type: 'api-key', scope: 'approve' },
    body: hostileBody(objectWithFields({ comment: fc.string({ maxLength: 600 }) })),
    pathParameters: fc.option(fc.record({ id: operationId }), { nil: undefined }),
  },
  {
    name: 'get-operation',
    handler: getOperation,
    method: 'GET',
    route: '/v1/operations/{id}',
    guard: { type: 'api-key', scope: 'read' },
    body: hostileBody(junkValue),
    pathParameters: fc.option(fc.record({ id: operationId }), { nil: undefined }),
  },
  {
    name: 'openapi',
    handler: openapi,
    method: 'GET',
    route: '/v1/openapi.json',
    guard: { type: 'public' },
    body: hostileBody(junkValue),
  },
];

interface GeneratedRequest {
  credential: Credential;
  body: EncodedBody;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
  names: {
    authorization: string;
    contentType: string;
    signature: string;
    timestamp: string;
    idempotencyKey: string;
  };
  stray: Record<string, string>;
  pathParameters: Record<string, string> | undefined;
  query: Record<string, string> | undefined;
}

function requests(endpoint: Endpoint, body = endpoint.body): fc.Arbitrary<GeneratedRequest> {
  return fc
    .record({
      credential: credentialFor(endpoint.guard),
      body,
      contentType,
      idempotencyKey: fc.option(junkString, { nil: undefined }),
      names: fc.record({
        authorization: oddlyCased('authorization'),
        contentType: oddlyCased('content-type'),
        signature: oddlyCased('x-slack-signature'),
        timestamp: oddlyCased('x-slack-request-timestamp'),
        idempotencyKey: oddlyCased('idempotency-key'),
      }),
      stray: strayHeaders,
      pathParameters: endpoint.pathParameters ?? anyPathParameters,
      query: endpoint.query ?? anyQuery,
    })
    .filter((r) => !endpoint.wouldChange?.(decodedJson(r.body)));
}

function eventFor(endpoint: Endpoint, r: GeneratedRequest) {
  return httpEvent({
    method: endpoint.method,
    route: endpoint.route,
    headers: {
      ...r.stray,
      ...(r.contentType === undefined ? {} : { [r.names.contentType]: r.contentType }),
      ...(r.idempotencyKey === undefined ? {} : { [r.names.idempotencyKey]: r.idempotencyKey }),
      ...credentialHeaders(endpoint.guard, r.credential, r.body, r.names),
    },
    ...r.body,
    pathParameters: r.pathParameters,
    queryStringParameters: r.query,
  });
}

const bodyBytes = ({ body, isBase64Encoded }: EncodedBody) =>
  Buffer.from(body ?? '', isBase64Encoded ? 'base64' : 'utf8').length;

/** The status decided before the input is read, in the code's order: Slack's size check, then auth. */
function fromAnotherWorkspace(endpoint: Endpoint, r: GeneratedRequest): boolean {
  if (endpoint.guard.type !== 'slack' || typeof r.body.body !== 'string') return false;
  const text = Buffer.from(r.body.body, r.body.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  return new URLSearchParams(text).get('team_id') !== 'T0SANDBOX';
}

function statusDecidedBefore(endpoint: Endpoint, r: GeneratedRequest): number | undefined {
  if (endpoint.guard.type === 'slack' && bodyBytes(r.body) > MAX_BODY_BYTES) return 413;
  if (r.credential.kind === 'missing' || r.credential.kind === 'wrong') return 401;
  if (r.credential.kind === 'lacking-scope') return 403;
  return undefined;
}

/** Writes this answer was allowed to make: none, except what a valid alert or Slack request records. */
function writesAllowed(endpoint: Endpoint, r: GeneratedRequest, answer: { status: number; body: any }) {
  if (
    endpoint.mayWrite === 'slack-memo' &&
    r.credential.kind === 'valid' &&
    answer.status !== 401 &&
    answer.status !== 413
  )
    return { exactly: 1 };
  if (endpoint.mayWrite === 'decisions' && answer.status === 200 && answer.body.decisions.length > 0)
    return { any: true };
  return { exactly: 0 };
}

async function send(endpoint: Endpoint, r: GeneratedRequest) {
  const before = { all: writes.count(), store: writes.storeWrites() };
  const result = await endpoint.handler(eventFor(endpoint, r) as never, lambdaContext() as never);
  const answer = expectWellFormedAnswer(result);
  const allowed = writesAllowed(endpoint, r, answer);
  if ('exactly' in allowed) {
    // A Slack replay memo is a store write; nothing else may reach the store or a provider.
    expect(writes.storeWrites() - before.store).toBe(allowed.exactly);
    expect(writes.count() - before.all).toBe(allowed.exactly);
  }
  return { result, answer };
}

describe('every HTTP endpoint under hostile input', () => {
  it.each(ENDPOINTS.map((e) => [e.name, e] as const))(
    '%s: never a 5xx, refusals as problem+json, the credential checked first, nothing written',
    async (_name, endpoint) => {
      await expectOnlyCountedWrites(writes, async () => {
        await fc.assert(
          fc.asyncProperty(requests(endpoint), async (r) => {
            const { answer } = await send(endpoint, r);
            const decided = statusDecidedBefore(endpoint, r);
            if (decided !== undefined) expect(answer.status).toBe(decided);
            // A command signed by our app but naming another workspace is refused 403, once its form is read.
            else if (!fromAnotherWorkspace(endpoint, r)) expect([401, 403]).not.toContain(answer.status);
          }),
          { numRuns: RUNS },
        );
      });
    },
  );
});

describe('oversized bodies', () => {
  const bodyTaking = ENDPOINTS.filter((e) => e.method === 'POST');
  const over = bodyNearLimit({ min: 1, max: 4096 });

  it.each(bodyTaking.map((e) => [e.name, e] as const))(
    '%s: 413 problem+json once authenticated (401/403 before that; Slack checks size first), nothing written',
    async (_name, endpoint) => {
      const valid = endpoint.withPair?.('no-such-pair') ?? {};
      await expectOnlyCountedWrites(writes, async () => {
        await fc.assert(
          fc.asyncProperty(requests(endpoint, over), async (r) => {
            const request = {
              ...r,
              contentType: 'application/json',
              pathParameters: valid.pathParameters ?? { id: `01JD${'0'.repeat(22)}` },
            };
            const { answer } = await send(endpoint, request);
            expect(answer.status).toBe(statusDecidedBefore(endpoint, request) ?? 413);
          }),
          { numRuns: 200 },
        );
      });
    },
  );
});

describe('pairs are not revealed to callers without a credential', () => {
  const pairTaking = ENDPOINTS.filter((e) => e.withPair);
  const refusedCallers = (endpoint: Endpoint) =>
    requests(endpoint).filter((r) => r.credential.kind !== 'valid' && endpoint.guard.type !== 'public');

  it.each(pairTaking.map((e) => [e.name, e] as const))(
    '%s: a configured pair and an unknown one get the same answer, apart from its instance',
    async (_name, endpoint) => {
      await expectOnlyCountedWrites(writes, async () => {
        await fc.assert(
          fc.asyncProperty(
            refusedCallers(endpoint),
            fc.constantFrom(...SANDBOX_PAIRS),
            unknownPairName,
            async (r, known, unknown) => {
              const asking = (pair: string) => {
                const named = endpoint.withPair?.(pair) ?? {};
                return {
                  ...r,
                  body: named.body ?? r.body,
                  pathParameters: named.pathParameters ?? r.pathParameters,
                  query: named.query ?? r.query,
                };
              };
              const knownAnswer = await send(endpoint, asking(known));
              const unknownAnswer = await send(endpoint, asking(unknown));
              expect([401, 403]).toContain(knownAnswer.answer.status);
              expect(answerWithoutInstance(unknownAnswer.result)).toBe(
                answerWithoutInstance(knownAnswer.result),
              );
            },
          ),
          { numRuns: RUNS },
        );
      });
    },
  );
});
