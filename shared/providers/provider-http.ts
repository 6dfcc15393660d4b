import type { Dispatcher } from 'undici';
import type * as z from 'zod';
import { ProviderError } from '../domain/errors.js';
import type { ProviderName } from '../domain/operation.js';
import { type Deferred, readDeferred } from '../domain/secret-ref.js';
import { request, UndiciError } from '../http/request.js';
import { apiName, recordMetric } from '../telemetry/metrics.js';

/** One HTTP request, built afresh for every attempt so that dates and signatures stay current. */
export interface PreparedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface ProviderResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * The provider's own code and message from an error answer, when its body is the JSON `schema` describes; a
 * proxy's error page or an empty body leaves the status alone to speak.
 */
export function errorBody<S extends z.ZodType>(
  response: ProviderResponse,
  schema: S,
  pick: (body: z.infer<S>) => { code?: string | undefined; message?: string | undefined },
): { code?: string; message?: string } {
  try {
    const parsed = schema.safeParse(JSON.parse(response.text));
    if (!parsed.success) return {};
    const { code, message } = pick(parsed.data);
    return { ...(code !== undefined ? { code } : {}), ...(message !== undefined ? { message } : {}) };
  } catch {
    return {};
  }
}

/** What a provider's error answer says, as its client reads the provider's own envelope and codes. */
export interface RefusalReading {
  /** One line: who answered, the status, and the provider's code and message. */
  summary: string;
  code?: string;
  message?: string;
  /** Throttled (429 unless the client knows the provider's own code): sent again after a wait. */
  throttled?: boolean;
  /** Our credentials or signature were refused (401 and 403 always count). */
  auth?: boolean;
  /** The target's state refused it: locked, or not in the status the action needs. */
  state?: boolean;
  /** Busy with another job: a state that passes, so the request is sent again after a wait. */
  busy?: boolean;
  /** The request may have been applied before the error: any 5xx unless the client knows better. */
  mayHaveApplied?: boolean;
  retryAfterMs?: number;
  /** The client's own credentials, never to be repeated even when the provider echoes them. */
  knownSecrets?: readonly string[];
}

/**
 * One mapping of a refusal for every provider. The provider failing us (a 5xx, throttling, our credentials
 * refused) is answered 502; the target's state (busy, locked, the wrong status, HTTP 409) 409; any other
 * refusal, of the request itself, 422.
 */
export function providerRefusal(
  provider: ProviderName,
  response: ProviderResponse,
  reading: RefusalReading,
): ProviderError {
  const throttled = reading.throttled ?? response.status === 429;
  const auth = reading.auth === true || response.status === 401 || response.status === 403;
  const providerFailed = throttled || auth || response.status >= 500;
  const state = reading.state === true || reading.busy === true || response.status === 409;
  return new ProviderError(reading.summary, {
    provider,
    httpStatus: response.status,
    providerCode: reading.code,
    providerMessage: reading.message,
    outcome: (reading.mayHaveApplied ?? response.status >= 500) ? 'unknown' : 'not-applied',
    retryable: throttled || reading.busy === true || response.status >= 500,
    retryAfterMs: throttled ? reading.retryAfterMs : undefined,
    answerStatus: providerFailed ? 502 : state ? 409 : 422,
    knownSecrets: reading.knownSecrets,
  });
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What every provider client takes besides its endpoint and credentials. */
export interface ProviderClientOptions {
  /** undici dispatcher: production uses the global agent; tests and benchmarks may pass their own. */
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  now?: () => Date;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ProviderHttpOptions<Auth> extends Omit<ProviderClientOptions, 'now'> {
  provider: ProviderName;
  /** The client's credentials, read once per call: a function that makes no call reads no secret. */
  auth: Deferred<Auth>;
  /** Turns a non-2xx answer into the provider's error, using its own envelope and codes, never echoing `known`. */
  toError(response: ProviderResponse, known?: readonly string[]): ProviderError;
  random?: () => number;
}

/** A client's HTTP layer from the options every client takes, and its credentials. */
export function providerHttp<Auth>(
  provider: ProviderName,
  { dispatcher, timeoutMs, retry, sleep, auth }: ProviderClientOptions & { auth: Deferred<Auth> },
  toError: ProviderHttpOptions<Auth>['toError'],
): ProviderHttp<Auth> {
  return new ProviderHttp({ provider, dispatcher, timeoutMs, retry, sleep, toError, auth });
}

export interface SendOptions {
  /**
   * Reads may be retried after any transient failure. Writes are retried only when the provider
   * said the request was not applied (throttling, "operation in progress"), never after a timeout.
   */
  idempotent: boolean;
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/** Every string value of a client's credentials (key ids, secrets, user names, passwords). */
function secretsIn(auth: unknown): string[] {
  if (typeof auth !== 'object' || auth === null) return [];
  const values = Object.entries(auth)
    .filter(([name, value]) => name !== 'type' && typeof value === 'string')
    .map(([, value]) => value as string);
  const { username, password } = auth as { username?: unknown; password?: unknown };
  // Basic auth travels as base64("user:password"); an echo of the header carries it that way.
  if (typeof username === 'string' && typeof password === 'string')
    values.push(Buffer.from(`${username}:${password}`).toString('base64'));
  return values;
}

/** Wraps undici for one provider: timeouts, cancellation, backoff with full jitter, Retry-After. */
export class ProviderHttp<Auth = unknown> {
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ProviderHttpOptions<Auth>) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(build: (auth: Auth) => PreparedRequest, options: SendOptions): Promise<ProviderResponse> {
    const auth = await this.credentials();
    const known = secretsIn(auth);
    for (let attempt = 1; ; attempt++) {
      const failure = await this.attempt(build(auth), options, known);
      if (!(failure instanceof ProviderError)) return failure;
      const mayRetry = failure.retryable && (options.idempotent || failure.outcome === 'not-applied');
      if (!mayRetry || attempt >= this.retry.attempts || options.signal?.aborted) throw failure;
      const backoff =
        this.random() * Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
      await this.sleep(Math.max(backoff, failure.retryAfterMs ?? 0), options.signal);
    }
  }

  /**
   * Sends, and reads the answer's JSON with `schema`. An answer of another shape is the provider's error: for a
   * write its outcome is unknown, since the provider may have acted on it. `what` names the call for that error.
   */
  async read<S extends z.ZodType>(
    build: (auth: Auth) => PreparedRequest,
    schema: S,
    options: SendOptions & { what: string },
  ): Promise<z.infer<S>> {
    const { provider } = this.options;
    const api = apiName(options.what);
    const started = performance.now();
    let response: ProviderResponse;
    try {
      response = await this.send(build, options);
    } catch (error) {
      recordMetric('ProviderCallErrors', { provider, api });
      throw error;
    } finally {
      recordMetric('ProviderCallLatency', { provider, api }, performance.now() - started);
    }
    const parsed = schema.safeParse(parseJson(provider, response));
    if (!parsed.success) {
      recordMetric('ProviderCallErrors', { provider, api });
      throw new ProviderError(`${options.what} answered a shape we do not recognise`, {
        provider,
        httpStatus: response.status,
        outcome: options.idempotent ? 'not-applied' : 'unknown',
        retryable: false,
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** The credentials, read through the secret cache; a secret that cannot be read is a request never sent. */
  private async credentials(): Promise<Auth> {
    const { provider, auth } = this.options;
    try {
      return await readDeferred(auth);
    } catch (cause) {
      throw new ProviderError(
        `${provider}: its credentials cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`,
        { provider, outcome: 'not-applied', retryable: false, cause },
      );
    }
  }

  private async attempt(
    prepared: PreparedRequest,
    options: SendOptions,
    known: readonly string[],
  ): Promise<ProviderResponse | ProviderError> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const response = await request(prepared.url, {
        method: prepared.method,
        headers: prepared.headers,
        body: prepared.body,
        dispatcher: this.options.dispatcher,
        signal,
      });
      const text = await response.body.text();
      const result: ProviderResponse = { status: response.statusCode, headers: response.headers, text };
      if (response.statusCode >= 200 && response.statusCode < 300) return result;
      return this.options.toError(result, known);
    } catch (error) {
      return this.transportError(prepared, error, timeout.aborted && !options.signal?.aborted);
    }
  }

  private transportError(prepared: PreparedRequest, error: unknown, timedOut: boolean): ProviderError {
    const code = errorCode(error);
    // A refused connection never reached the provider; anything later might have.
    const neverSent = code !== undefined && CONNECT_FAILURES.has(code);
    const what = timedOut
      ? `no answer within ${this.timeoutMs} ms`
      : error instanceof UndiciError || code
        ? `${code ?? 'connection error'}`
        : error instanceof Error
          ? error.message
          : String(error);
    return new ProviderError(
      `${this.options.provider} ${prepared.method} ${prepared.url.pathname}: ${what}`,
      {
        provider: this.options.provider,
        outcome: neverSent ? 'not-applied' : 'unknown',
        retryable: true,
        cause: error,
      },
    );
  }
}

/** Reads a delay from Retry-After-style headers: seconds, or an HTTP date. */
export function retryAfterMs(
  headers: ProviderResponse['headers'],
  names: readonly string[],
  now: number = Date.now(),
): number | undefined {
  for (const name of names) {
    const raw = headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === '') continue;
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/** Parses a JSON body, or says the provider sent something else. */
export function parseJson(provider: ProviderName, response: ProviderResponse): unknown {
  try {
    return JSON.parse(response.text);
  } catch (cause) {
    throw new ProviderError(`${provider} answered ${response.status} with a body that is not JSON`, {
      provider,
      httpStatus: response.status,
      outcome: 'unknown',
      retryable: false,
      cause,
    });
  }
}
