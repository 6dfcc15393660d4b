/**
 * undici's `request` and its error class, loaded from the three files that hold them. undici's index also loads
 * fetch, WebSocket, EventSource, the mocks and the caches, about 240 KB of every function's bundle and of every cold
 * start (BENCHMARKS.md §4). The paths are those of the pinned undici version; a test sends through this module.
 */

import type { Dispatcher } from 'undici';
import apiRequest from 'undici/lib/api/api-request.js';
import { UndiciError } from 'undici/lib/core/errors.js';
import { getGlobalDispatcher } from 'undici/lib/global.js';

export { UndiciError };

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method?: Dispatcher.HttpMethod;
  /** The connection pool to send through; undici's global agent if none. */
  dispatcher?: Dispatcher | undefined;
};

/** undici's `request(url, options)`: the URL's origin and path, sent through the given dispatcher. */
export function request(url: string | URL, options: RequestOptions = {}): Promise<Dispatcher.ResponseData> {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const target = typeof url === 'string' ? new URL(url) : url;
  return apiRequest.call(dispatcher, {
    ...rest,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: rest.method ?? (rest.body ? 'PUT' : 'GET'),
  });
}
