import type { Config, PairConfig } from '../config/config-schema.js';
import type { ProviderName } from '../domain/operation.js';
import type { Notifier } from '../notify/notifier.js';
import type { Provider } from '../providers/provider.js';
import type { OperationStore } from '../store/operation-store.js';

/** Everything the pipeline and the poller need, built once per cold start by `createDeps`. */
export interface Deps {
  config: Config;
  store: OperationStore;
  providers: ReadonlyMap<ProviderName, Provider>;
  notifier: Notifier;
  now: () => Date;
  newId: () => string;
}

/** The lock name for a pair: one active operation per pair. */
export function pairLock(pair: PairConfig | string): string {
  return `pair:${typeof pair === 'string' ? pair : pair.name}`;
}
