import * as z from 'zod';
import { CheckOutcomeSchema } from './verification.js';

/**
 * Would a failover of the pair go through now? Asked on a schedule: the promotion's prechecks as a dry run, the
 * observers reachable with valid credentials, the lag within budget, the fence permitted. `ready` only when every
 * check passed; a check that could not be answered makes it `not-ready`, never ready.
 */
export const ReadinessSchema = z.object({
  state: z.enum(['ready', 'not-ready', 'not-applicable']),
  /** When the state last changed. */
  since: z.string(),
  /** When it was last evaluated. */
  at: z.string(),
  checks: z.array(z.object({ name: z.string(), outcome: CheckOutcomeSchema, detail: z.string() })),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

/** Why a pair is not protected. */
export const UNPROTECTED_REASONS = [
  'no-standby',
  'dr-relation-broken',
  'replication-stopped',
  'over-budget',
] as const;

/**
 * Whether the pair could survive losing its primary now: a standby that replicates within budget. `unknown` when
 * Switchyard could not confirm either way (the provider reports no replication state, or did not answer).
 */
export const ProtectionSchema = z.object({
  state: z.enum(['protected', 'unprotected', 'reprotecting', 'unknown']),
  reason: z.enum(UNPROTECTED_REASONS).optional(),
  detail: z.string(),
  /** When the state (or its reason) last changed. */
  since: z.string(),
  /** The operation that changed it, when one did. */
  operationId: z.string().optional(),
  /** The person who said the pair is protected again, where no provider API could rebuild it (PUT …/protection). */
  declaredBy: z.string().optional(),
  /** When it was last announced: an unprotected pair is announced again at the configured interval. */
  announcedAt: z.string(),
});
export type Protection = z.infer<typeof ProtectionSchema>;
