import { afterAll, beforeAll, beforeEach } from 'vitest';
import { LOCAL_AWS_ENV } from '../../sandbox/local-dynamo.js';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../sandbox/sandbox-environment.js';
import type { Config } from '../../shared/config/config-schema.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { createDeps } from '../../shared/create-deps.js';
import type { Deps } from '../../shared/deps.js';
import { DynamoOperationStore } from '../../shared/store/dynamo-operation-store.js';
import { startLambdaEndpoint, TEST_FUNCTION_PREFIX } from './lambda-endpoint.js';

export interface TestEnvironment extends SandboxEnvironment {
  store: DynamoOperationStore;
  tableName: string;
}

/**
 * Real servers for one test file: dynalite, the three provider simulators and a webhook sink, all on free loopback
 * ports, and the environment the functions read (the shipped config/sandbox.yaml pointed at them).
 */
export async function startTestEnvironment(
  options: { ocpSpeed?: number; huaweiSpeed?: number; alibabaSpeed?: number; webhookSecret?: string } = {},
): Promise<TestEnvironment> {
  const tableName = 'switchyard-test';
  const lambdaEndpoint = await startLambdaEndpoint();
  const sandbox = await startSandboxEnvironment({
    tableName,
    // Fast enough that the four-minute switchover takes a fraction of a second.
    speed: {
      ocp: options.ocpSpeed ?? 1000,
      huawei: options.huaweiSpeed ?? 1000,
      alibaba: options.alibabaSpeed ?? 1000,
    },
    webhookSecret: options.webhookSecret,
    lambda: { endpoint: lambdaEndpoint.url, functionPrefix: TEST_FUNCTION_PREFIX },
  });
  Object.assign(process.env, sandbox.env);
  const store = new DynamoOperationStore({
    tableName,
    clientConfig: { endpoint: sandbox.dynamo.endpoint, region: LOCAL_AWS_ENV.AWS_REGION },
  });
  return {
    ...sandbox,
    store,
    tableName,
    close: async () => {
      await Promise.all([sandbox.close(), lambdaEndpoint.close()]);
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
