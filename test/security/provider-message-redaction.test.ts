import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as activateMigrationTarget } from '../../functions/activate-migration-target/handler.js';
import { handler as configureDr } from '../../functions/configure-dr/handler.js';
import { handler as getOperation } from '../../functions/get-operation/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { OCP_SANDBOX_CREDENTIALS } from '../../sandbox/ocp-simulator.js';
import { ProviderError } from '../../shared/domain/errors.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { postOperation } from '../support/operations.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
beforeAll(() => {
  env = environment();
});

/** Switchyard repeats at most this much of a provider's message. */
const CLIPPED_AT = 300;

interface SignatureRefusal {
  provider: 'alibaba' | 'huawei' | 'ocp';
  handler: typeof switchover;
  eventVariant: string;
  pair: string;
  route: string;
  status: number;
  code?: string;
  message: string;
  /** What must not be repeated anywhere: the access key id and the string-to-sign's content. */
  secrets: string[];
}

/** Alibaba's RPC gateway puts the canonical query, the AccessKeyId in it, in its SignatureDoesNotMatch message. */
const ALIBABA: SignatureRefusal = {
  provider: 'alibaba',
  handler: activateMigrationTarget,
  eventVariant: 'activate-migration-target',
  pair: 'crm-migration',
  route: 'ActivateMigrationTargetInstance',
  status: 400,
  code: 'SignatureDoesNotMatch',
  message:
    'Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DLTAI5tSandboxAccessKey01%26Action%3DActivateMigrationTargetInstance%26DBInstanceName%3Dpgm-bp1crm0migration01%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a1f%26SignatureVersion%3D1.0',
  secrets: ['LTAI5tSandboxAccessKey01', 'POST&%2F&', 'AccessKeyId%3D', 'SignatureNonce%3D'],
};

/** Huawei's API gateway names the Authorization it refused, and the canonical request it signed. */
const HUAWEI: SignatureRefusal = {
  provider: 'huawei',
  handler: configureDr,
  eventVariant: 'configure-dr',
  pair: 'orders-pg',
  route: 'build_master_dr_relation',
  status: 401,
  code: 'APIGW.0301',
  message:
    'Incorrect IAM authentication information: verify aksk signature fail, ak SANDBOXHUAWEIAK00001, Signature=9f2c1e7a4b5d6c3e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6, canonical request: POST\n/v3/0605/instances/master-dr-relation\nhost:rds.example\nx-sdk-date:20261121T090000Z',
  secrets: [
    'SANDBOXHUAWEIAK00001',
    '9f2c1e7a4b5d6c3e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6',
    'x-sdk-date:',
    '/v3/0605/instances',
  ],
};

/** OCP's 401 names the key and the Authorization it refused; its long explanation must be clipped. */
const OCP: SignatureRefusal = {
  provider: 'ocp',
  handler: switchover,
  eventVariant: 'switchover',
  pair: 'orders-ob',
  route: 'switchover',
  status: 401,
  message: `Signature does not match for accessKeyId: sandbox-ocp-access-key (Authorization: OCP-ACCESS-KEY-HMACSHA1 sandbox-ocp-access-key:q0vY8mXc2pWn5rTt3uKk1lZs4aE=). ${'Check the Date, Content-Type and x-ocp headers against the server clock. '.repeat(12)}`,
  secrets: ['sandbox-ocp-access-key', 'q0vY8mXc2pWn5rTt3uKk1lZs4aE='],
};

const simulatorOf = (refusal: SignatureRefusal) =>
  ({ alibaba: env.alibaba, huawei: env.huawei, ocp: env.ocp })[refusal.provider].url;

async function getStored(id: string) {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'get-operation');
  event.pathParameters = { id };
  event.rawPath = `/v1/operations/${id}`;
  return httpAnswer(await getOperation(event, lambdaContext()));
}

/** Everything about the operation that reached a channel: the signed webhook, Slack and SNS. */
function toldAbout(id: string): string[] {
  return [
    ...env.sink.forOperation(id).map((r) => JSON.stringify(r.notification)),
    ...env.sink.slack.map((p) => JSON.stringify(p.body)).filter((body) => body.includes(id)),
    ...env.sink.sns.map((m) => JSON.stringify(m)).filter((body) => body.includes(id)),
  ];
}

/** The failure is announced beside the answer: waits for every channel to have told it. */
async function failureTold(id: string) {
  const failed = (text: string) => text.includes('FAILED');
  await expect
    .poll(
      () => [
        env.sink.forOperation(id).some((r) => r.notification.operation.state === 'FAILED'),
        env.sink.slack.some((p) => JSON.stringify(p.body).includes(id) && failed(p.body.text)),
        env.sink.sns.some((m) => JSON.stringify(m).includes(id) && failed(m.message.default ?? '')),
      ],
      { timeout: 5_000 },
    )
    .toEqual([true, true, true]);
}

function expectNoSecrets(texts: string[], secrets: string[]) {
  for (const secret of secrets) for (const text of texts) expect(text).not.toContain(secret);
}

describe("a provider's signature error", () => {
  it.each([ALIBABA, HUAWEI, OCP])(
    'from $provider is repeated without its key id or string-to-sign, and clipped',
    async (refusal) => {
      await resetSimulator(simulatorOf(refusal));
      await fetch(`${simulatorOf(refusal)}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify({
          route: refusal.route,
          times: 1,
          fault: { kind: 'status', status: refusal.status, code: refusal.code, message: refusal.message },
        }),
      });

      const answer = await postOperation(refusal.handler, refusal.eventVariant, { pair: refusal.pair });

      expect(answer.body.code).toBe('provider_refused');
      expect(answer.body.operation.state).toBe('FAILED');
      if (refusal.code) expect(answer.body.providerCode).toBe(refusal.code);
      expect(answer.body.providerMessage.length).toBeLessThanOrEqual(CLIPPED_AT);
      const id = answer.body.operation.id as string;
      const stored = await getStored(id);
      expect(stored.status).toBe(200);
      expect(stored.body.operation.submission.refusal.providerMessage.length).toBeLessThanOrEqual(CLIPPED_AT);
      await failureTold(id);

      expectNoSecrets(
        [JSON.stringify(answer.body), JSON.stringify(stored.body), ...toldAbout(id)],
        refusal.secrets,
      );
    },
  );

  it('keeps the head of a long message, clipped with an ellipsis', async () => {
    await resetSimulator(env.ocp.url);
    await fetch(`${env.ocp.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({
        route: 'switchover',
        times: 1,
        fault: { kind: 'status', status: 401, message: OCP.message },
      }),
    });

    const answer = await postOperation(switchover, 'switchover', { pair: 'orders-ob' });

    const { providerMessage } = answer.body as { providerMessage: string };
    expect(providerMessage.startsWith('Signature does not match for accessKeyId: [redacted]')).toBe(true);
    expect(providerMessage).toHaveLength(CLIPPED_AT);
    expect(providerMessage.endsWith('…')).toBe(true);
  });

  it("removes the client's own key id and secret, however the provider words them", async () => {
    // No pattern knows these wordings; the client knows its own credentials and strikes them out word for word.
    const wordings = [
      `The access key ${OCP_SANDBOX_CREDENTIALS.accessKeyId} does not exist`,
      `AccessKey: ${OCP_SANDBOX_CREDENTIALS.accessKeyId} is invalid; expected ${OCP_SANDBOX_CREDENTIALS.accessKeySecret}`,
    ];
    for (const message of wordings) {
      await fetch(`${env.ocp.url}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify({
          route: 'switchover',
          times: 1,
          fault: { kind: 'status', status: 401, message },
        }),
      });
      const answer = await postOperation(switchover, 'switchover', { pair: 'orders-ob' });
      const id = answer.body.operation.id as string;
      await failureTold(id);
      expectNoSecrets(
        [JSON.stringify(answer.body), JSON.stringify((await getStored(id)).body), ...toldAbout(id)],
        [OCP_SANDBOX_CREDENTIALS.accessKeyId, OCP_SANDBOX_CREDENTIALS.accessKeySecret],
      );
    }
  });
});

describe('known secrets, however they are echoed', () => {
  it('strikes out a password that contains the user name, and its encoded forms, whole', () => {
    const error = new ProviderError(
      'login failed for ocpadmin with password ocpadmin#S3cret! (ocpadmin%23S3cret!)',
      {
        provider: 'oceanbase',
        outcome: 'not-applied',
        retryable: false,
        knownSecrets: ['ocpadmin', 'ocpadmin#S3cret!'],
      },
    );
    expect(error.message).not.toContain('S3cret');
    expect(error.message).not.toContain('%23');
  });
});
