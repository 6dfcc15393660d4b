/**
 * shared/http/request.ts loads undici's request from its own files: it must send what undici's index sends, the way
 * Switchyard calls it, and fail the same ways, so a provider call is still classed and retried as before.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, errors, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, UndiciError } from '../../../shared/http/request.js';
import { ProviderHttp } from '../../../shared/providers/provider-http.js';

interface Seen {
  method?: string;
  url?: string;
  host?: string;
  authorization?: string;
  length?: string;
}

function listen(host: string, hang = false): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push({
      method: req.method,
      url: req.url,
      host: req.headers.host,
      authorization: req.headers.authorization,
      length: req.headers['content-length'],
    });
    req.resume();
    if (hang) return; // never answers
    res.end('ok');
  });
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve({ server, port: (server.address() as AddressInfo).port, seen })),
  );
}

let v4: Awaited<ReturnType<typeof listen>>;
let v6: Awaited<ReturnType<typeof listen>>;
let hanging: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  v4 = await listen('127.0.0.1');
  v6 = await listen('::1');
  hanging = await listen('127.0.0.1', true);
});
afterAll(() => {
  for (const s of [v4, v6, hanging]) s.server.closeAllConnections?.();
  for (const s of [v4, v6, hanging]) s.server.close();
});

async function both(url: string | URL, opts: Record<string, unknown>, target: { seen: Seen[] }) {
  target.seen.length = 0;
  const a = await request(url, opts as never);
  await a.body.dump();
  const b = await undiciRequest(url, opts as never);
  await b.body.dump();
  return target.seen;
}

describe('shared/http request vs undici request', () => {
  const cases: [string, (p: number) => string, 'v4' | 'v6'][] = [
    ['query string', (p) => `http://127.0.0.1:${p}/v1/x?a=1&b=%20c&a=2`, 'v4'],
    ['trailing slash', (p) => `http://127.0.0.1:${p}/v1/x/`, 'v4'],
    ['no path', (p) => `http://127.0.0.1:${p}`, 'v4'],
    ['empty query and fragment', (p) => `http://127.0.0.1:${p}/p?#frag`, 'v4'],
    ['userinfo', (p) => `http://user:secret@127.0.0.1:${p}/health`, 'v4'],
    ['ipv6', (p) => `http://[::1]:${p}/health?x=1`, 'v6'],
    ['encoded path', (p) => `http://127.0.0.1:${p}/a%2Fb/../c;d`, 'v4'],
  ];
  for (const [name, make, family] of cases) {
    it(`sends the same request line and Host: ${name}`, async () => {
      const srv = family === 'v4' ? v4 : v6;
      const seen = await both(make(srv.port), { method: 'GET' }, srv);
      expect(seen).toHaveLength(2);
      expect(seen[0]).toEqual(seen[1]);
      const seenUrl = await both(new URL(make(srv.port)), { method: 'GET' }, srv);
      expect(seenUrl[0]).toEqual(seenUrl[1]);
    });
  }

  it('defaults the method the same way, with dispatcher undefined or given', async () => {
    const agent = new Agent();
    for (const dispatcher of [undefined, agent]) {
      const seen = await both(`http://127.0.0.1:${v4.port}/b`, { body: 'x', dispatcher }, v4);
      expect(seen.map((s) => s.method)).toEqual(['PUT', 'PUT']);
      const seen2 = await both(`http://127.0.0.1:${v4.port}/b`, { dispatcher }, v4);
      expect(seen2.map((s) => s.method)).toEqual(['GET', 'GET']);
    }
    await agent.close();
  });

  it('refuses a non-HTTP URL as undici does (rejecting, where undici throws at once)', async () => {
    const settle = async (f: () => Promise<unknown>) => {
      try {
        return await f();
      } catch (e) {
        return e;
      }
    };
    const a = await settle(() => request('ftp://127.0.0.1/x'));
    const b = await settle(() => undiciRequest('ftp://127.0.0.1/x'));
    expect(b).toBeInstanceOf(errors.InvalidArgumentError);
    expect(a).toBeInstanceOf(UndiciError);
  });

  it('fires headersTimeout and the signal, with UndiciError recognised', async () => {
    const url = `http://127.0.0.1:${hanging.port}/slow`;
    const t0 = Date.now();
    const e1 = await request(url, { headersTimeout: 300 }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(UndiciError);
    expect((e1 as { code: string }).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(e1).toBeInstanceOf(errors.HeadersTimeoutError);
    const e2 = await request(url, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect((e2 as Error).name).toBe('TimeoutError');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('classes a refused connection not-applied and a timeout unknown', async () => {
    const closed = await listen('127.0.0.1');
    const port = closed.port;
    await new Promise((r) => closed.server.close(r));
    const http = (timeoutMs: number) =>
      new ProviderHttp({
        provider: 'oceanbase',
        auth: async () => ({}),
        toError: () => {
          throw new Error('unused');
        },
        timeoutMs,
        retry: { attempts: 1 },
      } as never);
    const refused = await http(2000)
      .send(
        () => ({ method: 'POST', url: new URL(`http://127.0.0.1:${port}/submit`), headers: {}, body: '{}' }),
        {
          idempotent: false,
        },
      )
      .catch((e: unknown) => e);
    expect((refused as { outcome: string }).outcome).toBe('not-applied');
    const slow = await http(300)
      .send(
        () => ({
          method: 'POST',
          url: new URL(`http://127.0.0.1:${hanging.port}/submit`),
          headers: {},
          body: '{}',
        }),
        {
          idempotent: false,
        },
      )
      .catch((e: unknown) => e);
    expect((slow as { outcome: string; message: string }).outcome).toBe('unknown');
    expect((slow as { message: string }).message).toContain('no answer within 300 ms');
  });
});
