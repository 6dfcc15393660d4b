/** How long a read waits for others to share its request: follow-ups due together arrive within milliseconds. */
export const BATCH_WINDOW_MS = 15;

export interface BatchedReadsOptions<Q, V> {
  /** The most keys one request may name (the provider's documented limit). */
  max: number;
  windowMs?: number;
  /** One request for these queries; a key missing from the answer is read as not found. */
  read: (queries: Q[]) => Promise<Map<string, V>>;
  key: (query: Q) => string;
}

interface Waiting<Q, V> {
  query: Q;
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads asked within a few milliseconds of each other, sent as one request of up to `max` keys: many operations
 * followed on one provider account then cost one list call, not one call each (a provider's rate limit counts
 * calls). A failed request fails every read it carried, as each would have failed alone. A caller's abort ends
 * its own wait only: the request goes on for the others, bounded by the client's own timeout.
 */
export function batchedReads<Q, V>(
  options: BatchedReadsOptions<Q, V>,
): (query: Q, signal?: AbortSignal) => Promise<V | undefined> {
  let waiting: Array<Waiting<Q, V>> = [];
  let scheduled = false;

  const send = (chunk: Array<Waiting<Q, V>>) =>
    options.read(chunk.map((entry) => entry.query)).then(
      (found) => {
        for (const entry of chunk) entry.resolve(found.get(options.key(entry.query)));
      },
      (error: unknown) => {
        for (const entry of chunk) entry.reject(error);
      },
    );

  const flush = () => {
    scheduled = false;
    const taken = waiting;
    waiting = [];
    // Up to `max` distinct keys a request; two reads of one key share its answer.
    let chunk: Array<Waiting<Q, V>> = [];
    let keys = new Set<string>();
    for (const entry of taken) {
      const key = options.key(entry.query);
      if (!keys.has(key) && keys.size >= options.max) {
        void send(chunk);
        chunk = [];
        keys = new Set();
      }
      keys.add(key);
      chunk.push(entry);
    }
    if (chunk.length > 0) void send(chunk);
  };

  return (query, signal) =>
    new Promise<V | undefined>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      waiting.push({
        query,
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, options.windowMs ?? BATCH_WINDOW_MS);
      }
    });
}
