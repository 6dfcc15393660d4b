export { type GrafanaPayload, GrafanaPayloadSchema } from '../../shared/alerts/alert.js';
