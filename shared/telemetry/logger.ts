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

function readable(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

class ReadableLogger extends Logger {
  protected override printLog(logLevel: number, log: Parameters<Logger['printLog']>[1]): void {
    log.prepareForPrint();
    const attributes = log.getAttributes() as Record<string, unknown>;
    const keys = Object.entries(attributes)
      .filter(([name, value]) => !SERVICE_KEYS.has(name) && value !== undefined)
      .map(([name, value]) => `${name}=${readable(value)}`);
    const scope = typeof attributes.scope === 'string' ? `[${attributes.scope}] ` : '';
    const line = `${scope}${String(attributes.message)}${keys.length > 0 ? `  ${keys.join(' ')}` : ''}`;
    // Warnings and errors on stderr, as Powertools' own console does.
    if (logLevel >= 16) console.error(line);
    else console.log(line);
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new ReadableLogger(options);
  }
}

const options: ConstructorOptions = { serviceName: 'switchyard' };

export const logger: Logger =
  process.env.SWITCHYARD_LOG_FORMAT === 'text' ? new ReadableLogger(options) : new Logger(options);

/** The default of the `log` option some adapters take (tests pass their own): a warning, on the one logger. */
export const logWarning = (line: string): void => logger.warn(line);

/** An operation's correlation keys, as every line about it carries them. */
export function operationKeys(operation: { id: string; pair: string; kind: string; provider: string }) {
  return {
    operationId: operation.id,
    pair: operation.pair,
    kind: operation.kind,
    provider: operation.provider,
  };
}
