import type { Deps } from '../../shared/deps.js';
import { StaleWriteError } from '../../shared/domain/errors.js';
import type { ProviderName } from '../../shared/domain/operation.js';
import type { Provider } from '../../shared/providers/provider.js';

/** What a Lambda that stopped mid-call looks like from outside: nothing it would do next happens. */
export class SimulatedCrash extends Error {
  constructor(what: string) {
    super(`the function stopped (${what})`);
  }
}

export type ContainerFault =
  /** The container dies at a store or provider call: `before` it is made, or `after` it returned. */
  | {
      type: 'crash';
      on: 'store' | 'provider' | 'failover';
      method: string;
      when: 'before' | 'after';
      /** Only at a call with these arguments (the write of an ended operation, say). */
      matching?: (args: unknown[]) => boolean;
    }
  /** The store refuses the first conditional write of this kind, as when another writer got there first. */
  | { type: 'stale'; method: 'update' };

export interface FaultyContainer {
  deps: Deps;
  /** Whether the fault has happened yet. */
  struck(): boolean;
}

/**
 * The real dependencies of one Lambda container with a fault at a port boundary. Once crashed, every store
 * and provider call throws and nothing is delivered, so no work after the crash point reaches the outside.
 */
export function containerWith(deps: Deps, fault: ContainerFault): FaultyContainer {
  let struck = false;
  const guard = <T extends object>(target: T, part: 'store' | 'provider' | 'failover' | 'other'): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const hit =
            !struck &&
            part === (fault.type === 'stale' ? 'store' : fault.on) &&
            property === fault.method &&
            (fault.type === 'stale' || !fault.matching || fault.matching(args));
          if (fault.type === 'crash' && part !== 'other' && (struck || (hit && fault.when === 'before'))) {
            struck = true;
            throw new SimulatedCrash(`${part}.${String(property)}`);
          }
          if (fault.type === 'stale' && hit) {
            struck = true;
            throw new StaleWriteError('another writer changed the operation first');
          }
          const result = value.apply(object, args);
          if (hit && fault.type === 'crash')
            return Promise.resolve(result).then((answer) => {
              struck = true;
              return answer;
            });
          return result;
        };
      },
    });
  const dead = () => fault.type === 'crash' && struck;
  const providers = new Map<ProviderName, Provider>(
    [...deps.providers].map(([name, provider]) => [
      name,
      {
        name: provider.name,
        displayName: provider.displayName,
        unsupported: provider.unsupported,
        operations: Object.fromEntries(
          Object.entries(provider.operations).map(([kind, driver]) => [kind, guard(driver, 'provider')]),
        ),
      },
    ]),
  );
  return {
    struck: () => struck,
    deps: {
      ...deps,
      store: guard(deps.store, 'store'),
      failover: guard(deps.failover, 'failover'),
      queue: guard(deps.queue, 'other'),
      providers,
      notifier: {
        notify: async (notification) => {
          if (!dead()) await deps.notifier.notify(notification);
        },
      },
      replies: {
        reply: async (...args) => {
          if (!dead()) await deps.replies.reply(...args);
        },
      },
    },
  };
}
