import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { handler as acknowledgePair } from '../../functions/acknowledge-pair/handler.js';
import { handler as activateMigrationTarget } from '../../functions/activate-migration-target/handler.js';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as alertsGrafana } from '../../functions/alerts-grafana/handler.js';
import { handler as approveOperation } from '../../functions/approve-operation/handler.js';
import { handler as configureDr } from '../../functions/configure-dr/handler.js';
import { handler as getOperation } from '../../functions/get-operation/handler.js';
import { handler as listOperations } from '../../functions/list-operations/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { ALIBABA_SANDBOX_CREDENTIALS } from '../../sandbox/alibaba-simulator.js';
import { HUAWEI_SANDBOX_CREDENTIALS } from '../../sandbox/huawei-simulator.js';
import { LOCAL_AWS_ENV } from '../../sandbox/local-dynamo.js';
import { OCP_SANDBOX_CREDENTIALS } from '../../sandbox/ocp-simulator.js';
import type { WebhookSink } from '../../sandbox/webhook-sink.js';
import { sha256Hex } from '../../shared/auth/api-keys.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { isTerminal, type Operation } from '../../shared/domain/operation.js';
import type { DynamoOperationStore } from '../../shared/store/dynamo-operation-store.js';
import { resetSimulator, startTestEnvironment } from '../support/environment.js';
import { loadEvent, repoPath } from '../support/fixtures.js';
import { type HttpAnswer, httpAnswer, lambdaContext } from '../support/lambda.js';
import { pollUntilDone, postOperation } from '../support/operations.js';
import { sendSlashCommand, slashCommand as signedCommand } from '../support/slack-command.js';

// Every line the logger can write, at every level, is searched: the level is read when the logger is made.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});

/**
 * Whole flows run with known secrets, successes and failures alike, and then every place a secret could
 * end up is searched for each of them: log lines, notifications (webhook, Slack, SNS), HTTP answers and
 * the stored records. The secrets come from SecureString parameters of an SSM stand-in, as deployed.
 */

const unique = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

const SECRETS = {
  adminKey: unique('swy-admin-key'),
  operatorKey: unique('swy-operator-key'),
  approverKey: unique('swy-approver-key'),
  readerKey: unique('swy-reader-key'),
  // The simulators accept their own sandbox credentials only: these are the provider secrets in use.
  ocpSecret: OCP_SANDBOX_CREDENTIALS.accessKeySecret,
  huaweiSecret: HUAWEI_SANDBOX_CREDENTIALS.secretAccessKey,
  alibabaSecret: ALIBABA_SANDBOX_CREDENTIALS.accessKeySecret,
  // What the Huawei parameter held before it was rotated to the key Huawei accepts.
  staleHuaweiSecret: unique('stale-huawei-sk'),
  slackSigningSecret: unique('slack-signing-secret'),
  slackWebhookToken: unique('slackhooktoken'),
  webhookSecret: unique('webhook-signing-secret'),
  alertmanagerToken: unique('alertmanager-token'),
  grafanaPassword: unique('grafana-password'),
  // The key that seals Switchyard's own queue messages (an alert's promotion, a chat command).
  internalSigningKey: unique('internal-signing-key-0123456789abcdef'),
  // Switchyard never creates a migration task (CreateCloudMigrationTask and its SourcePassword are the
  // migration owner's business), so it takes no source password; one sent along anyway must go nowhere.
  sourcePassword: unique('source-password'),
  // A caller's mistyped key is a credential too.
  wrongKey: unique('swy-wrong-key'),
};

const PARAMETER = (name: string) => `/switchyard/test/${name}`;

/** A stand-in for SSM's GetParameter (AWS JSON 1.1), serving SecureString values decrypted. */
async function startSsmStandIn(parameters: Map<string, string>) {
  const reads = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { Name } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Name: string };
      const value = parameters.get(Name);
      const answer =
        req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter'
          ? { status: 400, body: { __type: 'UnknownOperationException' } }
          : value === undefined
            ? { status: 400, body: { __type: 'ParameterNotFound', message: `${Name} not found` } }
            : {
                status: 200,
                body: {
                  Parameter: { Name, Type: 'SecureString', Value: value, Version: 1, DataType: 'text' },
                },
              };
      if (value !== undefined) reads.set(Name, (reads.get(Name) ?? 0) + 1);
      res
        .writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** config/sandbox.yaml with every secret a SecureString parameter reference, and keys of our own. */
async function configDocument(): Promise<string> {
  const config = parseYaml(await readFile(repoPath('config/sandbox.yaml'), 'utf8'));
  const ssm = (name: string) => ({ ssm: PARAMETER(name) });
  config.providers.oceanbase.auth.accessKeySecret = ssm('ocp/access-key-secret');
  config.providers.huawei.auth.secretAccessKey = ssm('huawei/secret-access-key');
  config.providers.alibaba.auth.accessKeySecret = ssm('alibaba/access-key-secret');
  config.alerting.alertmanager = { bearerToken: ssm('alertmanager-token') };
  config.alerting.grafana = { basic: { username: { value: 'grafana' }, password: ssm('grafana-password') } };
  config.chat.slack.signingSecret = ssm('slack/signing-secret');
  // Alerts are decided on arrival here: the hold-off has its own tests.
  for (const pair of config.pairs) if (pair.failover) pair.failover.holdOffSeconds = 0;
  config.notifications.slack[0].webhookUrl = ssm('slack/incoming-webhook-url');
  config.notifications.webhooks[0].secret = ssm('webhook-secret');
  config.internal.signingKey = ssm('internal/signing-key');
  config.apiKeys = [
    { name: 'sandbox-admin', person: 'ada', sha256: sha256Hex(SECRETS.adminKey), scopes: ['admin'] },
    {
      name: 'sandbox-operator',
      person: 'olivia',
      sha256: sha256Hex(SECRETS.operatorKey),
      scopes: ['read', 'operate'],
    },
    {
      name: 'sandbox-approver',
      person: 'adam',
      sha256: sha256Hex(SECRETS.approverKey),
      scopes: ['read', 'approve'],
    },
    { name: 'sandbox-reader', person: 'rita', sha256: sha256Hex(SECRETS.readerKey), scopes: ['read'] },
  ];
  return stringifyYaml(config);
}

let close: () => Promise<void>;
let store: DynamoOperationStore;
let scanTable: () => Promise<unknown[]>;
let ssm: Awaited<ReturnType<typeof startSsmStandIn>>;
let parameters: Map<string, string>;
let sink: WebhookSink;
let urls: { ocp: string; huawei: string; alibaba: string };

/** Everything the product wrote to the console or to stdout/stderr while the flows ran. */
const logs: string[] = [];
/** Every answer a caller got: status, headers and body. */
const answers: HttpAnswer[] = [];
/** Every Slack signature sent: a signature header must not be logged either. */
const slackSignatures: string[] = [];

const answered = (answer: HttpAnswer) => {
  answers.push(answer);
  return answer;
};

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logs.push(format(...args));
    });
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      logs.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      // Kept off the test output, as quiet-console does, unless asked for.
      return process.env.SWITCHYARD_TEST_LOGS ? write(chunk, ...rest) : true;
    }) as typeof stream.write);
  }

  const env = await startTestEnvironment({ webhookSecret: SECRETS.webhookSecret });
  urls = { ocp: env.ocp.url, huawei: env.huawei.url, alibaba: env.alibaba.url };
  sink = env.sink;
  store = env.store;
  parameters = new Map([
    [PARAMETER('config'), await configDocument()],
    [PARAMETER('ocp/access-key-secret'), SECRETS.ocpSecret],
    [PARAMETER('huawei/secret-access-key'), SECRETS.staleHuaweiSecret],
    [PARAMETER('alibaba/access-key-secret'), SECRETS.alibabaSecret],
    [PARAMETER('alertmanager-token'), SECRETS.alertmanagerToken],
    [PARAMETER('grafana-password'), SECRETS.grafanaPassword],
    [PARAMETER('slack/signing-secret'), SECRETS.slackSigningSecret],
    [PARAMETER('internal/signing-key'), SECRETS.internalSigningKey],
    [
      PARAMETER('slack/incoming-webhook-url'),
      `${sink.slackUrl}/services/T0SWY/B0SWY/${SECRETS.slackWebhookToken}`,
    ],
    [PARAMETER('webhook-secret'), SECRETS.webhookSecret],
  ]);
  ssm = await startSsmStandIn(parameters);
  Object.assign(process.env, {
    SWITCHYARD_CONFIG: `ssm:${PARAMETER('config')}`,
    // The SDK's own setting for a service endpoint: SSM calls go to the stand-in.
    AWS_ENDPOINT_URL_SSM: ssm.url,
    // Short, so the rotation below is taken within the test.
    SWITCHYARD_SECRETS_TTL_SECONDS: '1',
  });
  const dynamoClient = new DynamoDBClient({
    endpoint: env.dynamo.endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
  });
  scanTable = async () => {
    const items: unknown[] = [];
    let ExclusiveStartKey: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page = await dynamoClient.send(new ScanCommand({ TableName: env.tableName, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  };
  close = async () => {
    await ssm.close();
    await env.close();
  };
});

afterAll(async () => {
  await close?.();
  vi.restoreAllMocks();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const fault = (url: string, rule: unknown) =>
  fetch(`${url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });

/** Runs the poller until the operation ends, or only `ticks` times for one that waits on purpose. */
const finish = async (id: string, ticks = 300): Promise<Operation | undefined> =>
  pollUntilDone(store, id, ticks).catch(async () => store.get(id));

async function httpCall(
  handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<unknown>,
  variant: string,
  change: (event: APIGatewayProxyEventV2) => void,
) {
  const event = loadEvent<APIGatewayProxyEventV2>('http', variant);
  change(event);
  return answered(httpAnswer(await handler(event, lambdaContext())));
}

const show = (id: string, key = SECRETS.readerKey) =>
  httpCall(getOperation, 'get-operation', (event) => {
    event.pathParameters = { id };
    event.rawPath = `/v1/operations/${id}`;
    Object.assign(event.headers, bearer(key));
  });

async function approve(id: string, key: string) {
  return httpCall(approveOperation, 'get-operation', (event) => {
    event.requestContext.http.method = 'POST';
    event.rawPath = `/v1/operations/${id}/approve`;
    event.pathParameters = { id };
    Object.assign(event.headers, bearer(key), { 'content-type': 'application/json' });
    event.body = JSON.stringify({ comment: 'checked' });
  });
}

const _slackSequence = 0;
async function slashCommand(user: string, text: string, signingSecret = SECRETS.slackSigningSecret) {
  const signed = signedCommand({ sink }, user, text, { secret: signingSecret });
  slackSignatures.push(signed.event.headers['x-slack-signature'] as string);
  return answered(await sendSlashCommand(signed));
}

function alertEvent(source: 'alertmanager' | 'grafana', authorization: string) {
  const event = loadEvent<APIGatewayProxyEventV2>('alerts', `${source}-firing`);
  const body = JSON.parse(event.body as string);
  body.alerts[0].fingerprint = unique('fp');
  // Past the pair's hold-off, so the decision is taken now.
  body.alerts[0].startsAt = new Date(Date.now() - 60_000).toISOString();
  event.body = JSON.stringify(body);
  event.headers.authorization = authorization;
  return event;
}

describe('whole flows with known secrets', () => {
  it('switches OCP tenants over: a dry run, a success, a failed step and a provider 500', async () => {
    const post = (body: unknown) =>
      postOperation(switchover, 'switchover', body, bearer(SECRETS.operatorKey)).then(answered);

    expect((await post({ pair: 'orders-ob', dryRun: true })).status).toBe(200);

    const accepted = await post({ pair: 'orders-ob', reason: 'drill' });
    expect(accepted.status).toBe(202);
    expect((await finish(accepted.body.operation.id))?.state).toBe('SUCCEEDED');
    expect((await show(accepted.body.operation.id)).status).toBe(200);

    await fault(urls.ocp, {
      route: 'switchover',
      times: 1,
      fault: {
        kind: 'fail-step',
        step: 'Switchover standby tenant to primary',
        message: 'log restore source unreachable',
      },
    });
    const failing = await post({ pair: 'payments-ob' });
    expect(failing.status).toBe(202);
    expect((await finish(failing.body.operation.id))?.state).toBe('FAILED');

    // A 500 on the submission leaves the outcome unknown: the operation waits, then looks for the task.
    await fault(urls.ocp, { route: 'switchover', times: 1, fault: { kind: 'status', status: 500 } });
    const ambiguous = await post({ pair: 'orders-ob' });
    expect(ambiguous.status).toBe(202);
    expect(ambiguous.body.operation.state).toBe('SUBMITTING');
    await finish(ambiguous.body.operation.id, 5);

    const listed = await httpCall(listOperations, 'list-operations', (event) => {
      event.queryStringParameters = { pair: 'orders-ob' };
      Object.assign(event.headers, bearer(SECRETS.readerKey));
    });
    expect(listed.status).toBe(200);
  });

  /**
   * The deps just rebuilt, so the next expiry is a full TTL away: deps taken when they were already old
   * would be replaced by the rebuild that very call started, and the test would race it.
   */
  const freshlyRebuiltDeps = async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const old = await sharedDeps();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await sleep(1_100);
      await sharedDeps(); // old by now: starts a rebuild
      await sleep(300);
      const rebuilt = await sharedDeps();
      await sleep(100);
      // Still the same a moment later: taking it started no rebuild of its own.
      if (rebuilt !== old && (await sharedDeps()) === rebuilt) return rebuilt;
    }
    throw new Error('the deps were never rebuilt');
  };

  it('gets 401 from Huawei while its parameter holds a stale key, and works once the parameter is rotated', async () => {
    const post = () =>
      postOperation(configureDr, 'configure-dr', { pair: 'orders-pg' }, bearer(SECRETS.operatorKey)).then(
        answered,
      );
    const refused = await post();
    expect(refused.status).toBe(502);
    expect(JSON.stringify(refused.body)).toContain('APIGW.0301');

    const before = await freshlyRebuiltDeps();
    parameters.set(PARAMETER('huawei/secret-access-key'), SECRETS.huaweiSecret);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // The call that notices the expiry is served at once; the deps are rebuilt behind it.
    expect(await sharedDeps()).toBe(before);
    await vi.waitFor(async () => expect(await sharedDeps()).not.toBe(before), { timeout: 5_000 });

    const accepted = await post();
    expect(accepted.status).toBe(202);
    expect((await finish(accepted.body.operation.id))?.state).toBe('SUCCEEDED');

    // A parameter SSM cannot give for a while: the deps in use stay, and the log names the parameter.
    const kept = await freshlyRebuiltDeps();
    parameters.delete(PARAMETER('webhook-secret'));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await sharedDeps();
    await vi.waitFor(() => expect(logs.some((line) => line.includes('keeping those in use'))).toBe(true));
    expect(await sharedDeps()).toBe(kept);
    parameters.set(PARAMETER('webhook-secret'), SECRETS.webhookSecret);
  });

  it('activates an Alibaba migration, and a source password sent along is refused, over HTTP and the queue', async () => {
    const post = (body: unknown) =>
      postOperation(
        activateMigrationTarget,
        'activate-migration-target',
        body,
        bearer(SECRETS.operatorKey),
      ).then(answered);
    for (const field of ['sourcePassword', 'SourcePassword'])
      expect((await post({ pair: 'crm-migration', [field]: SECRETS.sourcePassword })).status).toBe(400);

    const queued = loadEvent<SQSEvent>('sqs', 'activate-migration-target');
    const message = JSON.parse(queued.Records[0]!.body);
    queued.Records[0]!.body = JSON.stringify({ ...message, SourcePassword: SECRETS.sourcePassword });
    const result = (await activateMigrationTarget(queued, lambdaContext())) as {
      batchItemFailures: unknown[];
    };
    expect(result.batchItemFailures).toHaveLength(1);

    await fault(urls.alibaba, {
      route: 'ActivateMigrationTargetInstance',
      times: 1,
      fault: {
        kind: 'status',
        status: 400,
        code: 'InvalidMigrateStatus',
        message: 'The migrate target instance is not synced with source instance.',
      },
    });
    const refused = await post({ pair: 'crm-migration' });
    expect(refused.status).toBe(422);

    const accepted = await post({ pair: 'crm-migration' });
    expect(accepted.status).toBe(202);
    expect((await finish(accepted.body.operation.id))?.state).toBe('SUCCEEDED');
  });

  it('refuses callers without a valid key and bodies that do not validate', async () => {
    const post = (body: unknown, headers: Record<string, string>) =>
      postOperation(switchover, 'switchover', body, headers).then(answered);
    expect((await post({ pair: 'orders-ob' }, { authorization: '' })).status).toBe(401);
    expect((await post({ pair: 'orders-ob' }, bearer(SECRETS.wrongKey))).status).toBe(401);
    expect((await post({ pair: 'orders-ob' }, bearer(SECRETS.readerKey))).status).toBe(403);
    expect((await post({ pair: 'orders-ob', dryrun: true }, bearer(SECRETS.operatorKey))).status).toBe(400);
    expect(
      (await post({ pair: 42, password: SECRETS.sourcePassword }, bearer(SECRETS.operatorKey))).status,
    ).toBe(400);
    expect((await post({ pair: 'no-such-pair' }, bearer(SECRETS.operatorKey))).status).toBe(422);
  });

  it('takes signed Slack commands, runs one through its queue, and refuses a forged one', async () => {
    expect((await slashCommand('U0SANDBOXRD', 'pairs')).status).toBe(200);
    const queued = await slashCommand('U0SANDBOXOP', 'switchover payments-ob');
    expect(queued.body.text).toContain('is queued');
    const [operation] = (await store.list({ pair: 'payments-ob', limit: 1 })).items;
    expect(operation?.source).toBe('chat');
    await finish(operation!.id);
    expect((await slashCommand('U0SANDBOXRD', `status ${operation!.id}`)).status).toBe(200);
    expect((await slashCommand('U0SANDBOXOP', 'switchover orders-ob', unique('guessed-secret'))).status).toBe(
      401,
    );
  });

  it('takes alerts: Alertmanager fails a pair over, Grafana leaves one for approval, a wrong token is refused', async () => {
    await fetch(`${urls.huawei}/_sandbox/instances/5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'FAILED' }),
    });
    const failover = answered(
      httpAnswer(
        await alertsAlertmanager(
          alertEvent('alertmanager', `Bearer ${SECRETS.alertmanagerToken}`),
          lambdaContext(),
        ),
      ),
    );
    expect(failover.status).toBe(200);
    expect(failover.body.decisions[0].outcome).toBe('failover-requested');
    const [promotion] = (await store.list({ pair: 'ledger-pg', limit: 1 })).items;
    await finish(promotion!.id);

    await fetch(`${urls.alibaba}/_sandbox/instances/pgm-bp1billing0primary`, {
      method: 'PATCH',
      body: JSON.stringify({ DBInstanceStatus: 'Stopped' }),
    });
    const basic = `Basic ${Buffer.from(`grafana:${SECRETS.grafanaPassword}`).toString('base64')}`;
    const held = answered(httpAnswer(await alertsGrafana(alertEvent('grafana', basic), lambdaContext())));
    expect(held.status).toBe(200);
    expect(held.body.decisions[0].outcome).toBe('needs-approval');
    const [waiting] = (await store.list({ pair: 'billing-rds', limit: 1 })).items;
    expect(waiting?.state).toBe('PENDING_APPROVAL');
    expect((await approve(waiting!.id, SECRETS.approverKey)).status).toBe(200);
    if (waiting!.approval?.approversNeeded === 2)
      expect((await approve(waiting!.id, SECRETS.adminKey)).status).toBe(200);
    expect((await finish(waiting!.id))?.state).toBe('SUCCEEDED');

    const wrong = answered(
      httpAnswer(
        await alertsAlertmanager(alertEvent('alertmanager', `Bearer ${SECRETS.wrongKey}`), lambdaContext()),
      ),
    );
    expect(wrong.status).toBe(401);
  });

  it('promotes with data loss only after two approvers', async () => {
    await resetSimulator(urls.huawei);
    // The alerts above left ledger-pg's old primary unfenced; the sandbox reset retired it.
    await httpCall(acknowledgePair, 'switchover', (event) => {
      event.rawPath = '/v1/pairs/ledger-pg/ack';
      event.pathParameters = { pair: 'ledger-pg' };
      Object.assign(event.headers, bearer(SECRETS.approverKey));
      event.body = JSON.stringify({ oldPrimaryRetired: true });
    });
    await fetch(`${urls.huawei}/_sandbox/instances/5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'FAILED' }),
    });
    const waiting = await postOperation(
      promoteStandby,
      'promote-standby',
      { pair: 'ledger-pg', allowDataLoss: true },
      bearer(SECRETS.operatorKey),
    ).then(answered);
    expect(waiting.body.operation.state).toBe('PENDING_APPROVAL');
    // The requester may not approve their own operation.
    expect((await approve(waiting.body.operation.id, SECRETS.operatorKey)).status).toBe(403);
    expect((await approve(waiting.body.operation.id, SECRETS.approverKey)).status).toBe(200);
    expect((await approve(waiting.body.operation.id, SECRETS.adminKey)).status).toBe(200);
    const done = await finish(waiting.body.operation.id);
    expect(done && isTerminal(done.state)).toBe(true);
  });
});

/** Each secret as it could be written down: raw, base64 (both alphabets), hex, URL-encoded. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    ...new Set([
      secret,
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
      bytes.toString('hex'),
      encodeURIComponent(secret),
    ]),
  ];
}

const NEEDLES = [
  ...Object.entries(SECRETS).flatMap(([name, secret]) => encodings(secret).map((text) => ({ name, text }))),
  // Grafana's basic credential travels as base64 of "user:password".
  ...[`grafana:${SECRETS.grafanaPassword}`].flatMap((pair) =>
    encodings(pair).map((text) => ({ name: 'grafanaBasic', text })),
  ),
];

/** Which secrets (by name) a text holds in any encoding. */
const secretsIn = (text: string) => [
  ...new Set(NEEDLES.filter((n) => text.includes(n.text)).map((n) => n.name)),
];

describe('where secrets could end up', () => {
  it('used every secret: the flows above really ran with them', () => {
    for (const name of [
      'ocp/access-key-secret',
      'huawei/secret-access-key',
      'alibaba/access-key-secret',
      'alertmanager-token',
      'grafana-password',
      'slack/signing-secret',
      'internal/signing-key',
      'slack/incoming-webhook-url',
      'webhook-secret',
    ])
      expect(ssm.reads.get(PARAMETER(name)), name).toBeGreaterThan(0);
    expect(sink.received.length).toBeGreaterThan(20);
    expect(sink.received.every((r) => r.signatureValid)).toBe(true);
    expect(sink.slack.some((p) => p.path.endsWith(SECRETS.slackWebhookToken))).toBe(true);
    expect(sink.slack.some((p) => p.path.startsWith('/slack/commands/'))).toBe(true);
    expect(sink.sns.length).toBeGreaterThan(20);
    // The console channel's JSON lines, each with its correlation keys.
    expect(logs.some((line) => line.includes('"scope":"notify"') && line.includes('"operationId":'))).toBe(
      true,
    );
    expect(answers.length).toBeGreaterThan(20);
  });

  it('finds no secret in any log line', () => {
    const leaks = logs.filter((line) => secretsIn(line).length > 0);
    expect(leaks).toEqual([]);
  });

  it('logs no signature or credential header', () => {
    const patterns = [
      /v[01]=[0-9a-f]{64}/,
      /SDK-HMAC-SHA256\s/,
      /ACS3-HMAC-SHA256\s/,
      /OCP-ACCESS-KEY-HMACSHA1\s/,
      /Signature=/i,
      /\b(Bearer|Basic)\s+\S/,
      /x-(slack|switchyard)-signature/i,
    ];
    const leaks = logs.filter(
      (line) => patterns.some((p) => p.test(line)) || slackSignatures.some((s) => line.includes(s)),
    );
    expect(leaks).toEqual([]);
  });

  it('finds no secret in any notification: webhook bodies, Slack posts, SNS messages', () => {
    const places = {
      webhook: sink.received.map((r) => JSON.stringify(r.notification)),
      slack: sink.slack.map((p) => JSON.stringify(p.body)),
      sns: sink.sns.map((m) => JSON.stringify({ subject: m.subject, message: m.message })),
    };
    for (const [place, texts] of Object.entries(places))
      expect(
        texts.filter((t) => secretsIn(t).length > 0),
        place,
      ).toEqual([]);
  });

  it('finds no secret in any HTTP answer, body or header', () => {
    const leaks = answers.map((a) => JSON.stringify(a)).filter((t) => secretsIn(t).length > 0);
    expect(leaks).toEqual([]);
  });

  it('finds no secret in any stored record: operations, decisions, idempotency keys, locks', async () => {
    const items = await scanTable();
    expect(items.length).toBeGreaterThan(10);
    const leaks = items.map((item) => JSON.stringify(item)).filter((t) => secretsIn(t).length > 0);
    expect(leaks).toEqual([]);
  });
});
