import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';

/**
 * What every provider simulator shares: a loopback HTTP server, a control API under `/_sandbox/`,
 * fault injection, per-route call counts, and a clock with a speed factor.
 */

export const FaultSchema = z.discriminatedUnion('kind', [
  /** Answer with an HTTP status in the provider's error envelope. */
  z.object({
    kind: z.literal('status'),
    status: z.number().int().min(400).max(599),
    message: z.string().optional(),
    /** The provider's error code to answer with (its own envelope); a generic one when absent. */
    code: z.string().optional(),
  }),
  /** Answer 429 with the provider's own retry headers. */
  z.object({ kind: z.literal('throttle'), retryAfterSeconds: z.number().min(0).default(1) }),
  /** Delay the answer. */
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(120_000) }),
  /** Close the connection without an answer: `before` the request is applied, or `after` (ambiguous outcome). */
  z.object({ kind: z.literal('drop'), when: z.enum(['before', 'after']).default('before') }),
  /** Make the provider's job fail at the step whose name contains `step`. */
  z.object({
    kind: z.literal('fail-step'),
    step: z.string(),
    message: z.string().default('injected failure'),
  }),
  /** The job the matching request starts never finishes: it runs on, as a provider's hung job does. */
  z.object({ kind: z.literal('stall') }),
  /** Make prechecks report a problem. */
  z.object({ kind: z.literal('precheck'), message: z.string() }),
  /**
   * The key Switchyard signs with is refused as the provider refuses a key it no longer accepts (rotated out,
   * expired, disabled): every request it signs gets the provider's own authentication error.
   */
  z.object({ kind: z.literal('expired-credentials') }),
]);
export type FaultAction = z.infer<typeof FaultSchema>;

export const FaultRuleSchema = z.object({
  /** Route names as counted in `/_sandbox/calls` (e.g. `switchover`), or omitted for every route. */
  route: z.string().optional(),
  /** Only for requests that name this resource id (tenant, instance) anywhere in path or body. */
  target: z.string().optional(),
  /** How many matching requests it applies to; omitted: until cleared. */
  times: z.number().int().min(1).optional(),
  fault: FaultSchema,
});
export type FaultRule = z.infer<typeof FaultRuleSchema>;

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  rawBody: Buffer;
  route: string;
  /** Ids mentioned by the request, for fault targeting. */
  targets: string[];
  /** Parameters the router parsed (RPC-style APIs carry everything here). */
  params: Record<string, string>;
}

export class FaultBook {
  private rules: (FaultRule & { used: number })[] = [];

  add(rule: FaultRule) {
    this.rules.push({ ...rule, used: 0 });
  }

  clear() {
    this.rules = [];
  }

  /** Takes the first fault of a kind that matches, counting it as used. */
  take<K extends FaultAction['kind']>(
    kind: K,
    request: Pick<SimRequest, 'route' | 'targets'>,
  ): Extract<FaultAction, { kind: K }> | undefined {
    for (const rule of this.rules) {
      if (rule.fault.kind !== kind) continue;
      if (rule.route !== undefined && rule.route !== request.route) continue;
      if (rule.target !== undefined && !request.targets.includes(rule.target)) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      rule.used++;
      return rule.fault as Extract<FaultAction, { kind: K }>;
    }
    return undefined;
  }

  list() {
    return this.rules.map(({ used, ...rule }) => ({ ...rule, used }));
  }
}

/**
 * One database member (instance or tenant) as GET /_sandbox/state lists it in `members`, so a test can assert
 * "at most one writable primary" the same way on every provider.
 */
export interface SandboxMember {
  id: string;
  role: 'primary' | 'standby';
  /** It answers: not stopped, failed or marked down by a drill. */
  available: boolean;
  /** Fenced through the provider's API (stopped, locked), so it takes no writes even when it answers. */
  fenced: boolean;
  /** A primary that answers and is not fenced: it would take a write now. */
  acceptsWrites: boolean;
}

export function sandboxMember(
  id: string,
  role: SandboxMember['role'],
  available: boolean,
  fenced: boolean,
): SandboxMember {
  return { id, role, available, fenced, acceptsWrites: role === 'primary' && available && !fenced };
}

/**
 * How far a request's date may be from the provider's clock: 15 minutes for all three (Alibaba and OCP document it;
 * Huawei's API Gateway does not, and the sandbox allows as much).
 */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** How long a stalled job runs, in simulated seconds: ten years, longer than anyone waits. */
export const STALLED_SECONDS = 10 * 365 * 86_400;

/** Simulated time: a 10-minute provider job takes `600 / speed` real seconds. */
export class SimClock {
  constructor(
    readonly speed: number,
    private readonly realNow: () => number = Date.now,
  ) {}

  now(): number {
    return this.realNow();
  }

  /** Real milliseconds for a duration the provider would take, in simulated seconds. */
  scaled(simSeconds: number): number {
    return (simSeconds * 1000) / this.speed;
  }
}

export interface JsonAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What a provider simulator answers with: its API, its error shapes and its own sandbox controls. */
export interface ProviderApi {
  /** Routes a request to a name and the ids it mentions (or undefined: not found). */
  route(
    method: string,
    url: URL,
    body: Buffer,
    headers: IncomingMessage['headers'],
  ): { route: string; targets: string[]; params?: Record<string, string> } | undefined;
  /** Checks credentials; returns an error answer to send, or undefined when the request is authentic. */
  authenticate(request: SimRequest): JsonAnswer | undefined;
  handle(request: SimRequest): JsonAnswer;
  errorAnswer(status: number, message: string, code?: string): JsonAnswer;
  throttleAnswer(retryAfterSeconds: number, request: SimRequest): JsonAnswer;
  /** The provider's own answer to a key it no longer accepts. */
  credentialsRefused(): JsonAnswer;
  /** Extra state for GET /_sandbox/state. */
  state(): unknown;
  /** Simulator-specific control routes under /_sandbox/ (undefined: not one of its own). */
  control?(method: string, path: string, body: Buffer): JsonAnswer | undefined;
  reset(): void;
}

export interface RunningSimulator {
  url: string;
  port: number;
  calls: Map<string, number>;
  /** The parameters of each route's last authenticated request, to check what a client sent. */
  lastParams: Map<string, Record<string, string>>;
  close(): Promise<void>;
}

/** Options every provider simulator takes. */
export interface BaseSimulatorOptions {
  host?: string;
  /** 0 (or absent): a free port, as tests want. */
  port?: number;
  /** Simulated time runs this many times faster than real time. */
  speed?: number;
  now?: () => number;
  /**
   * Each step of a job takes its time give or take this fraction, at random (0, the default: exactly its time). The
   * latency benchmark sets it: real jobs do not end in step with Switchyard's follow-ups or its poller.
   */
  jitter?: number;
}

/** A running simulator and its fault book. */
export interface Simulator extends RunningSimulator {
  faults: FaultBook;
}

/** What every simulator is built on: its clock, its fault book, and where it listens. */
export interface SimulatorBasics {
  clock: SimClock;
  faults: FaultBook;
  /** Each job step's time, give or take this fraction (BaseSimulatorOptions.jitter). */
  jitter: number;
  host?: string;
  port?: number;
}

/** A simulator's basics from the options every simulator takes; simulated time runs 60 times faster unless told. */
export function simulatorBasics(options: BaseSimulatorOptions): SimulatorBasics {
  return {
    clock: new SimClock(options.speed ?? 60, options.now),
    faults: new FaultBook(),
    jitter: options.jitter ?? 0,
    host: options.host,
    port: options.port,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: JsonAnswer) {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(body),
    ...answer.headers,
  });
  res.end(body);
}

/** Starts a simulator on loopback; port 0 picks a free one (tests). */
export async function startSimulator(basics: SimulatorBasics, api: ProviderApi): Promise<Simulator> {
  const { faults } = basics;
  const calls = new Map<string, number>();
  const lastParams = new Map<string, Record<string, string>>();

  const control = (method: string, url: URL, body: Buffer): JsonAnswer => {
    const path = url.pathname.replace(/^\/_sandbox/, '');
    if (method === 'GET' && path === '/calls') return { status: 200, body: Object.fromEntries(calls) };
    if (method === 'GET' && path === '/faults') return { status: 200, body: faults.list() };
    if (method === 'GET' && path === '/state') return { status: 200, body: api.state() };
    if (method === 'DELETE' && path === '/faults') {
      faults.clear();
      return { status: 204, body: {} };
    }
    if (method === 'POST' && path === '/faults') {
      const parsed = FaultRuleSchema.safeParse(JSON.parse(body.toString('utf8') || '{}'));
      if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
      faults.add(parsed.data);
      return { status: 201, body: parsed.data };
    }
    if (method === 'POST' && path === '/reset') {
      faults.clear();
      calls.clear();
      lastParams.clear();
      api.reset();
      return { status: 204, body: {} };
    }
    return (
      api.control?.(method, path, body) ?? {
        status: 404,
        body: { error: `no sandbox control ${method} ${path}` },
      }
    );
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const rawBody = await readBody(req);
      const method = req.method ?? 'GET';
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      if (url.pathname.startsWith('/_sandbox/')) return send(res, control(method, url, rawBody));

      const routed = api.route(method, url, rawBody, req.headers);
      if (!routed) return send(res, api.errorAnswer(404, `No API at ${method} ${url.pathname}`));
      const request: SimRequest = { method, url, headers: req.headers, rawBody, params: {}, ...routed };

      if (faults.take('expired-credentials', request)) return send(res, api.credentialsRefused());
      const denied = api.authenticate(request);
      if (denied) return send(res, denied);

      calls.set(request.route, (calls.get(request.route) ?? 0) + 1);
      lastParams.set(request.route, request.params);
      const latency = faults.take('latency', request);
      if (latency) await sleep(latency.ms);
      const drop = faults.take('drop', request);
      if (drop?.when === 'before') return req.socket.destroy();
      const throttle = faults.take('throttle', request);
      if (throttle) return send(res, api.throttleAnswer(throttle.retryAfterSeconds, request));
      const status = faults.take('status', request);
      if (status)
        return send(res, api.errorAnswer(status.status, status.message ?? 'injected fault', status.code));

      const answer = api.handle(request);
      if (drop?.when === 'after') return req.socket.destroy();
      send(res, answer);
    } catch (error) {
      send(res, api.errorAnswer(500, error instanceof Error ? error.message : String(error)));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(basics.port ?? 0, basics.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${basics.host ?? '127.0.0.1'}:${port}`,
    port,
    calls,
    lastParams,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parses a JSON body leniently: simulators answer bad JSON with the provider's own error. */
export function jsonBody(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return {};
  try {
    const value = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
