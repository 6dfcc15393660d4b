import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Dispatcher } from 'undici';
import { awsRequestHandler } from './aws/request-handler.js';
import type { Config } from './config/config-schema.js';
import { internalSigningKey } from './config/internal-key.js';
import {
  loadConfig,
  type ParameterReader,
  SecretResolver,
  secretsTtlMs,
  ssmParameterReader,
} from './config/load-config.js';
import type { Deps } from './deps.js';
import { ConfigError } from './domain/errors.js';
import { newUlid } from './domain/ids.js';
import {
  ConsoleChannel,
  FanOutNotifier,
  type NotificationChannel,
  SignedWebhookChannel,
  SlackWebhookChannel,
  SnsChannel,
} from './notify/channel-notifiers.js';
import { SlackResponseUrlReplier } from './notify/chat-replier.js';
import { createProviders } from './providers/registry.js';
import { type CommandQueue, SealingCommandQueue, SqsCommandQueue } from './queue/command-queue.js';
import { DynamoFailoverStore } from './store/dynamo-failover-store.js';
import { DynamoOperationStore } from './store/dynamo-operation-store.js';
import { tableClient } from './store/table-definition.js';
import { logWarningIn } from './telemetry/logger.js';

/**
 * AWS SDK clients depend on no config document or secret, so a container keeps one of each (per endpoint)
 * across every rebuild of its deps: a refresh re-reads the config and secrets, not the connection pools.
 */
const awsClients = new Map<string, unknown>();

function awsClient<T>(key: string, build: () => T): T {
  if (!awsClients.has(key)) awsClients.set(key, build());
  return awsClients.get(key) as T;
}

export interface CreateDepsOptions {
  env?: Record<string, string | undefined>;
  readParameter?: ParameterReader;
  /** The container's secret cache, kept across rebuilds; a new one (on readParameter) when absent. */
  secrets?: SecretResolver;
  /** One undici dispatcher for providers and notification webhooks (tests, benchmarks). */
  dispatcher?: Dispatcher;
}

/** The notification channels; each reads its secret (a webhook URL, a signing secret) when it first delivers. */
function createNotifier(
  config: Config,
  secrets: SecretResolver,
  dispatcher?: Dispatcher,
  endpoints?: { sns?: string },
) {
  const channels: NotificationChannel[] = [];
  if (config.notifications.console) channels.push(new ConsoleChannel());
  for (const [i, slack] of config.notifications.slack.entries())
    channels.push(
      new SlackWebhookChannel(
        slack.name,
        () => secrets.resolve(slack.webhookUrl, `notifications.slack.${i}.webhookUrl`),
        { dispatcher },
      ),
    );
  if (config.notifications.sns.length > 0) {
    const sns = awsClient(
      `sns:${endpoints?.sns ?? ''}`,
      () =>
        new SNSClient({
          requestHandler: awsRequestHandler(),
          ...(endpoints?.sns ? { endpoint: endpoints.sns } : {}),
        }),
    );
    for (const topic of config.notifications.sns)
      channels.push(new SnsChannel(topic.name, topic.topicArn, sns));
  }
  for (const [i, hook] of config.notifications.webhooks.entries())
    channels.push(
      new SignedWebhookChannel(
        hook.name,
        hook.url,
        () => secrets.resolve(hook.secret, `notifications.webhooks.${i}.secret`),
        { dispatcher },
      ),
    );
  return new FanOutNotifier(channels);
}

/** SQS: the stack's queues deployed, the sandbox's SQS stand-in locally; SWITCHYARD_QUEUE_URLS names them. */
function createQueue(env: Record<string, string | undefined>): CommandQueue {
  let urls: Record<string, string> = {};
  try {
    urls = JSON.parse(env.SWITCHYARD_QUEUE_URLS ?? '{}');
  } catch (cause) {
    throw new ConfigError('SWITCHYARD_QUEUE_URLS is not a JSON object of queue URLs by operation kind', {
      cause,
    });
  }
  return new SqsCommandQueue(
    urls,
    awsClient('sqs', () => new SQSClient({ requestHandler: awsRequestHandler() })),
  );
}

/** The composition root: the only place real clients are built. */
export async function createDeps(config: Config, options: CreateDepsOptions = {}): Promise<Deps> {
  const env = options.env ?? process.env;
  const readParameter = options.readParameter ?? ssmParameterReader();
  const secrets = options.secrets ?? new SecretResolver(readParameter, env);
  const tableName = env.SWITCHYARD_TABLE;
  if (!tableName) throw new ConfigError('SWITCHYARD_TABLE is not set: name the DynamoDB table');
  const endpoint = env.SWITCHYARD_DYNAMODB_ENDPOINT;
  // A local DynamoDB-compatible endpoint (dynalite) when set; the regional service otherwise.
  // One client for the one table, whichever store writes to it.
  const documentClient = awsClient(`dynamodb:${endpoint ?? ''}:${env.AWS_REGION ?? ''}`, () =>
    tableClient(endpoint ? { endpoint, region: env.AWS_REGION ?? 'local' } : {}),
  );
  return {
    config,
    store: new DynamoOperationStore({ tableName, documentClient }),
    failover: new DynamoFailoverStore({ tableName, documentClient }),
    // What Switchyard enqueues is its own, so it goes sealed (queue/internal-message.ts).
    queue: new SealingCommandQueue(createQueue(env), () => internalSigningKey(config, secrets)),
    providers: await createProviders(config.providers, {
      resolveSecret: (ref, where) => secrets.resolve(ref, where),
      dispatcher: options.dispatcher,
    }),
    notifier: createNotifier(config, secrets, options.dispatcher, {
      // Only set locally, to reach a stand-in; empty means the regional SNS endpoint.
      sns: env.SWITCHYARD_SNS_ENDPOINT || undefined,
    }),
    replies: new SlackResponseUrlReplier({
      dispatcher: options.dispatcher,
      allowedUrls: config.chat.slack?.responseUrls,
    }),
    secrets,
    now: () => new Date(),
    newId: () => newUlid(),
  };
}

export interface RefreshingDepsOptions {
  /** Reads the configuration and its secrets and builds the deps. */
  build: () => Promise<Deps>;
  /** How long built deps are used before they are built again; 0 builds them once. */
  ttlMs: number;
  now?: () => number;
  /** Where a failed rebuild is reported. */
  log?: (line: string) => void;
}

/**
 * Deps built on the first call, and again in the background once older than `ttlMs`: the call that
 * notices they are old still gets the old ones at once, and the next calls get the new. A failed first
 * build is retried on the next call; a failed rebuild keeps the deps in use and is tried a TTL later.
 */
export function refreshingDeps(options: RefreshingDepsOptions): () => Promise<Deps> {
  const now = options.now ?? Date.now;
  const log = options.log ?? logWarningIn('config');
  let current: Promise<Deps> | undefined;
  let builtAt = 0;
  let building = false;

  const rebuild = () => {
    building = true;
    options.build().then(
      (deps) => {
        current = Promise.resolve(deps);
        builtAt = now();
        building = false;
      },
      (error: unknown) => {
        builtAt = now();
        building = false;
        // A ConfigError names the key or parameter at fault, never a secret's value.
        log(
          `[config] reading the configuration and secrets again failed; keeping those in use, and trying again in ${Math.round(options.ttlMs / 1000)} s: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
  };

  return () => {
    if (!current) {
      building = true;
      const first = options.build().then(
        (deps) => {
          builtAt = now();
          building = false;
          return deps;
        },
        (error: unknown) => {
          building = false;
          if (current === first) current = undefined;
          throw error;
        },
      );
      current = first;
      return first;
    }
    if (options.ttlMs > 0 && !building && now() - builtAt >= options.ttlMs) rebuild();
    return current;
  };
}

export interface ContainerDepsOptions {
  env?: Record<string, string | undefined>;
  readParameter?: ParameterReader;
  now?: () => number;
  log?: (line: string) => void;
}

/**
 * A Lambda container's deps, from SWITCHYARD_CONFIG: built at the first event, and every
 * SWITCHYARD_SECRETS_TTL_SECONDS (300 by default) rebuilt in the background from the config document read again
 * and every secret read so far read again, so a changed document or rotated secret is taken without a cold start.
 * Secrets are read when first used, through one cache the container keeps: a function reads only those it needs.
 * A failed first build is retried on the next event; a failed rebuild keeps what is in use.
 */
export function containerDeps(options: ContainerDepsOptions = {}): () => Promise<Deps> {
  const env = options.env ?? process.env;
  const readParameter = options.readParameter ?? ssmParameterReader();
  // One cache for the container: refreshed with each rebuild, never behind its back.
  const secrets = new SecretResolver(readParameter, env, { ttlMs: 0 });
  let built = false;
  return refreshingDeps({
    ttlMs: secretsTtlMs(env),
    now: options.now,
    log: options.log,
    build: async () => {
      const [config] = await Promise.all([
        loadConfig(env.SWITCHYARD_CONFIG, readParameter, env),
        built ? secrets.refreshAll() : undefined,
      ]);
      const deps = await createDeps(config, { env, readParameter, secrets });
      built = true;
      return deps;
    },
  });
}

let shared: (() => Promise<Deps>) | undefined;

/** Deps for every handler of this Lambda container (containerDeps on SSM and the process environment). */
export function sharedDeps(): Promise<Deps> {
  try {
    shared ??= containerDeps();
  } catch (error) {
    return Promise.reject(error);
  }
  return shared();
}
