import { describe, expect, it } from 'vitest';
import { batchedReads } from '../../../shared/providers/batched-reads.js';

/** A provider list call, recorded: the keys each request named, and whether it was given up. */
function listCall(answer: (keys: string[]) => Map<string, string | Error> | Error) {
  const requests: Array<{ keys: string[]; signal: AbortSignal }> = [];
  const read = async (keys: string[], signal: AbortSignal) => {
    requests.push({ keys, signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const answered = answer(keys);
    if (answered instanceof Error) throw answered;
    return answered;
  };
  return { requests, read };
}

const everyKey = (keys: string[]) => new Map(keys.map((key) => [key, `task ${key}`]));

describe('reads asked at once', () => {
  it('go out as one request per `max` distinct keys, a key asked twice sharing its answer', async () => {
    const call = listCall(everyKey);
    const get = batchedReads({ max: 3, key: (key: string) => key, read: call.read });
    const answers = await Promise.all(['a', 'b', 'a', 'c', 'd'].map((key) => get(key)));
    expect(answers).toEqual(['task a', 'task b', 'task a', 'task c', 'task d']);
    expect(call.requests.map((request) => request.keys)).toEqual([['a', 'b', 'a', 'c'], ['d']]);
  });

  it('fail one read for a malformed item, and the others not', async () => {
    const call = listCall(
      (keys) => new Map(keys.map((key) => [key, key === 'odd' ? new Error('odd shape') : `task ${key}`])),
    );
    const get = batchedReads({ max: 30, key: (key: string) => key, read: call.read });
    const outcomes = await Promise.allSettled(['a', 'odd', 'b'].map((key) => get(key)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(call.requests).toHaveLength(1);
  });

  it("ask each key alone when a refusal may be one key's doing, so one cannot stall the rest", async () => {
    const refused = new Error('InvalidParameter');
    const call = listCall((keys) => (keys.includes('bad') ? refused : everyKey(keys)));
    const get = batchedReads({
      max: 30,
      key: (key: string) => key,
      read: call.read,
      isolate: (error) => error === refused,
    });
    const outcomes = await Promise.allSettled(['a', 'bad', 'b'].map((key) => get(key)));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'task a' },
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: 'task b' },
    ]);
    expect(call.requests.map((request) => request.keys)).toEqual([['a', 'bad', 'b'], ['a'], ['bad'], ['b']]);
  });

  it('fail every read a request carried when its failure is not about one key', async () => {
    const down = new Error('503');
    const get = batchedReads({ max: 30, key: (key: string) => key, read: listCall(() => down).read });
    const outcomes = await Promise.allSettled(['a', 'b'].map((key) => get(key)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });

  it('give the request up once every caller has, and not before', async () => {
    const call = listCall(everyKey);
    const get = batchedReads({ max: 30, key: (key: string) => key, read: call.read, windowMs: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const reads = [get('a', first.signal), get('b', second.signal)];
    await new Promise((resolve) => setTimeout(resolve, 2));
    first.abort(new Error('first gave up'));
    expect(call.requests[0]?.signal.aborted).toBe(false);
    second.abort(new Error('second gave up'));
    expect(call.requests[0]?.signal.aborted).toBe(true);
    const outcomes = await Promise.allSettled(reads);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);

    // A caller that gave up before the request left is not carried by it.
    const early = new AbortController();
    const pending = get('c', early.signal);
    early.abort(new Error('gone at once'));
    await expect(pending).rejects.toThrow('gone at once');
    expect(await get('d')).toBe('task d');
    expect(call.requests.at(-1)?.keys).toEqual(['d']);
  });
});
