import type * as z from 'zod';
import { type AlertmanagerPayloadSchema, fromWebhook, type GrafanaPayloadSchema } from '../alerts/alert.js';
import { authorizeWebhook } from '../auth/webhook-auth.js';
import type { Deps } from '../deps.js';
import { receiveAlert } from '../failover/decide-alert.js';
import { httpHandler } from './http-handler.js';

/** POST /v1/alerts/<source>: every alert of the payload decided, answered with the decisions. */
export function alertWebhookHandler(
  source: 'alertmanager' | 'grafana',
  schema: typeof AlertmanagerPayloadSchema | typeof GrafanaPayloadSchema,
  getDeps: () => Promise<Deps>,
) {
  return httpHandler(
    {
      scope: 'operate',
      body: schema,
      authenticate: (deps, headers) =>
        authorizeWebhook(source, deps.config.alerting[source], headers.authorization, deps.secrets),
      async handle({ deps, body, signal }) {
        const payload = body as z.infer<typeof schema>;
        const decisions = [];
        for (const alert of fromWebhook(source, payload)) {
          const decision = await receiveAlert(deps, alert, { signal });
          if (decision)
            decisions.push({
              id: decision.id,
              pair: decision.pair,
              outcome: decision.outcome,
              reason: decision.reason,
            });
        }
        return { status: 200, body: { received: payload.alerts.length, decisions } };
      },
    },
    getDeps,
  );
}
