export { type AlertmanagerPayload, AlertmanagerPayloadSchema } from '../../shared/alerts/alert.js';
