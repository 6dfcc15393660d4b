import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/**
 * The one logger (Powertools for AWS Lambda): JSON lines with the Lambda request id and the correlation keys each
 * call gives (`operationId`, `pair`, `decisionId`, `kind`, `provider`), at the level POWERTOOLS_LOG_LEVEL sets
 * (INFO by default). Every line names its `scope`, the part of Switchyard that wrote it.
 *
 * Locally (`SWITCHYARD_LOG_FORMAT=text`, as `npm start` sets it) each entry is one readable line instead:
 * `[scope] message  key=value …`.
 */

/** Keys Powertools adds to every entry; the readable line leaves them out. */
const SERVICE_KEYS = new Set([
  'level',
  'message',
  'scope',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
]);

/** A value as a person reads it on one line: an error as `Name: message`, anything else as JSON. */
function readable(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value, (_key, inner: unknown) =>
      inner instanceof Error
        ? `${inner.name}: ${inner.message}`
        : typeof inner === 'bigint'
          ? String(inner)
          : inner,
    );
  } catch {
    return String(value);
  }
}

class ReadableLogger extends Logger {
  protected override printLog(logLevel: number, log: Parameters<Logger['printLog']>[1]): void {
    log.prepareForPrint();
    const attributes = log.getAttributes() as Record<string, unknown>;
    const keys = Object.entries(attributes)
      .filter(([name, value]) => !SERVICE_KEYS.has(name) && value !== undefined)
      .map(([name, value]) => `${name}=${readable(value)}`);
    const scope = typeof attributes.scope === 'string' ? `[${attributes.scope}] ` : '';
    // One entry, one line: a message's own line breaks would make two entries of it.
    const message = String(attributes.message).replace(/\r?\n/g, ' | ');
    const line = `${scope}${message}${keys.length > 0 ? `  ${keys.join(' ')}` : ''}`;
    // Warnings and errors on stderr, as Powertools' own console does; an error's stack after it, locally.
    if (logLevel >= 16) console.error(line);
    else console.log(line);
    const error = Object.values(attributes).find((value): value is Error => value instanceof Error);
    if (error?.stack && logLevel >= 20) console.error(error.stack);
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new ReadableLogger(options);
  }
}

const options: ConstructorOptions = { serviceName: 'switchyard' };

export const logger: Logger =
  process.env.SWITCHYARD_LOG_FORMAT === 'text' ? new ReadableLogger(options) : new Logger(options);

/** The default of the `log` option some adapters take (tests pass their own): a warning in `scope`. */
export const logWarningIn =
  (scope: string) =>
  (line: string): void =>
    logger.warn(line.replace(/^\[[a-z-]+\] /, ''), { scope });

/** An operation's correlation keys, as every line about it carries them. */
export function operationKeys(operation: { id: string; pair: string; kind: string; provider: string }) {
  return {
    operationId: operation.id,
    pair: operation.pair,
    kind: operation.kind,
    provider: operation.provider,
  };
}
