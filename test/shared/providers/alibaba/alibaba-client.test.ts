import { createRequire } from 'node:module';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ALIBABA_SANDBOX_CREDENTIALS,
  type AlibabaSimulator,
  startAlibabaSimulator,
} from '../../../../sandbox/alibaba-simulator.js';
import { AlibabaRdsClient, alibabaError } from '../../../../shared/providers/alibaba/alibaba-client.js';
import {
  acs3Authorization,
  alibabaTimestamp,
  EMPTY_PAYLOAD_SHA256,
} from '../../../../shared/providers/alibaba/alibaba-signer.js';
import { providerFailure } from '../../../support/provider-failure.js';

// The official RDS client, used unchanged: it signs V3 and parses the answers into its own models.
const require = createRequire(import.meta.url);
const Rds = require('@alicloud/rds20140815');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

let sim: AlibabaSimulator;
beforeAll(async () => {
  sim = await startAlibabaSimulator({ speed: 1000 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sandbox/reset`, { method: 'POST' });
});

function officialClient(secret: string = ALIBABA_SANDBOX_CREDENTIALS.accessKeySecret) {
  return new Rds.default(
    new $OpenApiUtil.Config({
      accessKeyId: ALIBABA_SANDBOX_CREDENTIALS.accessKeyId,
      accessKeySecret: secret,
      endpoint: new URL(sim.url).host,
      protocol: 'HTTP',
      regionId: 'cn-hangzhou',
    }),
  );
}

const ours = (overrides: Partial<ConstructorParameters<typeof AlibabaRdsClient>[0]> = {}) =>
  new AlibabaRdsClient({
    endpoint: sim.url,
    auth: ALIBABA_SANDBOX_CREDENTIALS,
    sleep: async () => {},
    ...overrides,
  });

describe('the Alibaba sandbox', () => {
  it('serves the official @alicloud/rds20140815 client unchanged', async () => {
    const client = officialClient();
    const attribute = await client.describeDBInstanceAttribute(
      new Rds.DescribeDBInstanceAttributeRequest({ DBInstanceId: 'pgm-bp1crm0migration01' }),
    );
    expect(attribute.statusCode).toBe(200);
    expect(attribute.body.items.DBInstanceAttribute[0].DBInstanceStatus).toBe('Running');

    const migration = await client.describeCloudMigrationResult(
      new Rds.DescribeCloudMigrationResultRequest({ DBInstanceName: 'pgm-bp1crm0migration01' }),
    );
    expect(migration.body.items[0].migrateStage).toBe('increment');

    const activated = await client.activateMigrationTargetInstance(
      new Rds.ActivateMigrationTargetInstanceRequest({
        DBInstanceName: 'pgm-bp1crm0migration01',
        switchTimeMode: '0',
      }),
    );
    expect(activated.body.taskId).toBeGreaterThan(0);

    const now = new Date();
    const tasks = await client.describeHistoryTasks(
      new Rds.DescribeHistoryTasksRequest({
        taskIds: [String(activated.body.taskId)],
        fromStartTime: alibabaTimestamp(new Date(now.getTime() - 3_600_000)),
        toStartTime: alibabaTimestamp(new Date(now.getTime() + 3_600_000)),
      }),
    );
    expect(tasks.body.items[0].taskId).toBe(String(activated.body.taskId));
  });

  it('refuses the official client with a wrong secret (SignatureDoesNotMatch)', async () => {
    const error = await officialClient('not-the-secret')
      .describeDBInstanceAttribute(
        new Rds.DescribeDBInstanceAttributeRequest({ DBInstanceId: 'pgm-bp1crm0migration01' }),
      )
      .catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe('SignatureDoesNotMatch');
  });

  it('works with the RPC HMAC-SHA1 signature too', async () => {
    const attribute = await ours({ signature: 'rpc' }).describeInstance('pgm-2zebilling0standby');
    expect(attribute?.RegionId).toBe('cn-beijing');
  });

  it('refuses a reused nonce and a stale timestamp', async () => {
    const url = `${sim.url}/?DBInstanceId=pgm-bp1crm0migration01`;
    const signed = (date: Date, nonce: string) => {
      const headers: Record<string, string> = {
        host: new URL(sim.url).host,
        'x-acs-action': 'DescribeDBInstanceAttribute',
        'x-acs-version': '2014-08-15',
        'x-acs-date': alibabaTimestamp(date),
        'x-acs-signature-nonce': nonce,
        'x-acs-content-sha256': EMPTY_PAYLOAD_SHA256,
      };
      headers.authorization = acs3Authorization(
        {
          method: 'POST',
          pathname: '/',
          query: { DBInstanceId: 'pgm-bp1crm0migration01' },
          headers,
          payloadHash: EMPTY_PAYLOAD_SHA256,
        },
        ALIBABA_SANDBOX_CREDENTIALS,
      );
      return headers;
    };
    const send = async (headers: Record<string, string>) => {
      const response = await request(url, { method: 'POST', headers });
      return { status: response.statusCode, body: (await response.body.json()) as { Code?: string } };
    };

    const once = signed(new Date(), 'nonce-used-twice');
    expect((await send(once)).status).toBe(200);
    expect((await send(once)).body.Code).toBe('SignatureNonceUsed');
    expect((await send(signed(new Date(Date.now() - 16 * 60_000), 'fresh-nonce'))).body.Code).toBe(
      'InvalidTimeStamp.Expired',
    );
  });

  it('waits out throttling for as long as x-acs-retry-after says', async () => {
    await fetch(`${sim.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({
        route: 'UpgradeDBInstanceKernelVersion',
        times: 1,
        fault: { kind: 'throttle', retryAfterSeconds: 2.5 },
      }),
    });
    const waits: number[] = [];
    const client = ours({ sleep: async (ms) => void waits.push(ms) });
    const out = await client.upgradeKernelVersion('pgm-bp1billing0primary', { upgradeTime: 'Immediate' });
    expect(out.TaskId).toBeDefined();
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(2500);
  });

  it('reads the tasks of many operations asked at once with one DescribeHistoryTasks call of up to 30 ids', async () => {
    const client = ours();
    const upgraded = await client.upgradeKernelVersion('pgm-bp1billing0primary', {
      upgradeTime: 'Immediate',
    });
    const taskId = String(upgraded.TaskId);
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 3_600_000) };
    sim.calls.clear();

    const read = (id: string, signal?: AbortSignal) => client.historyTask({ taskId: id, ...window }, signal);
    const strangers = Array.from({ length: 34 }, (_, i) => `9${String(i).padStart(6, '0')}`);
    const leaving = new AbortController();
    const [first, second, abandoned, ...rest] = await Promise.allSettled([
      read(taskId),
      read(taskId),
      read(taskId, leaving.signal),
      ...strangers.map((id) => read(id)),
      (async () => leaving.abort(new Error('this caller gave up')))(),
    ]);
    // 35 distinct ids: two calls (30 and 5), and the same id asked three times shares one answer.
    expect(sim.calls.get('DescribeHistoryTasks')).toBe(2);
    expect(first.status === 'fulfilled' && String(first.value?.TaskId)).toBe(taskId);
    expect(second.status === 'fulfilled' && second.value).toEqual(
      first.status === 'fulfilled' && first.value,
    );
    // The caller who gave up is told so; the call went on for the others.
    expect(abandoned.status).toBe('rejected');
    expect(rest.slice(0, -1).every((r) => r.status === 'fulfilled' && r.value === undefined)).toBe(true);

    // A refused call fails every read it carried, as each would have failed alone.
    await fetch(`${sim.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({
        route: 'DescribeHistoryTasks',
        times: 3,
        fault: { kind: 'status', status: 500 },
      }),
    });
    const failing = ours({ retry: { attempts: 1 } });
    const outcomes = await Promise.allSettled(
      [taskId, strangers[0]!].map((id) => failing.historyTask({ taskId: id, ...window })),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });

  it('never retries a signature or credential refusal', async () => {
    const waits: number[] = [];
    const client = ours({
      auth: { accessKeyId: ALIBABA_SANDBOX_CREDENTIALS.accessKeyId, accessKeySecret: 'wrong' },
      sleep: async (ms) => void waits.push(ms),
    });
    const error = await providerFailure(client.describeInstance('pgm-bp1crm0migration01'));
    expect(error.providerCode).toBe('SignatureDoesNotMatch');
    expect(waits).toEqual([]);
  });

  it('says which status a refusal deserves', () => {
    const body = (code: string) =>
      JSON.stringify({ RequestId: 'r', HostId: 'rds.aliyuncs.com', Code: code, Message: 'm' });
    expect(
      alibabaError({ status: 400, headers: {}, text: body('IncorrectDBInstanceState') }).answerStatus,
    ).toBe(409);
    expect(
      alibabaError({ status: 404, headers: {}, text: body('IncorrectDBInstanceLockMode') }).answerStatus,
    ).toBe(409);
    expect(alibabaError({ status: 400, headers: {}, text: body('InvalidMigrateStatus') }).answerStatus).toBe(
      422,
    );
    expect(alibabaError({ status: 400, headers: {}, text: body('InvalidMigrateTask') }).answerStatus).toBe(
      422,
    );
    expect(alibabaError({ status: 400, headers: {}, text: body('SignatureDoesNotMatch') })).toMatchObject({
      answerStatus: 502,
      retryable: false,
    });
    expect(alibabaError({ status: 503, headers: {}, text: body('ServiceUnavailable') })).toMatchObject({
      retryable: true,
      outcome: 'not-applied',
    });
    expect(alibabaError({ status: 500, headers: {}, text: body('InternalError') })).toMatchObject({
      retryable: true,
      outcome: 'unknown',
    });
  });
});
