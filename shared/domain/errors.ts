/** One error taxonomy for the whole service; `shared/edge/problem.ts` maps it to HTTP in one place. */

import { providerText } from './redact.js';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `body.pair` or `headers.authorization`. */
  field: string;
  message: string;
}

export interface AppErrorOptions {
  expose?: boolean;
  retryable?: boolean;
  cause?: unknown;
  /** Extra members added to the problem+json body (only when exposed). */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: string, statusCode: number, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    // Like middy's http errors: client errors are safe to show, server errors are not.
    this.expose = options.expose ?? statusCode < 500;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

export class ValidationError extends AppError {
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[]) {
    super('validation_failed', 400, message, { details: { errors: issues } });
    this.issues = issues;
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid credential is required.') {
    super('unauthorized', 401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('conflict', 409, message, { details });
  }
}

/** The request is well formed but a rule (precheck, policy, unsupported pairing) says no. */
export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, 422, message, { details });
  }
}

/** Whether the provider may have carried out a write that failed from our side. */
export type ProviderOutcome = 'not-applied' | 'unknown';

export interface ProviderErrorOptions {
  provider: string;
  httpStatus?: number;
  providerCode?: string;
  providerMessage?: string;
  outcome: ProviderOutcome;
  retryable: boolean;
  retryAfterMs?: number;
  /**
   * The status Switchyard answers when this refusal ends a request: 409 when the target's state is the
   * problem, 422 when the request was invalid for the provider, 502 (default) when the provider failed.
   */
  answerStatus?: 409 | 422 | 502;
  /** The client's own credentials, removed word for word wherever the provider echoes them. */
  knownSecrets?: readonly string[];
  cause?: unknown;
}

/** Why a provider refused a submission: the target's state, the request itself, or a failure of the provider. */
export type RefusedFor = 'state' | 'request' | 'provider';

/**
 * The text with each known secret (of at least 4 characters, so no word is mistaken for one) replaced, as written,
 * URL-encoded or JSON-escaped; the longest first, so a secret inside another cannot leave the rest of it behind.
 */
function withoutKnown(text: string, secrets: readonly string[]): string {
  const forms = secrets
    .filter((s) => s.length >= 4)
    .flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])
    .sort((a, b) => b.length - a.length);
  return forms.reduce((t, s) => t.split(s).join('[redacted]'), text);
}

/** The provider answered with an error, or could not be reached. */
export class ProviderError extends AppError {
  readonly provider: string;
  readonly httpStatus: number | undefined;
  readonly providerCode: string | undefined;
  readonly providerMessage: string | undefined;
  readonly outcome: ProviderOutcome;
  readonly retryAfterMs: number | undefined;
  readonly answerStatus: 409 | 422 | 502;
  /** What the refusal was about, in the domain's terms: the target's state, the request, or the provider itself. */
  readonly refusedFor: RefusedFor;

  constructor(message: string, options: ProviderErrorOptions) {
    // Every answer, record and notification repeats these: what a provider echoes of our credentials ends here.
    const clean = (text: string) => providerText(withoutKnown(text, options.knownSecrets ?? []));
    const providerMessage =
      options.providerMessage === undefined ? undefined : clean(options.providerMessage);
    const providerCode = options.providerCode === undefined ? undefined : clean(options.providerCode);
    super('provider_error', options.answerStatus ?? 502, clean(message), {
      // Provider codes and messages help the operator; redacted and clipped, they carry no secrets.
      expose: true,
      retryable: options.retryable,
      cause: options.cause,
      details: {
        provider: options.provider,
        providerStatus: options.httpStatus,
        providerCode,
        providerMessage,
      },
    });
    this.provider = options.provider;
    this.httpStatus = options.httpStatus;
    this.providerCode = providerCode;
    this.providerMessage = providerMessage;
    this.outcome = options.outcome;
    this.retryAfterMs = options.retryAfterMs;
    this.answerStatus = options.answerStatus ?? 502;
    this.refusedFor =
      this.answerStatus === 409 ? 'state' : this.answerStatus === 422 ? 'request' : 'provider';
  }
}

/** The store refused a conditional write: someone else changed the item first. */
export class StaleWriteError extends AppError {
  constructor(message: string) {
    super('stale_write', 409, message, { expose: false, retryable: true });
  }
}

/** Configuration is invalid: the function must not start. */
export class ConfigError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('config_invalid', 500, message, { expose: false, cause: options.cause });
  }
}

/** Short description of any thrown value, safe for logs and operation records. */
export function describeError(error: unknown): string {
  if (error instanceof ProviderError) {
    const code = error.providerCode ? ` ${error.providerCode}` : '';
    return `${error.message}${code ? ` (${code.trim()})` : ''}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
