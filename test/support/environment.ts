import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parse } from 'yaml';
import { LOCAL_AWS_ENV } from '../../sandbox/local-dynamo.js';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../sandbox/sandbox-environment.js';
import type { Config } from '../../shared/config/config-schema.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { createDeps } from '../../shared/create-deps.js';
import type { Deps } from '../../shared/deps.js';
import { StaleWriteError } from '../../shared/domain/errors.js';
import { DynamoFailoverStore } from '../../shared/store/dynamo-failover-store.js';
import { DynamoOperationStore } from '../../shared/store/dynamo-operation-store.js';
import { repoPath } from './fixtures.js';
import { inProcessConsumers, TEST_FUNCTION_PREFIX } from './queue-consumers.js';

export interface TestEnvironment extends SandboxEnvironment {
  store: DynamoOperationStore;
  tableName: string;
}

/**
 * Real servers for one test file: dynalite, the three provider simulators and a webhook sink, all on free loopback
 * ports, and the environment the functions read (the shipped config/sandbox.yaml pointed at them).
 */
export async function startTestEnvironment(
  options: {
    ocpSpeed?: number;
    huaweiSpeed?: number;
    alibabaSpeed?: number;
    webhookSecret?: string;
    /** Operations follow themselves up through the queue; off, tests step the poller (the sweep) by hand. */
    followUps?: boolean;
  } = {},
): Promise<TestEnvironment> {
  const tableName = 'switchyard-test';
  const sandbox = await startSandboxEnvironment({
    tableName,
    // Fast enough that the four-minute switchover takes a fraction of a second.
    speed: {
      ocp: options.ocpSpeed ?? 1000,
      huawei: options.huaweiSpeed ?? 1000,
      alibaba: options.alibabaSpeed ?? 1000,
    },
    webhookSecret: options.webhookSecret,
    // Queue messages reach the real consumers in this process, through the SQS stand-in. One that fails is
    // dead-lettered at once: a retry compressed to milliseconds would race the test's next steps, where SQS waits
    // out a visibility timeout of minutes.
    queues: { target: inProcessConsumers, functionPrefix: TEST_FUNCTION_PREFIX, maxReceiveCount: 1 },
  });
  sandbox.env.SWITCHYARD_FOLLOW_UPS = String(options.followUps ?? false);
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
      await sandbox.close();
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

/**
 * Puts a simulator back as it started, and Switchyard's record of every pair's roles (and protection, readiness) with it: a promotion that the
 * reset undid must not leave Switchyard taking the configured standby for the primary. The test environment
 * running in this file is the one whose table is cleared (its environment is in process.env).
 */
export async function resetSimulator(url: string): Promise<void> {
  await fetch(`${url}/_sandbox/reset`, { method: 'POST' });
  const failover = new DynamoFailoverStore({
    tableName: process.env.SWITCHYARD_TABLE as string,
    clientConfig: { endpoint: process.env.SWITCHYARD_DYNAMODB_ENDPOINT, region: LOCAL_AWS_ENV.AWS_REGION },
  });
  // The sandbox's pairs by name, whatever config the file's functions read (a file, or SSM in the secrets test).
  const pairs = (
    parse(await readFile(repoPath('config/sandbox.yaml'), 'utf8')) as { pairs: { name: string }[] }
  ).pairs;
  for (const { name } of pairs)
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = await failover.getPairState(name);
      if (!state.roles && !state.protection && !state.readiness) break;
      // What Switchyard learned of the databases the reset put back: their roles, protection and readiness.
      const { roles: _roles, protection: _protection, readiness: _readiness, ...rest } = state;
      try {
        await failover.putPairState({ ...rest, version: state.version + 1 });
        break;
      } catch (error) {
        // Another simulator's reset cleared it at the same moment: look again.
        if (!(error instanceof StaleWriteError)) throw error;
      }
    }
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
    await resetSimulator(environment().ocp.url);
    clock.at = Date.now();
  });
  return () => {
    if (!deps) throw new Error('the test environment has not started');
    return { env: environment(), deps, clock };
  };
}
