import { GrafanaPayloadSchema } from '../../shared/alerts/alert.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { alertWebhookHandler } from '../../shared/edge/alert-webhook.js';

/** POST /v1/alerts/grafana: Grafana alerting's webhook contact point. */
export const handler = alertWebhookHandler('grafana', GrafanaPayloadSchema, sharedDeps);
