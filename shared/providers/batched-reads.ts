/** How long a read waits for others to share its request: follow-ups due together arrive within milliseconds. */
export const BATCH_WINDOW_MS = 15;

export interface BatchedReadsOptions<Q, V> {
  /** The most keys one request may name (the provider's documented limit). */
  max: number;
  windowMs?: number;
  /**
   * One request for these queries, by key: a key missing from the answer is read as not found, and one answered
   * with an Error (its item malformed) fails that read alone. `signal` aborts once every caller has given up.
   */
  read: (queries: Q[], signal: AbortSignal) => Promise<Map<string, V | Error>>;
  key: (query: Q) => string;
  /** Whether a failed request may have failed for one key's sake: its keys are then each asked alone. */
  isolate?: (error: unknown) => boolean;
}

interface Waiting<Q, V> {
  query: Q;
  key: string;
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
  /** Called once the request carrying it is sent, with what gives the request up when every caller has. */
  carried: (leave: () => void) => void;
  /** Answered or given up already: no request carries it. */
  gone: () => boolean;
}

/**
 * Reads asked within a few milliseconds of each other, sent as one request of up to `max` keys: many operations
 * followed on one provider account then cost one list call, not one call each (a provider's rate limit counts
 * calls). Each read fails only for its own sake: a malformed item fails its own key, and a refusal that may be about
 * one key (`isolate`) has each key asked alone, so no task can stall the others. A caller's abort ends its own wait;
 * the request is given up once all of its callers have.
 */
export function batchedReads<Q, V>(
  options: BatchedReadsOptions<Q, V>,
): (query: Q, signal?: AbortSignal) => Promise<V | undefined> {
  let waiting: Array<Waiting<Q, V>> = [];
  let scheduled = false;

  const send = (all: Array<Waiting<Q, V>>) => {
    const chunk = all.filter((entry) => !entry.gone());
    if (chunk.length === 0) return;
    const request = new AbortController();
    let staying = chunk.length;
    for (const entry of chunk)
      entry.carried(() => {
        staying -= 1;
        if (staying === 0) request.abort(new Error('every read in this request was given up'));
      });
    options
      .read(
        chunk.map((entry) => entry.query),
        request.signal,
      )
      .then(
        (found) => {
          for (const entry of chunk) {
            const value = found.get(entry.key);
            if (value instanceof Error) entry.reject(value);
            else entry.resolve(value);
          }
        },
        (error: unknown) => {
          const keys = new Set(chunk.map((entry) => entry.key));
          if (keys.size > 1 && options.isolate?.(error)) {
            for (const key of keys) send(chunk.filter((entry) => entry.key === key));
            return;
          }
          for (const entry of chunk) entry.reject(error);
        },
      );
  };

  const flush = () => {
    scheduled = false;
    const taken = waiting;
    waiting = [];
    // Up to `max` distinct keys a request; two reads of one key share its answer.
    let chunk: Array<Waiting<Q, V>> = [];
    let keys = new Set<string>();
    for (const entry of taken) {
      if (!keys.has(entry.key) && keys.size >= options.max) {
        send(chunk);
        chunk = [];
        keys = new Set();
      }
      keys.add(entry.key);
      chunk.push(entry);
    }
    if (chunk.length > 0) send(chunk);
  };

  return (query, signal) =>
    new Promise<V | undefined>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let settled = false;
      let leave = () => {};
      const onAbort = () => {
        if (settled) return;
        settled = true;
        leave();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        settled = true;
        signal?.removeEventListener('abort', onAbort);
      };
      waiting.push({
        query,
        key: options.key(query),
        resolve: (value) => {
          if (settled) return;
          settle();
          resolve(value);
        },
        reject: (error) => {
          if (settled) return;
          settle();
          reject(error);
        },
        gone: () => settled,
        carried: (giveUp) => {
          // Carried again when its key is asked alone: it leaves the new request, never the old one twice.
          let left = false;
          leave = () => {
            if (left) return;
            left = true;
            giveUp();
          };
        },
      });
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, options.windowMs ?? BATCH_WINDOW_MS);
      }
    });
}
