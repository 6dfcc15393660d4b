import type { Alerting } from '../config/config-schema.js';
import { sameSecret } from '../domain/constant-time.js';
import { UnauthorizedError } from '../domain/errors.js';
import type { Principal } from '../domain/operation.js';
import type { SecretReader } from '../domain/secret-ref.js';

/**
 * Checks a monitoring webhook's credential as its sender configures it: Alertmanager's http_config and
 * Grafana's contact point send `Authorization: Bearer <token>` or HTTP basic auth.
 */
export async function authorizeWebhook(
  source: 'alertmanager' | 'grafana',
  auth: Alerting['alertmanager'],
  authorization: string | undefined,
  secrets: SecretReader,
): Promise<Principal> {
  if (!auth)
    throw new UnauthorizedError(
      `No ${source} credential is configured (alerting.${source}), so every ${source} request is refused.`,
    );
  const header = authorization ?? '';
  if (auth.bearerToken && /^Bearer /i.test(header)) {
    if (
      sameSecret(
        header.slice(7).trim(),
        await secrets.resolve(auth.bearerToken, `alerting.${source}.bearerToken`),
      )
    )
      return { principal: `webhook:${source}`, channel: 'alert' };
  }
  if (auth.basic && /^Basic /i.test(header)) {
    const [user, ...rest] = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8').split(':');
    const username = await secrets.resolve(auth.basic.username, `alerting.${source}.basic.username`);
    const password = await secrets.resolve(auth.basic.password, `alerting.${source}.basic.password`);
    if (sameSecret(user ?? '', username) && sameSecret(rest.join(':'), password))
      return { principal: `webhook:${source}`, channel: 'alert' };
  }
  throw new UnauthorizedError(`The ${source} credential is missing or wrong.`);
}
