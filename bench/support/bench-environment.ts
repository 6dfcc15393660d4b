import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse } from 'yaml';
import { ensureTable, LOCAL_AWS_ENV } from '../../sandbox/local-dynamo.js';
import { startLocalSqs } from '../../sandbox/local-sqs.js';
import { type SandboxUrls, switchyardEnv } from '../../sandbox/sandbox-environment.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { createDeps } from '../../shared/create-deps.js';
import type { Deps } from '../../shared/deps.js';
import { QUEUE_NAMES } from '../../shared/queue/command-queue.js';
import { DynamoFailoverStore } from '../../shared/store/dynamo-failover-store.js';
import { DynamoOperationStore } from '../../shared/store/dynamo-operation-store.js';
import { inProcessConsumers, TEST_FUNCTION_PREFIX } from '../../test/support/queue-consumers.js';
import { BENCH_PAIRS, benchPair } from './bench-pairs.js';

const root = new URL('../../', import.meta.url).pathname;
export const BENCH_TABLE = 'switchyard-bench';

/** The remote side's URLs, as bench/support/servers.ts prints them. */
export type BenchServers = SandboxUrls;

export interface BenchEnvironment {
  servers: BenchServers;
  env: Record<string, string>;
  configPath: string;
  store: DynamoOperationStore;
  failover: DynamoFailoverStore;
  /** A bare document client on the table, as the SDK builds it by default: the critical path's floor writes with it. */
  bareStore: DynamoDBDocumentClient;
  /** Deps as the functions build them, with the poller's concurrency set. */
  deps(concurrency?: number): Promise<Deps>;
  close(): Promise<void>;
}

/**
 * The shipped sandbox configuration, plus `pairs` of the storm's pairs (automatic failover after `holdOffSeconds`) and
 * no console notifications: every other channel (signed webhook, Slack, SNS) stays, as their cost is real. Written as
 * JSON, as the README's deployment stores it in SSM: a YAML document's parse is a cold start's largest cost.
 */
export async function writeBenchConfig(
  dir: string,
  options: { followUps: boolean; holdOffSeconds: number; pairs: number },
): Promise<string> {
  const config = parse(await readFile(join(root, 'config/sandbox.yaml'), 'utf8'));
  config.notifications.console = false;
  config.poller.followUps = options.followUps;
  config.alerting.maxAutomaticFailoversPerHour = 1_000_000;
  for (let i = 0; i < options.pairs; i++) {
    const pair = benchPair(i);
    config.pairs.push({
      name: pair.name,
      provider: 'huawei',
      failover: { mode: 'auto', holdOffSeconds: options.holdOffSeconds, cooldownSeconds: 3600 },
      huawei: { primary: pair.primary, dr: pair.dr },
    });
    config.alerting.routes.push({
      pair: pair.name,
      match: { alertname: 'PostgresPrimaryDown', cluster: pair.name },
    });
  }
  const path = join(dir, 'bench-config.json');
  await writeFile(path, JSON.stringify(config));
  return path;
}

/** Starts the remote side in its own process and points this process's functions at it. */
export async function startBenchEnvironment(): Promise<BenchEnvironment> {
  const child: ChildProcess = spawn(
    join(root, 'node_modules/.bin/tsx'),
    [join(root, 'bench/support/servers.ts'), BENCH_TABLE],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const servers = await new Promise<BenchServers>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
    lines.once('line', (line) => resolve(JSON.parse(line)));
  });
  // The queues' consumers run in this process, as the functions measured do: so does the SQS stand-in.
  const queueNames = Object.fromEntries(QUEUE_NAMES.map((name) => [name, `${TEST_FUNCTION_PREFIX}${name}`]));
  const sqs = await startLocalSqs({ target: inProcessConsumers, queues: queueNames, speed: 1000 });
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
  // The benchmarks but the latency's measure the poller alone (the sweep-only design).
  const configPath = await writeBenchConfig(dir, { followUps: false, holdOffSeconds: 0, pairs: BENCH_PAIRS });
  const queues = Object.fromEntries(
    Object.entries(queueNames).map(([name, queue]) => [name, sqs.queueUrl(queue)]),
  );
  const env = switchyardEnv({ ...servers, queues }, { config: `file:${configPath}`, tableName: BENCH_TABLE });
  Object.assign(process.env, env);
  const store = new DynamoOperationStore({
    tableName: BENCH_TABLE,
    clientConfig: { endpoint: servers.dynamo, region: LOCAL_AWS_ENV.AWS_REGION },
  });
  const clientConfig = { endpoint: servers.dynamo, region: LOCAL_AWS_ENV.AWS_REGION };
  return {
    servers,
    env,
    configPath,
    store,
    failover: new DynamoFailoverStore({ tableName: BENCH_TABLE, clientConfig }),
    bareStore: DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...clientConfig, credentials: LOCAL_CREDENTIALS }),
    ),
    async deps(concurrency) {
      const config = await loadConfig(env.SWITCHYARD_CONFIG, async () => '', env);
      if (concurrency) config.poller.concurrency = concurrency;
      return createDeps(config, { env });
    },
    async close() {
      await sqs.close();
      child.stdin?.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

const LOCAL_CREDENTIALS = {
  accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
};

/** An empty table: each section starts without what the one before left running. */
export async function resetTable(env: BenchEnvironment) {
  const client = new DynamoDBClient({
    endpoint: env.servers.dynamo,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await client.send(new DeleteTableCommand({ TableName: BENCH_TABLE }));
  await ensureTable(env.servers.dynamo, BENCH_TABLE);
}

/** No cooldown on the pair and the brake re-armed: the next alert meets the same conditions. */
export async function rearmFailover(env: BenchEnvironment, pair: string) {
  const state = await env.failover.getPairState(pair);
  await env.failover.putPairState({ pair, version: state.version + 1 });
  const brake = await env.failover.getBrake();
  await env.failover.putBrake({ engaged: false, recent: [], version: brake.version + 1 });
}

/** Resets every simulator to its starting state (instances, jobs, faults, counters). */
export async function resetSimulators(servers: BenchServers) {
  await Promise.all(
    [servers.ocp, servers.huawei, servers.alibaba].map((url) =>
      fetch(`${url}/_sandbox/reset`, { method: 'POST' }).then((r) => r.arrayBuffer()),
    ),
  );
}
