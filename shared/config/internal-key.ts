import { ConfigError } from '../domain/errors.js';
import type { SecretReader } from '../domain/secret-ref.js';
import type { Config } from './config-schema.js';

/** Long enough that a guess is hopeless: `openssl rand -base64 32` gives 44 characters. */
export const SIGNING_KEY_MIN_LENGTH = 32;

/** The key that seals Switchyard's own queue messages, read through the secret cache when one is sent or checked. */
export async function internalSigningKey(
  config: Pick<Config, 'internal'>,
  secrets: SecretReader,
): Promise<string> {
  if (!config.internal)
    throw new ConfigError(
      "internal.signingKey is not configured, so no message of Switchyard's own can be sealed or trusted",
    );
  const key = await secrets.resolve(config.internal.signingKey, 'internal.signingKey');
  if (key.length < SIGNING_KEY_MIN_LENGTH)
    throw new ConfigError(`internal.signingKey must be at least ${SIGNING_KEY_MIN_LENGTH} characters`);
  return key;
}
