import * as z from 'zod';
import { NormalizedAlertSchema } from './alert.js';
import { ObservationSchema } from './observation.js';
import type { JobRef } from './operation.js';
import type { Protection, Readiness } from './pair-condition.js';

/** What Switchyard decided about one alert, and why: every outcome is recorded and announced. */
export const DECISION_OUTCOMES = [
  'holding',
  'unrouted',
  'ignored',
  'cancelled',
  'notified',
  'dry-run',
  'suppressed',
  'declined',
  'blocked',
  'needs-approval',
  'failover-requested',
] as const;
export const DecisionOutcomeSchema = z.enum(DECISION_OUTCOMES);
export type DecisionOutcome = z.infer<typeof DecisionOutcomeSchema>;

export const DecisionSchema = z.object({
  id: z.string(),
  pair: z.string().optional(),
  /** False when a config refresh removed the pair while the alert was held: nothing can be done for it now. */
  pairConfigured: z.boolean().optional(),
  alert: NormalizedAlertSchema,
  outcome: DecisionOutcomeSchema,
  reason: z.string(),
  /** While holding: when to look again. */
  evaluateAt: z.string().optional(),
  /** The Idempotency-Key of the promotion asked for, when one was. */
  operationKey: z.string().optional(),
  /** The promotion's operation id, claimed on the pair before it was asked for. */
  operationId: z.string().optional(),
  /** While holding: when an evaluation took it (a wake-up, the sweep); another waits until that could have ended. */
  claimedAt: z.string().optional(),
  /** When Switchyard first received the alert: the hold-off counts from here (or from startsAt, if later). */
  receivedAt: z.string().optional(),
  /** What the observers said of the primary when it was decided. */
  observation: ObservationSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().min(1),
  /** The version whose notification was confirmed delivered; kept by the store, never written with the decision. */
  told: z.number().int().min(1).optional(),
});
export type Decision = z.infer<typeof DecisionSchema>;

export const isFinal = (outcome: DecisionOutcome) => outcome !== 'holding';

/** Per pair: when Switchyard last failed it over on its own, and when a person last acknowledged that. */
export interface PairFailoverState {
  pair: string;
  lastAutomaticFailoverAt?: string;
  /** The promotion that failover asked for: one cancelled before anything was sent starts no cooldown. */
  lastAutomaticOperationId?: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  /**
   * Which member is the primary now (its id, as its provider's plugin names members), recorded by the promotion or
   * switchover that made it so, or by a person who said so. Absent, the pair stands as configured.
   */
  roles?: { primary: string; since: string; operationId?: string; by?: string; reason?: string };
  /** A promotion left the old primary unfenced (it was reported down): Switchyard fences it once reachable. */
  atRisk?: {
    since: string;
    operationId: string;
    member: string;
    detail: string;
    /** The fence the poller has sent and follows. */
    fenceJob?: JobRef;
  };
  /** The operation whose risk was last ended (fenced, or retired by a person): it is never marked at risk again. */
  riskEndedFor?: string;
  /** Would a failover go through now: the last scheduled evaluation. */
  readiness?: Readiness;
  /** Whether the pair has a standby that replicates within budget. */
  protection?: Protection;
  version: number;
}

/** The global brake: engaged by a person or by too many automatic failovers in an hour. */
export interface Brake {
  engaged: boolean;
  reason?: string;
  changedAt?: string;
  changedBy?: string;
  /** Times of automatic failovers counted towards the hourly limit since the brake was last re-armed. */
  recent: string[];
  version: number;
}
