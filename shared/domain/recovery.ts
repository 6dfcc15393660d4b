import * as z from 'zod';

/**
 * The moments of a promotion or switchover, in the order they usually come: the alert's start (as its sender
 * said), when Switchyard received it and decided, when the operation was asked for and approved, when the old
 * primary was fenced, when the promotion was sent and the provider said it was done, when Switchyard confirmed the
 * result, and when the end was told.
 */
export const TIMELINE_MARKS = [
  'detected',
  'received',
  'decided',
  'requested',
  'approved',
  'fenced',
  'submitted',
  'providerDone',
  'verified',
  'told',
] as const;
export const TimelineMarkSchema = z.enum(TIMELINE_MARKS);
export type TimelineMark = z.infer<typeof TimelineMarkSchema>;

export const TimelineSchema = z.partialRecord(TimelineMarkSchema, z.string());
export type Timeline = z.infer<typeof TimelineSchema>;

/** The recovery time, first sign of trouble (or the request) to verified, with each stage's share. */
export const RtoSchema = z.object({
  /** Absent when the operation was not verified: an unconfirmed recovery has no recovery time. */
  seconds: z.number().min(0).optional(),
  from: TimelineMarkSchema,
  to: z.literal('verified'),
  stages: z.array(
    z.object({
      from: TimelineMarkSchema,
      to: TimelineMarkSchema,
      seconds: z.number().min(0),
      /** Of the whole, 0 to 1. */
      share: z.number().min(0).max(1),
    }),
  ),
  detail: z.string(),
});
export type Rto = z.infer<typeof RtoSchema>;

/**
 * The data a promotion may have lost: the lag read just before it, in the provider's units as read and normalised
 * where the provider allows. `unknown` when no figure could be read, never zero; `none` for a switchover, which
 * changes roles only once the standby has everything.
 */
export const RpoSchema = z.object({
  state: z.enum(['known', 'unknown', 'none']),
  seconds: z.number().min(0).optional(),
  bytes: z.number().min(0).optional(),
  /** What the provider said, in its own units. */
  asRead: z.string(),
  readAt: z.string().optional(),
});
export type Rpo = z.infer<typeof RpoSchema>;

export const RecoverySchema = z.object({ timeline: TimelineSchema, rto: RtoSchema, rpo: RpoSchema });
export type Recovery = z.infer<typeof RecoverySchema>;

/** A duration people read: 45 s, 3 min 12 s, 1 h 4 min. */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

/** RTO: the first sign (the alert's start, or the request) to verified, each stage between marks in time order. */
export function rtoOf(timeline: Timeline): Rto {
  const from: TimelineMark = timeline.detected ? 'detected' : 'requested';
  const marks = TIMELINE_MARKS.filter((m) => m !== 'told' && timeline[m] !== undefined)
    .map((mark) => ({ mark, at: Date.parse(timeline[mark] as string) }))
    .sort((a, b) => a.at - b.at || TIMELINE_MARKS.indexOf(a.mark) - TIMELINE_MARKS.indexOf(b.mark));
  const start = marks.find((m) => m.mark === from)?.at ?? marks[0]?.at ?? 0;
  const end = timeline.verified ? Date.parse(timeline.verified) : undefined;
  const total = end !== undefined ? Math.max(0, (end - start) / 1000) : undefined;
  const stages = marks
    .filter((m) => m.at >= start)
    .slice(1)
    .map((m, i, rest) => {
      const previous = i === 0 ? marks.find((x) => x.at >= start) : rest[i - 1];
      const seconds = Math.max(0, (m.at - (previous?.at ?? start)) / 1000);
      return {
        from: (previous?.mark ?? from) as TimelineMark,
        to: m.mark,
        seconds,
        share: total ? Math.min(1, seconds / total) : 0,
      };
    });
  const longest = [...stages].sort((a, b) => b.seconds - a.seconds)[0];
  const detail =
    total === undefined
      ? `unknown: the result was not verified, so there is no recovery time to state (from ${from})`
      : `${formatSeconds(total)} from ${from === 'detected' ? "the alert's start" : 'the request'} to verified${longest && total > 0 ? `; the longest stage, ${longest.from} to ${longest.to}, took ${formatSeconds(longest.seconds)} (${Math.round(longest.share * 100)}%)` : ''}`;
  return { ...(total !== undefined ? { seconds: total } : {}), from, to: 'verified', stages, detail };
}

/** RTO and RPO in one sentence for the final notification. */
export function describeRecovery(recovery: Recovery): string {
  const { rto, rpo } = recovery;
  const lost =
    rpo.state === 'none'
      ? 'none (a switchover)'
      : rpo.state === 'unknown'
        ? `unknown (${rpo.asRead})`
        : [
            rpo.seconds !== undefined ? formatSeconds(rpo.seconds) : undefined,
            rpo.bytes !== undefined
              ? `${Number((rpo.bytes / 1024 / 1024).toFixed(2))} MB (${rpo.bytes} bytes)`
              : undefined,
          ]
            .filter(Boolean)
            .join(', ');
  return `RTO ${rto.detail}; RPO ${lost}`;
}
