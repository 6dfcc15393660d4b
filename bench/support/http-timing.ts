import { subscribe } from 'node:diagnostics_channel';

/** One outgoing undici request as seen from this process: provider calls and notification posts. */
export interface TimedRequest {
  origin: string;
  method: string;
  path: string;
  start: number;
  end?: number;
}

const requests: TimedRequest[] = [];
const byRequest = new WeakMap<object, TimedRequest>();

// undici announces each request's creation and the end of its response: the provider's share of the time.
subscribe('undici:request:create', (message) => {
  const { request } = message as { request: { origin: string; method: string; path: string } };
  const timed = {
    origin: String(request.origin),
    method: request.method,
    path: request.path,
    start: performance.now(),
  };
  byRequest.set(request, timed);
  requests.push(timed);
});
subscribe('undici:request:trailers', (message) => {
  const timed = byRequest.get((message as { request: object }).request);
  if (timed) timed.end = performance.now();
});

// node:http carries the AWS SDK's calls (DynamoDB here): the store's share of the time.
subscribe('http.client.request.start', (message) => {
  const { request } = message as {
    request: { method: string; path: string; getHeader(name: string): unknown };
  };
  const timed = {
    origin: `http://${String(request.getHeader('host'))}`,
    method: request.method,
    path: request.path,
    start: performance.now(),
  };
  byRequest.set(request, timed);
  requests.push(timed);
});
subscribe('http.client.response.finish', (message) => {
  const timed = byRequest.get((message as { request: object }).request);
  if (timed) timed.end = performance.now();
});

/** Forgets what was recorded; returns what had been. */
export function takeRequests(): TimedRequest[] {
  return requests.splice(0, requests.length);
}
