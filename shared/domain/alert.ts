import * as z from 'zod';

/** One alert from any source, as Switchyard reasons about it. */
export const NormalizedAlertSchema = z.object({
  source: z.enum(['cloudwatch', 'alertmanager', 'grafana']),
  name: z.string(),
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  /** Stable per alert (not per notification): repeats, retries and replicas share it. */
  fingerprint: z.string(),
  startsAt: z.string(),
  summary: z.string().optional(),
});
export type NormalizedAlert = z.infer<typeof NormalizedAlertSchema>;
