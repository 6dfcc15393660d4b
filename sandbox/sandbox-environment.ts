import { fileURLToPath } from 'node:url';
import { QUEUE_NAMES } from '../shared/queue/command-queue.js';
import { type AlibabaSimulator, startAlibabaSimulator } from './alibaba-simulator.js';
import {
  type HuaweiSimulator,
  type HuaweiSimulatorOptions,
  startHuaweiSimulator,
} from './huawei-simulator.js';
import { ensureTable, LOCAL_AWS_ENV, type LocalDynamo, startLocalDynamo } from './local-dynamo.js';
import { type DeliveryTarget, type LocalSqs, noConsumer, startLocalSqs } from './local-sqs.js';
import { type OcpSimulator, startOcpSimulator } from './ocp-simulator.js';
import type { localPorts } from './ports.js';
import { startWebhookSink, type WebhookSink } from './webhook-sink.js';

/**
 * The sandbox's servers as `npm start`, the tests and the benchmark run them: dynalite, the three provider
 * simulators and the webhook sink, on the ports given or free ones, and the environment that points Switchyard's
 * functions at them.
 */

/** The webhook secret the shipped config/sandbox.yaml signs with. */
export const SANDBOX_WEBHOOK_SECRET = 'sandbox-webhook-secret';

/** SWITCHYARD_CONFIG for the shipped config/sandbox.yaml. */
export const SANDBOX_CONFIG = `file:${fileURLToPath(new URL('../config/sandbox.yaml', import.meta.url))}`;

type SimulatorName = 'ocp' | 'huawei' | 'alibaba';

/** Where each server listens; a port absent or 0: a free loopback one (tests). */
export type SandboxPorts = Partial<
  Pick<ReturnType<typeof localPorts>, SimulatorName | 'dynamo' | 'webhookSink' | 'sqs'>
>;

export interface ProviderSimulatorOptions {
  ports?: SandboxPorts;
  /** How many times faster than real time simulated time runs: on all three, or on each. */
  speed: number | Record<SimulatorName, number>;
  /** The Huawei seed where it is not the default (the benchmark's fleet of pairs). */
  huawei?: Pick<HuaweiSimulatorOptions, 'instances' | 'relations'>;
  /** Each job step's time, give or take this fraction, at random (the latency benchmark). */
  jitter?: number;
}

export interface ProviderSimulators {
  ocp: OcpSimulator;
  huawei: HuaweiSimulator;
  alibaba: AlibabaSimulator;
  close(): Promise<void>;
}

/** The three provider simulators (`npm run sandbox` runs them alone). */
export async function startProviderSimulators(
  options: ProviderSimulatorOptions,
): Promise<ProviderSimulators> {
  const { ports = {}, speed } = options;
  const speeds = typeof speed === 'number' ? { ocp: speed, huawei: speed, alibaba: speed } : speed;
  const [ocp, huawei, alibaba] = await Promise.all([
    startOcpSimulator({ port: ports.ocp, speed: speeds.ocp, jitter: options.jitter }),
    startHuaweiSimulator({
      port: ports.huawei,
      speed: speeds.huawei,
      jitter: options.jitter,
      ...options.huawei,
    }),
    startAlibabaSimulator({ port: ports.alibaba, speed: speeds.alibaba, jitter: options.jitter }),
  ]);
  return {
    ocp,
    huawei,
    alibaba,
    close: async () => {
      await Promise.all([ocp.close(), huawei.close(), alibaba.close()]);
    },
  };
}

/** Where each sandbox server answers: all Switchyard needs to reach them, even from another process. */
export interface SandboxUrls {
  dynamo: string;
  ocp: string;
  huawei: string;
  alibaba: string;
  sink: string;
  slack: string;
  sns: string;
  /** Each of Switchyard's queues (by operation kind, and `follow-up`) in the SQS stand-in. */
  queues: Record<string, string>;
}

export interface SandboxServerOptions extends ProviderSimulatorOptions {
  /** The DynamoDB table created in dynalite. */
  tableName: string;
  /** The sink checks the webhook's signatures with it (default: the shipped config's). */
  webhookSecret?: string;
  onNotification?: Parameters<typeof startWebhookSink>[0]['onNotification'];
  onSlack?: Parameters<typeof startWebhookSink>[0]['onSlack'];
  onSns?: Parameters<typeof startWebhookSink>[0]['onSns'];
  /**
   * Where the SQS stand-in delivers each queue's messages (the function named `<functionPrefix><queue>`), and how
   * much faster than real time its retries run.
   */
  queues?: {
    target: DeliveryTarget;
    functionPrefix: string;
    speed?: number;
    clockScale?: number;
    maxReceiveCount?: number;
  };
}

export interface SandboxServers extends ProviderSimulators {
  dynamo: LocalDynamo;
  sink: WebhookSink;
  sqs: LocalSqs;
  urls: SandboxUrls;
}

/** dynalite with Switchyard's table, the provider simulators and the webhook sink; `close` stops them all. */
export async function startSandboxServers(options: SandboxServerOptions): Promise<SandboxServers> {
  const dynamo = await startLocalDynamo({ port: options.ports?.dynamo });
  await ensureTable(dynamo.endpoint, options.tableName);
  const prefix = options.queues?.functionPrefix ?? 'switchyard-dev-';
  const queueNames = Object.fromEntries(QUEUE_NAMES.map((name) => [name, `${prefix}${name}`]));
  const [simulators, sink, sqs] = await Promise.all([
    startProviderSimulators(options),
    startWebhookSink({
      port: options.ports?.webhookSink,
      secret: options.webhookSecret ?? SANDBOX_WEBHOOK_SECRET,
      onNotification: options.onNotification,
      onSlack: options.onSlack,
      onSns: options.onSns,
    }),
    startLocalSqs({
      port: options.ports?.sqs,
      // With no consumer (the simulators alone) a message is dead-lettered after its retries, as SQS would.
      target: options.queues?.target ?? noConsumer,
      queues: queueNames,
      speed: options.queues?.speed,
      clockScale: options.queues?.clockScale,
      maxReceiveCount: options.queues?.maxReceiveCount,
    }),
  ]);
  const { ocp, huawei, alibaba } = simulators;
  return {
    ...simulators,
    dynamo,
    sink,
    sqs,
    urls: {
      dynamo: dynamo.endpoint,
      ocp: ocp.url,
      huawei: huawei.url,
      alibaba: alibaba.url,
      sink: sink.url,
      slack: sink.slackUrl,
      sns: sink.snsUrl,
      queues: Object.fromEntries(
        Object.entries(queueNames).map(([name, queue]) => [name, sqs.queueUrl(queue)]),
      ),
    },
    close: async () => {
      await Promise.all([simulators.close(), sink.close(), sqs.close()]);
      await dynamo.close();
    },
  };
}

export interface SwitchyardEnvOptions {
  /** SWITCHYARD_CONFIG (default: the shipped config/sandbox.yaml). */
  config?: string;
  tableName: string;
}

/** The environment that points Switchyard's functions at the sandbox's servers. */
export function switchyardEnv(urls: SandboxUrls, options: SwitchyardEnvOptions): Record<string, string> {
  return {
    ...LOCAL_AWS_ENV,
    SWITCHYARD_CONFIG: options.config ?? SANDBOX_CONFIG,
    SWITCHYARD_TABLE: options.tableName,
    SWITCHYARD_DYNAMODB_ENDPOINT: urls.dynamo,
    OCP_ENDPOINT: urls.ocp,
    HUAWEI_ENDPOINT: urls.huawei,
    ALIBABA_ENDPOINT: urls.alibaba,
    WEBHOOK_SINK_URL: urls.sink,
    SLACK_SINK_URL: urls.slack,
    SWITCHYARD_SNS_ENDPOINT: urls.sns,
    // The stack's queues, deployed; here the SQS stand-in's (and its endpoint, which the queue URLs name anyway:
    // given, the SDK has no different endpoint of its own to warn about).
    SWITCHYARD_QUEUE_URLS: JSON.stringify(urls.queues),
    ...(Object.values(urls.queues)[0]
      ? { AWS_ENDPOINT_URL_SQS: new URL(Object.values(urls.queues)[0] as string).origin }
      : {}),
  };
}

export interface SandboxEnvironment extends SandboxServers {
  env: Record<string, string>;
}

/** The sandbox's servers and the environment that points Switchyard's functions at them. */
export async function startSandboxEnvironment(
  options: SandboxServerOptions & SwitchyardEnvOptions,
): Promise<SandboxEnvironment> {
  const servers = await startSandboxServers(options);
  return { ...servers, env: switchyardEnv(servers.urls, options) };
}
