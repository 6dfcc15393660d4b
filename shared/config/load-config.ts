import { readFile } from 'node:fs/promises';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import { type Config, ConfigSchema, type SecretRef } from './config-schema.js';

/** Reads an SSM parameter (decrypted); injected so the loader can be used without AWS. */
export type ParameterReader = (name: string) => Promise<string>;

export function ssmParameterReader(client: SSMClient = new SSMClient({})): ParameterReader {
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
  for (const [index, route] of parsed.data.alerting.routes.entries())
    if (!names.has(route.pair))
      throw new ConfigError(
        `Invalid configuration in ${source}: alerting.routes.${index}.pair: no pair named "${route.pair}"`,
      );
  return parsed.data;
}

/** Replaces `${NAME}` and `${NAME:-default}` with environment values, so ports and endpoints can be overridden. */
export function interpolateEnv(
  text: string,
  env: Record<string, string | undefined>,
  source: string,
): string {
  return text.replace(
    /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g,
    (_match, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`Configuration in ${source} uses \${${name}}, but ${name} is not set`);
    },
  );
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
    document = parseYaml(interpolateEnv(text, env, location));
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`Configuration in ${location} is not valid YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
  return parseConfig(document, location);
}

/** Resolves secret references: environment variables now, SSM parameters once per name. */
export class SecretResolver {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(
    private readonly readParameter: ParameterReader,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  resolve(ref: SecretRef, where: string): Promise<string> {
    if ('value' in ref) return Promise.resolve(ref.value);
    if ('env' in ref) {
      const value = this.env[ref.env];
      if (value === undefined || value === '')
        return Promise.reject(new ConfigError(`${where}: environment variable ${ref.env} is not set`));
      return Promise.resolve(value);
    }
    let pending = this.cache.get(ref.ssm);
    if (!pending) {
      pending = this.readParameter(ref.ssm).catch((cause) => {
        this.cache.delete(ref.ssm);
        throw new ConfigError(`${where}: cannot read SSM parameter ${ref.ssm}`, { cause });
      });
      this.cache.set(ref.ssm, pending);
    }
    return pending;
  }
}
