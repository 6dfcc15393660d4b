import type { Config } from './config/config-schema.js';
import type { ProviderName } from './domain/operation.js';
import type { SecretReader } from './domain/secret-ref.js';
import type { ChatReplier } from './notify/chat-replier.js';
import type { Notifier } from './notify/notifier.js';
import type { Provider } from './providers/provider.js';
import type { CommandQueue } from './queue/command-queue.js';
import type { FailoverStore } from './store/failover-store.js';
import type { OperationStore } from './store/operation-store.js';

/** Everything the pipeline and the poller need, built once per cold start by `createDeps`. */
export interface Deps {
  config: Config;
  store: OperationStore;
  failover: FailoverStore;
  queue: CommandQueue;
  providers: ReadonlyMap<ProviderName, Provider>;
  notifier: Notifier;
  /** Answers in the chat conversation an operation was asked from. */
  replies: ChatReplier;
  /** Secrets the config names, read once and again after SWITCHYARD_SECRETS_TTL_SECONDS: the one cache. */
  secrets: SecretReader;
  now: () => Date;
  newId: () => string;
}
