import { readFile } from 'node:fs/promises';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type * as z from 'zod';
import { awsRequestHandler } from '../aws/request-handler.js';
import { ConfigError } from '../domain/errors.js';
import type { SecretReader, SecretRef } from '../domain/secret-ref.js';
import { logWarningIn } from '../telemetry/logger.js';
import { type Config, ConfigSchema } from './config-schema.js';

/** Reads an SSM parameter (decrypted); injected so the loader can be used without AWS. */
export type ParameterReader = (name: string) => Promise<string>;

export function ssmParameterReader(
  client: SSMClient = new SSMClient({ requestHandler: awsRequestHandler() }),
): ParameterReader {
  return async (name) => {
    const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (value === undefined) throw new ConfigError(`SSM parameter ${name} has no value`);
    return value;
  };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Validates a parsed config document; the error names every bad key. */
export function parseConfig(document: unknown, source: string): Config {
  const parsed = ConfigSchema.safeParse(document);
  if (!parsed.success)
    throw new ConfigError(`Invalid configuration in ${source}: ${describeIssues(parsed.error)}`);
  const names = new Set<string>();
  for (const [index, pair] of parsed.data.pairs.entries()) {
    if (names.has(pair.name))
      throw new ConfigError(
        `Invalid configuration in ${source}: pairs.${index}.name: duplicate pair "${pair.name}"`,
      );
    names.add(pair.name);
    if (!parsed.data.providers[pair.provider])
      throw new ConfigError(
        `Invalid configuration in ${source}: pairs.${index}.provider: no providers.${pair.provider} endpoint is configured`,
      );
  }
  // Alerts and chat commands send Switchyard's own queue messages, which must be sealed.
  if (!parsed.data.internal && (parsed.data.alerting.routes.length > 0 || parsed.data.chat.slack))
    throw new ConfigError(
      `Invalid configuration in ${source}: internal.signingKey: required, since alerting.routes or chat.slack send Switchyard's own queue messages, sealed with it`,
    );
  for (const [index, route] of parsed.data.alerting.routes.entries())
    if (!names.has(route.pair))
      throw new ConfigError(
        `Invalid configuration in ${source}: alerting.routes.${index}.pair: no pair named "${route.pair}"`,
      );
  return parsed.data;
}

/**
 * The variables a config may read: Switchyard's own, and the endpoints the sandbox and a deployment move. Nothing
 * else: a config from SSM must not be able to copy AWS_SESSION_TOKEN, say, into a webhook URL.
 */
const READABLE_VARIABLE =
  /^(SWITCHYARD_[A-Z0-9_]+|OCP_ENDPOINT|HUAWEI_ENDPOINT|ALIBABA_ENDPOINT|WEBHOOK_SINK_URL|SLACK_SINK_URL)$/;

/** Replaces `${NAME}` and `${NAME:-default}` with environment values, so ports and endpoints can be overridden. */
export function interpolateEnv(
  text: string,
  env: Record<string, string | undefined>,
  source: string,
  /** How a value is written into the text: as it is (YAML), or escaped to stay inside its JSON string. */
  write: (value: string) => string = (value) => value,
): string {
  return text.replace(
    /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g,
    (_match, name: string, fallback: string | undefined) => write(lookUp(name, fallback)),
  );

  function lookUp(name: string, fallback: string | undefined): string {
    if (!READABLE_VARIABLE.test(name))
      throw new ConfigError(
        `Configuration in ${source} uses \${${name}}, which it may not read: only SWITCHYARD_* and the endpoint variables (OCP_ENDPOINT, HUAWEI_ENDPOINT, ALIBABA_ENDPOINT, WEBHOOK_SINK_URL, SLACK_SINK_URL)`,
      );
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`Configuration in ${source} uses \${${name}}, but ${name} is not set`);
  }
}

/**
 * The key a JSON text writes twice within one object, if any. JSON.parse keeps the last silently, where the YAML
 * parser refuses: `"mode": "approve"` followed by `"mode": "auto"` must not quietly mean automatic failover.
 */
export function repeatedKey(text: string): string | undefined {
  const objects: (Set<string> | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') objects.push(new Set());
    else if (c === '[') objects.push(undefined);
    else if (c === '}' || c === ']') objects.pop();
    else if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      const keys = objects.at(-1);
      if (keys && text[next] === ':') {
        // Compared as decoded, so "\u0061" repeats "a".
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = end;
    }
  }
  return undefined;
}

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * The document, with `${NAME}` replaced. A document that is JSON as written is read as JSON: a value goes in escaped,
 * so it stays inside its string whatever it holds, and the result is JSON or an error, never YAML by accident.
 * Anything else is YAML, whose parser is loaded only then: parsing a fleet's YAML took about 150 ms of a cold start,
 * JSON about 1 ms (BENCHMARKS.md §4).
 */
async function parseDocument(text: string, env: Record<string, string | undefined>, source: string) {
  if (text.trimStart().startsWith('{') && isJson(text)) {
    const json = interpolateEnv(text, env, source, (value) => JSON.stringify(value).slice(1, -1));
    const key = repeatedKey(json);
    if (key !== undefined)
      throw new ConfigError(
        `Configuration in ${source} is not valid: the key "${key}" is written twice in one object (which one was meant cannot be told)`,
      );
    return JSON.parse(json) as unknown;
  }
  const { parse } = await import('yaml');
  return parse(interpolateEnv(text, env, source)) as unknown;
}

/**
 * Loads the configuration named by `SWITCHYARD_CONFIG`: `file:<path>` (or a bare path) for a YAML/JSON
 * file, `ssm:<parameter name>` for a document kept in SSM.
 */
export async function loadConfig(
  location: string | undefined,
  readParameter: ParameterReader = ssmParameterReader(),
  env: Record<string, string | undefined> = process.env,
): Promise<Config> {
  if (!location)
    throw new ConfigError(
      'SWITCHYARD_CONFIG is not set: name a config file (file:path) or SSM parameter (ssm:/name)',
    );
  let text: string;
  try {
    text = location.startsWith('ssm:')
      ? await readParameter(location.slice(4))
      : await readFile(location.replace(/^file:/, ''), 'utf8');
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`Cannot read configuration from ${location}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let document: unknown;
  try {
    document = await parseDocument(text, env, location);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    // The parser quotes the offending line after the first one, and that line may hold a secret.
    const [where = ''] = (cause as Error).message.split('\n');
    throw new ConfigError(`Configuration in ${location} is not valid YAML: ${where.replace(/:$/, '')}`);
  }
  return parseConfig(document, location);
}

/** How long secrets and the config document are used before they are read again, unless configured. */
export const DEFAULT_SECRETS_TTL_SECONDS = 300;

/**
 * `SWITCHYARD_SECRETS_TTL_SECONDS` in milliseconds: how long an SSM value (a secret or the config
 * document) is used before it is read again; 0 reads each once per container.
 */
export function secretsTtlMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.SWITCHYARD_SECRETS_TTL_SECONDS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SECRETS_TTL_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new ConfigError(
      `SWITCHYARD_SECRETS_TTL_SECONDS must be a number of seconds (0 reads secrets once), not "${raw}"`,
    );
  return seconds * 1000;
}

export interface SecretResolverOptions {
  /** How long an SSM value is served before it is read again (default: `secretsTtlMs(env)`). */
  ttlMs?: number;
  now?: () => number;
  /** Where a failed refresh is reported: the parameter's name and the error, never a value. */
  log?: (line: string) => void;
}

/** An SSM error's name and message (they name the parameter, never its value). */
function describeReadError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

interface CachedParameter {
  value: Promise<string>;
  readAt: number;
  refreshing: boolean;
  /** The config key that first asked for it, to name in an error. */
  where: string;
}

/**
 * Resolves secret references: environment variables now, SSM parameters once per name and again after
 * the TTL. An expired value is still served while it is read again in the background, so no request
 * waits on SSM after the first; a failed read keeps the value it has.
 */
export class SecretResolver implements SecretReader {
  private readonly cache = new Map<string, CachedParameter>();
  private readonly now: () => number;

  constructor(
    private readonly readParameter: ParameterReader,
    private readonly env: Record<string, string | undefined> = process.env,
    private readonly options: SecretResolverOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  resolve(ref: SecretRef, where: string): Promise<string> {
    if ('value' in ref) return Promise.resolve(ref.value);
    if ('env' in ref) {
      const value = this.env[ref.env];
      if (value === undefined || value === '')
        return Promise.reject(new ConfigError(`${where}: environment variable ${ref.env} is not set`));
      return Promise.resolve(value);
    }
    const name = ref.ssm;
    const cached = this.cache.get(name);
    if (!cached) {
      const entry: CachedParameter = {
        value: this.readParameter(name).then(
          (value) => {
            entry.readAt = this.now();
            entry.refreshing = false;
            return value;
          },
          (cause) => {
            if (this.cache.get(name) === entry) this.cache.delete(name);
            throw new ConfigError(`${where}: cannot read SSM parameter ${name}`, { cause });
          },
        ),
        readAt: 0,
        // Until the first read ends, nothing reads it again.
        refreshing: true,
        where,
      };
      this.cache.set(name, entry);
      return entry.value;
    }
    if (this.isStale(cached)) this.refresh(name, cached, where);
    return cached.value;
  }

  /**
   * Reads every SSM parameter read so far again, all at once, and takes the new values only if all were read: a
   * failure keeps every value as it was and names the parameter and the config key that uses it.
   */
  async refreshAll(): Promise<void> {
    const entries = [...this.cache.entries()];
    const read = await Promise.allSettled(entries.map(([name]) => this.readParameter(name)));
    const failed = read.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      const [name, entry] = entries[failed] as [string, CachedParameter];
      throw new ConfigError(`${entry.where}: cannot read SSM parameter ${name}`, {
        cause: (read[failed] as PromiseRejectedResult).reason,
      });
    }
    const at = this.now();
    for (const [i, [name, entry]] of entries.entries())
      this.cache.set(name, {
        value: Promise.resolve((read[i] as PromiseFulfilledResult<string>).value),
        readAt: at,
        refreshing: false,
        where: entry.where,
      });
  }

  private isStale(entry: CachedParameter): boolean {
    const ttlMs = this.options.ttlMs ?? secretsTtlMs(this.env);
    return ttlMs > 0 && !entry.refreshing && this.now() - entry.readAt >= ttlMs;
  }

  private refresh(name: string, entry: CachedParameter, where: string) {
    entry.refreshing = true;
    this.readParameter(name).then(
      (value) => {
        this.cache.set(name, { value: Promise.resolve(value), readAt: this.now(), refreshing: false, where });
      },
      (error: unknown) => {
        // Try again a TTL later; until then the value read before is still good enough.
        entry.readAt = this.now();
        entry.refreshing = false;
        (this.options.log ?? logWarningIn('config'))(
          `[config] ${where}: cannot read SSM parameter ${name} again, keeping the value read before: ${describeReadError(error)}`,
        );
      },
    );
  }
}
