import { AlertmanagerPayloadSchema } from '../../shared/alerts/alert.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { alertWebhookHandler } from '../../shared/edge/alert-webhook.js';

/** POST /v1/alerts/alertmanager: Prometheus Alertmanager's webhook (payload version 4). */
export const handler = alertWebhookHandler('alertmanager', AlertmanagerPayloadSchema, sharedDeps);
