import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type AlibabaSimulator, startAlibabaSimulator } from '../../sandbox/alibaba-simulator.js';
import { type HuaweiSimulator, startHuaweiSimulator } from '../../sandbox/huawei-simulator.js';
import {
  ensureTable,
  LOCAL_AWS_ENV,
  type LocalDynamo,
  startLocalDynamo,
} from '../../sandbox/local-dynamo.js';
import { type OcpSimulator, startOcpSimulator } from '../../sandbox/ocp-simulator.js';
import { startWebhookSink, type WebhookSink } from '../../sandbox/webhook-sink.js';
import type { Config } from '../../shared/config/config-schema.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { createDeps } from '../../shared/create-deps.js';
import type { Deps } from '../../shared/deps.js';
import { DynamoOperationStore } from '../../shared/store/dynamo-operation-store.js';
import { repoPath } from './fixtures.js';
import { startLambdaEndpoint, TEST_FUNCTION_PREFIX } from './lambda-endpoint.js';

export const SANDBOX_WEBHOOK_SECRET = 'sandbox-webhook-secret';

export interface TestEnvironment {
  dynamo: LocalDynamo;
  ocp: OcpSimulator;
  huawei: HuaweiSimulator;
  alibaba: AlibabaSimulator;
  sink: WebhookSink;
  store: DynamoOperationStore;
  tableName: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Real servers for one test file: dynalite, the three provider simulators and a webhook sink, all on free loopback
 * ports, and the environment the functions read (the shipped config/sandbox.yaml pointed at them).
 */
export async function startTestEnvironment(
  options: { ocpSpeed?: number; huaweiSpeed?: number; alibabaSpeed?: number; webhookSecret?: string } = {},
): Promise<TestEnvironment> {
  const dynamo = await startLocalDynamo();
  const tableName = 'switchyard-test';
  await ensureTable(dynamo.endpoint, tableName);
  // Fast enough that the four-minute switchover takes a fraction of a second.
  const ocp = await startOcpSimulator({ speed: options.ocpSpeed ?? 1000 });
  const huawei = await startHuaweiSimulator({ speed: options.huaweiSpeed ?? 1000 });
  const alibaba = await startAlibabaSimulator({ speed: options.alibabaSpeed ?? 1000 });
  const sink = await startWebhookSink({ secret: options.webhookSecret ?? SANDBOX_WEBHOOK_SECRET });
  const lambdaEndpoint = await startLambdaEndpoint();
  const env = {
    ...LOCAL_AWS_ENV,
    SWITCHYARD_CONFIG: `file:${repoPath('config/sandbox.yaml')}`,
    SWITCHYARD_TABLE: tableName,
    SWITCHYARD_DYNAMODB_ENDPOINT: dynamo.endpoint,
    OCP_ENDPOINT: ocp.url,
    HUAWEI_ENDPOINT: huawei.url,
    ALIBABA_ENDPOINT: alibaba.url,
    WEBHOOK_SINK_URL: sink.url,
    SLACK_SINK_URL: sink.slackUrl,
    SWITCHYARD_SNS_ENDPOINT: sink.snsUrl,
    SWITCHYARD_LOCAL_LAMBDA_ENDPOINT: lambdaEndpoint.url,
    SWITCHYARD_FUNCTION_PREFIX: TEST_FUNCTION_PREFIX,
  };
  Object.assign(process.env, env);
  const store = new DynamoOperationStore({
    tableName,
    clientConfig: { endpoint: dynamo.endpoint, region: LOCAL_AWS_ENV.AWS_REGION },
  });
  return {
    dynamo,
    ocp,
    huawei,
    alibaba,
    sink,
    store,
    tableName,
    env,
    close: async () => {
      await Promise.all([ocp.close(), huawei.close(), alibaba.close(), sink.close(), lambdaEndpoint.close()]);
      await dynamo.close();
    },
  };
}

/**
 * Starts a test environment before the file's tests and stops it after them; the returned function
 * gives the running environment inside a test.
 */
export function useTestEnvironment(
  options: Parameters<typeof startTestEnvironment>[0] = {},
): () => TestEnvironment {
  let env: TestEnvironment | undefined;
  beforeAll(async () => {
    env = await startTestEnvironment(options);
  });
  afterAll(async () => {
    await env?.close();
  });
  return () => {
    if (!env) throw new Error('the test environment has not started');
    return env;
  };
}

/**
 * The functions' dependencies on a test environment, as `createDeps` builds them from the shipped config, on a
 * clock the test moves (grace periods, deadlines, hold-offs) and with the config changed where a test needs.
 */
export async function depsFor(
  env: TestEnvironment,
  options: { now?: () => number; adjust?: (config: Config) => void } = {},
): Promise<Deps> {
  const config = await loadConfig(env.env.SWITCHYARD_CONFIG, async () => '', env.env);
  options.adjust?.(config);
  const deps = await createDeps(config, { env: env.env });
  const now = options.now;
  return now ? { ...deps, now: () => new Date(now()) } : deps;
}

/** A clock a test moves by hand: where the functions' deps take the time from. */
export interface TestClock {
  at: number;
}

/**
 * A test environment with the functions' deps on a clock each test starts at real time and moves on (grace
 * periods, deadlines); OCP is reset before each test. The returned function gives them inside a test.
 */
export function useClockedEnvironment(): () => { env: TestEnvironment; deps: Deps; clock: TestClock } {
  const environment = useTestEnvironment();
  const clock: TestClock = { at: Date.now() };
  let deps: Deps | undefined;
  beforeAll(async () => {
    deps = await depsFor(environment(), { now: () => clock.at });
  });
  beforeEach(async () => {
    await fetch(`${environment().ocp.url}/_sandbox/reset`, { method: 'POST' });
    clock.at = Date.now();
  });
  return () => {
    if (!deps) throw new Error('the test environment has not started');
    return { env: environment(), deps, clock };
  };
}
