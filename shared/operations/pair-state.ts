import type { Deps } from '../deps.js';
import type { PairFailoverState } from '../domain/decision.js';
import { StaleWriteError } from '../domain/errors.js';

/** Reads, changes and writes the pair's state, again from a fresh read if another writer moved it meanwhile. */
export async function changePairState(
  deps: Deps,
  pair: string,
  change: (state: PairFailoverState) => PairFailoverState | undefined,
): Promise<PairFailoverState | undefined> {
  for (let attempt = 1; ; attempt++) {
    const state = await deps.failover.getPairState(pair);
    const next = change(state);
    if (!next) return undefined;
    try {
      await deps.failover.putPairState({ ...next, version: state.version + 1 });
      return next;
    } catch (error) {
      if (!(error instanceof StaleWriteError) || attempt >= 3) throw error;
    }
  }
}
