import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config, Scope } from '../config/config-schema.js';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';
import type { Principal } from '../domain/operation.js';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Checks `Authorization: Bearer <key>` against the configured key hashes and the scope the route needs. */
export function authorizeApiKey(
  apiKeys: Config['apiKeys'],
  authorization: string | undefined,
  scope: Scope,
): Principal {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new UnauthorizedError('Send an API key as "Authorization: Bearer <key>".');
  const presented = Buffer.from(sha256Hex(match[1] as string), 'hex');
  // Compare every hash in constant time so the answer time does not hint at which keys exist.
  let found: Config['apiKeys'][number] | undefined;
  for (const key of apiKeys) {
    if (timingSafeEqual(presented, Buffer.from(key.sha256, 'hex'))) found = key;
  }
  if (!found) throw new UnauthorizedError('The API key is not valid.');
  if (!found.scopes.includes(scope) && !found.scopes.includes('admin'))
    throw new ForbiddenError(`The API key "${found.name}" lacks the "${scope}" scope this request needs.`);
  return { principal: `api-key:${found.name}`, channel: 'http', person: found.person };
}
