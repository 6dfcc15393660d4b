import * as z from 'zod';

/** A pair's name: what people, routes and alerts call it. */
export const PairNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');

/**
 * A pair's own observer of its primary, probed from Switchyard: the application's write-path health URL, say.
 * 2xx is up, a status in `downStatuses` is down, and anything else (a timeout, a refused connection, a redirect,
 * another status) says nothing. When one is configured, it and the provider must both say down.
 */
export const HttpObserverSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().min(100).max(10_000).default(3000),
  downStatuses: z.array(z.number().int().min(400).max(599)).min(1).default([503]),
});
export type HttpObserver = z.infer<typeof HttpObserverSchema>;

/**
 * An application check after a promotion or switchover: a URL of the application's own (its write path, say) that
 * must answer 2xx within the time limit. No redirect is followed, and a URL carries no credentials: the config
 * is read by people and logged in parts.
 */
export const ApplicationCheckSchema = z.strictObject({
  name: PairNameSchema,
  url: z
    .url({ protocol: /^https?$/ })
    .refine(
      (url) => new URL(url).username === '' && new URL(url).password === '',
      'no credentials in the URL',
    ),
  method: z.enum(['GET', 'POST', 'HEAD']).default('GET'),
  timeoutMs: z.number().int().min(100).max(10_000).default(3000),
});
export type ApplicationCheck = z.infer<typeof ApplicationCheckSchema>;

/** How Switchyard confirms a promotion or switchover of the pair before it says SUCCEEDED. */
export const PairVerificationSchema = z
  .strictObject({
    /** Checks that have not passed are asked again, once per poller tick, until this long after the job ended. */
    windowSeconds: z.number().int().min(0).max(900).default(120),
    checks: z.array(ApplicationCheckSchema).max(5).default([]),
  })
  .refine((v) => new Set(v.checks.map((c) => c.name)).size === v.checks.length, {
    path: ['checks'],
    message: 'check names must differ',
  });
export type PairVerification = z.infer<typeof PairVerificationSchema>;

export const DEFAULT_VERIFICATION: PairVerification = { windowSeconds: 120, checks: [] };

/** A drill of the pair on a schedule: run by the readiness evaluation once the last drill is this many days old. */
export const PairDrillScheduleSchema = z.strictObject({
  everyDays: z.number().int().min(1).max(365),
  /** Absent: a switchover drill where the provider offers a switchover, an evaluation elsewhere. */
  kind: z.enum(['switchover', 'evaluation']).optional(),
});
export type PairDrillSchedule = z.infer<typeof PairDrillScheduleSchema>;

/** How a pair reacts to a primary-down alert (issue: automatic failover with the safety that keeps it from harm). */
export const FailoverPolicySchema = z.strictObject({
  /** off: ignore; notify: tell people; dry-run: say what would happen; approve: wait for a person; auto: fail over. */
  mode: z.enum(['off', 'notify', 'dry-run', 'approve', 'auto']).default('notify'),
  /** The alert must still be firing this long after Switchyard first received it (or its startsAt, if later). */
  holdOffSeconds: z.number().int().min(0).max(3600).default(60),
  /** RPO budget: above either, or unknown when requireKnownLag, no automatic promotion. */
  maxLagSeconds: z.number().min(0).optional(),
  maxLagMb: z.number().min(0).optional(),
  /** An unknown lag is a person's call: without a figure Switchyard cannot say what a promotion loses. */
  requireKnownLag: z.boolean().default(true),
  /** After a failover, no automatic one on this pair until acknowledged or this long has passed. */
  cooldownSeconds: z.number().int().min(0).default(3600),
  /**
   * required: nothing is promoted unless the old primary is fenced first, or the provider reports it down (it is
   * then fenced once reachable); best-effort: fencing is tried and its outcome stated; off: never fenced.
   */
  fencing: z.enum(['required', 'best-effort', 'off']).default('required'),
  observer: HttpObserverSchema.optional(),
});
export type FailoverPolicy = z.infer<typeof FailoverPolicySchema>;

export const DEFAULT_FAILOVER: FailoverPolicy = {
  mode: 'notify',
  holdOffSeconds: 60,
  requireKnownLag: true,
  cooldownSeconds: 3600,
  fencing: 'required',
};

/** A lag budget a provider cannot measure protects nothing: it is refused at load, naming the key. */
export type LagBudget = 'maxLagSeconds' | 'maxLagMb';

export function lagBudgetsMeasurable(provider: string, unmeasurable: readonly LagBudget[]) {
  return (pair: { failover: FailoverPolicy }, ctx: z.RefinementCtx) => {
    for (const key of unmeasurable)
      if (pair.failover[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['failover', key],
          message: `${provider} reports no replication lag ${key === 'maxLagMb' ? 'in bytes' : 'in time'} for this pair, so ${key} could never be checked; remove it (an unknown lag already waits for a person while requireKnownLag is true)`,
        });
  };
}
