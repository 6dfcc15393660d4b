import { type Dispatcher, request, errors as undiciErrors } from 'undici';
import type { z } from 'zod';
import { ProviderError } from '../domain/errors.js';
import type { ProviderName } from '../domain/operation.js';

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

export interface ProviderHttpOptions {
  provider: ProviderName;
  /** undici dispatcher: production uses the global agent; tests and benchmarks may pass their own. */
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Turns a non-2xx answer into the provider's error, using its own envelope and codes. */
  toError(response: ProviderResponse): ProviderError;
  /** Injected so tests of retry timing need not wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
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

/** Wraps undici for one provider: timeouts, cancellation, backoff with full jitter, Retry-After. */
export class ProviderHttp {
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ProviderHttpOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(build: () => PreparedRequest, options: SendOptions): Promise<ProviderResponse> {
    for (let attempt = 1; ; attempt++) {
      const failure = await this.attempt(build(), options);
      if (!(failure instanceof ProviderError)) return failure;
      const mayRetry = failure.retryable && (options.idempotent || failure.outcome === 'not-applied');
      if (!mayRetry || attempt >= this.retry.attempts || options.signal?.aborted) throw failure;
      const backoff =
        this.random() * Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
      await this.sleep(Math.max(backoff, failure.retryAfterMs ?? 0), options.signal);
    }
  }

  private async attempt(
    prepared: PreparedRequest,
    options: SendOptions,
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
      return this.options.toError(result);
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
      : error instanceof undiciErrors.UndiciError || code
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
