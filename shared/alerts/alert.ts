import * as z from 'zod';
import type { NormalizedAlert } from '../domain/alert.js';

/** Prometheus Alertmanager webhook, payload version 4; Grafana's webhook contact point sends the same alert shape. */
const WebhookAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  // A time Date cannot read would fail later, when the alert is normalised: refuse it here, naming the field.
  startsAt: z
    .string()
    .min(1)
    .refine((s) => !Number.isNaN(Date.parse(s)), 'a date-time such as 2026-11-21T09:00:00Z'),
  // Alertmanager and Grafana send 16 hex digits; the fingerprint becomes part of a store key.
  fingerprint: z.string().min(1).max(200).optional(),
});

/**
 * The most alerts one request may carry. Alertmanager sends every alert of a group in one notification (Grafana's
 * webhook contact point does the same) unless `max_alerts` (Grafana: "Max alerts") caps it, the rest then counted in
 * `truncatedAlerts`. A group about database pairs holds a handful of alerts, and the 64 KiB body limit already stops
 * a real notification at about 100 of them (an alert with its labels, annotations and URLs takes 400 to 1,000
 * bytes), so 100 refuses no real group, while each alert may be announced and a thousand would flood the pager.
 * Senders with larger groups set `max_alerts: 100`.
 */
export const MAX_ALERTS_PER_REQUEST = 100;
const AlertsSchema = z
  .array(WebhookAlertSchema)
  .max(
    MAX_ALERTS_PER_REQUEST,
    `at most ${MAX_ALERTS_PER_REQUEST} alerts per request; set max_alerts: ${MAX_ALERTS_PER_REQUEST} on the sender`,
  );

export const AlertmanagerPayloadSchema = z.looseObject({
  version: z.string(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  alerts: AlertsSchema,
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayloadSchema>;

export const GrafanaPayloadSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  alerts: AlertsSchema,
});
export type GrafanaPayload = z.infer<typeof GrafanaPayloadSchema>;

/** The alarm JSON CloudWatch puts in an SNS notification's Message. */
export const CloudWatchAlarmSchema = z.looseObject({
  // CloudWatch's own limits; the ARN (or the name) becomes part of a store key, which DynamoDB caps at 2048 bytes.
  AlarmName: z.string().min(1).max(255),
  AlarmDescription: z.string().nullish(),
  AlarmArn: z
    .string()
    .refine((arn) => Buffer.byteLength(arn) <= 1600, 'at most 1600 bytes')
    .optional(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.string().optional(),
  StateChangeTime: z.string(),
  Trigger: z
    .looseObject({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      Dimensions: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
    })
    .optional(),
});
export type CloudWatchAlarm = z.infer<typeof CloudWatchAlarmSchema>;

/** A label set's fingerprint when the source gives none: a hash of the sorted labels. */
function labelFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(sorted))
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash.toString(16).padStart(16, '0');
}

export function fromWebhook(
  source: 'alertmanager' | 'grafana',
  payload: AlertmanagerPayload | GrafanaPayload,
): NormalizedAlert[] {
  return payload.alerts.map((a) => ({
    source,
    name: a.labels.alertname ?? 'unnamed alert',
    status: a.status,
    labels: a.labels,
    fingerprint: `${source}:${a.fingerprint ?? labelFingerprint(a.labels)}`,
    startsAt: new Date(a.startsAt).toISOString(),
    summary: a.annotations.summary ?? a.annotations.description,
  }));
}

/** ALARM is firing and OK resolved; INSUFFICIENT_DATA says nothing about the primary, so it is no alert. */
export function fromCloudWatch(alarm: CloudWatchAlarm): NormalizedAlert | undefined {
  if (alarm.NewStateValue === 'INSUFFICIENT_DATA') return undefined;
  const labels: Record<string, string> = { alertname: alarm.AlarmName };
  if (alarm.Trigger?.Namespace) labels.namespace = alarm.Trigger.Namespace;
  if (alarm.Trigger?.MetricName) labels.metric = alarm.Trigger.MetricName;
  for (const d of alarm.Trigger?.Dimensions ?? []) labels[d.name] = d.value;
  // CloudWatch stamps "+0000" offsets; Date parses them.
  const changed = new Date(alarm.StateChangeTime.replace(/\+0000$/, 'Z'));
  return {
    source: 'cloudwatch',
    name: alarm.AlarmName,
    status: alarm.NewStateValue === 'ALARM' ? 'firing' : 'resolved',
    labels,
    fingerprint: `cloudwatch:${alarm.AlarmArn ?? alarm.AlarmName}`,
    startsAt: Number.isNaN(changed.getTime()) ? new Date().toISOString() : changed.toISOString(),
    summary: alarm.AlarmDescription ?? alarm.NewStateReason,
  };
}

/** The first route whose every matcher equals the alert's label, or undefined. */
export function routeAlert(
  alert: NormalizedAlert,
  routes: readonly { pair: string; match: Record<string, string> }[],
) {
  return routes.find((r) => Object.entries(r.match).every(([k, v]) => alert.labels[k] === v))?.pair;
}
