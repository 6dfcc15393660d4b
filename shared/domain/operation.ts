import * as z from 'zod';
import { ObservationSchema } from './observation.js';
import { RecoverySchema } from './recovery.js';
import { CheckOutcomeSchema, VerificationSchema } from './verification.js';

export const OPERATION_KINDS = [
  'configure-dr',
  'promote-standby',
  'switchover',
  'activate-migration-target',
  'upgrade-minor-version',
  // Rebuilds DR in the direction the pair stands now, after a promotion left it without a standby.
  'reprotect',
  // Rehearses a failover: a switchover and back where the provider offers one, else a readiness evaluation.
  'drill',
] as const;
export const OperationKindSchema = z.enum(OPERATION_KINDS);
export type OperationKind = z.infer<typeof OperationKindSchema>;

/** A provider's name as its plugin registers it (shared/providers/registry.ts): `huawei`, `oceanbase`… */
export const ProviderNameSchema = z.string().regex(/^[a-z][a-z0-9-]*$/);
export type ProviderName = z.infer<typeof ProviderNameSchema>;

export const OPERATION_STATES = [
  'PENDING_APPROVAL',
  'SUBMITTING',
  'RUNNING',
  'SUCCEEDED',
  // The provider's job completed, but Switchyard could not confirm the pair is what it said: a person looks.
  'UNVERIFIED',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED',
  'REJECTED',
] as const;
export const OperationStateSchema = z.enum(OPERATION_STATES);
export type OperationState = z.infer<typeof OperationStateSchema>;

// schedule: Switchyard's own schedule (a pair's drill, say), not a person or a sender.
export const SourceSchema = z.enum(['http', 'queue', 'alert', 'chat', 'schedule']);
export type Source = z.infer<typeof SourceSchema>;

export const StepStatusSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']);
export type StepStatus = z.infer<typeof StepStatusSchema>;

/** A provider's unit of progress, normalised: an OCP subtask, a Huawei job phase, an Alibaba task step. */
export const StepSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: StepStatusSchema,
  upstreams: z.array(z.string()).default([]),
  downstreams: z.array(z.string()).default([]),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  progress: z.number().min(0).max(100).optional(),
  message: z.string().optional(),
});
export type Step = z.infer<typeof StepSchema>;

export const PrincipalSchema = z.object({
  /** The credential that spoke: `api-key:<name>`, a Slack user's name, `webhook:alertmanager`, `queue:<name>`. */
  principal: z.string(),
  channel: SourceSchema,
  /** The person behind it, as the config maps credentials to people; absent for machines (alerts, queue senders). */
  person: z.string().optional(),
});
export type Principal = z.infer<typeof PrincipalSchema>;

export const AuditEventSchema = z.object({
  at: z.string(),
  actor: z.string(),
  type: z.enum(['created', 'state', 'steps', 'submission', 'approval', 'verification']),
  from: OperationStateSchema.optional(),
  to: OperationStateSchema.optional(),
  message: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const JobRefSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  submittedAt: z.string(),
  /** Which of the operation's phases this job carries out (configure-dr has two). */
  phase: z.number().int().min(0).default(0),
});
export type JobRef = z.infer<typeof JobRefSchema>;

export const SubmissionSchema = z.object({
  attempts: z.number().int().min(0),
  lastAttemptAt: z.string().optional(),
  /** The last attempt failed in a way that may have reached the provider: reconcile before any retry. */
  ambiguous: z.boolean().default(false),
  lastError: z.string().optional(),
  /** The provider's refusal of the submission, and the status Switchyard answers for it. */
  refusal: z
    .object({
      /** The target's state, the request itself, or a failure of the provider: the edge answers 409, 422 or 502. */
      refusedFor: z.enum(['state', 'request', 'provider']).default('provider'),
      providerCode: z.string().optional(),
      providerMessage: z.string().optional(),
    })
    .optional(),
});
export type Submission = z.infer<typeof SubmissionSchema>;

export const FindingSchema = z.object({
  rule: z.string(),
  passed: z.boolean(),
  message: z.string(),
  /** Passed, but a person must know it before going ahead (replication lag before a promotion, say). */
  warning: z.boolean().optional(),
  /** A safety rule of Switchyard's, not a provider's check: the pair's state forbids the request now. */
  safety: z.boolean().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

/** The alert that made Switchyard ask for an operation on its own. */
export const TriggerSchema = z.strictObject({
  type: z.literal('alert'),
  source: z.string().max(40),
  // As long as the intakes accept: a CloudWatch alarm name (255) and `cloudwatch:` with its ARN (1,600).
  name: z.string().max(300),
  fingerprint: z.string().max(1700),
  decisionId: z.string().max(40),
});
export type Trigger = z.infer<typeof TriggerSchema>;

/** A chat conversation to answer in. */
export const ReplyToSchema = z.strictObject({
  slackResponseUrl: z.url({ protocol: /^https?$/ }).max(500),
});
export type ReplyTo = z.infer<typeof ReplyToSchema>;

/** An operation that waits for people before anything is sent to the provider. */
export const ApprovalSchema = z.object({
  reason: z.string(),
  /** Distinct people, none of them the requester; two when data may be lost. */
  approversNeeded: z.number().int().min(1).max(2),
  approvals: z
    .array(
      z.object({
        principal: z.string(),
        person: z.string().optional(),
        at: z.string(),
        comment: z.string().optional(),
      }),
    )
    .default([]),
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** A drill's plan and what each of its legs came to; the legs are switchovers, each an operation of its own. */
export const DrillSchema = z.object({
  /** `switchover`: over and back, each leg verified and measured; `evaluation`: readiness plus the promotion's dry run. */
  kind: z.enum(['switchover', 'evaluation']),
  legs: z
    .array(
      z.object({
        leg: z.number().int().min(1).max(2),
        operationId: z.string(),
        state: OperationStateSchema.optional(),
        /** The leg's recovery time in seconds, once verified. */
        rtoSeconds: z.number().nullable().optional(),
        outcome: z.string().optional(),
      }),
    )
    .default([]),
  /** The pair's members when a switchover drill began (ids as the provider names them): each leg must find them so. */
  from: z.object({ primary: z.string(), standby: z.string() }).optional(),
  /** An evaluation drill's checks, as readiness recorded them. */
  checks: z.array(z.object({ name: z.string(), outcome: CheckOutcomeSchema, detail: z.string() })).optional(),
});
export type Drill = z.infer<typeof DrillSchema>;

/** How a promotion deals with the old primary, and what came of it. */
export const FencingSchema = z.object({
  policy: z.enum(['required', 'best-effort', 'off']),
  /** The operation's phase that fences, when it runs as one of them. */
  phase: z.number().int().min(0).optional(),
  /** The old primary, as people know it. */
  member: z.string(),
  /** The provider's mechanism and its limits, in a sentence. */
  mechanism: z.string(),
  /**
   * planned: a phase will fence; fenced: done; deferred: the provider reports the old primary down, and
   * Switchyard fences it once it is reachable (the pair is at risk until then); failed: tried and failed;
   * not-fenced: fencing is off, or the provider offers none.
   */
  state: z.enum(['planned', 'fenced', 'deferred', 'failed', 'not-fenced']),
  detail: z.string(),
  /** When the fence was seen to hold. */
  at: z.string().optional(),
});
export type Fencing = z.infer<typeof FencingSchema>;

export const OperationSchema = z.object({
  id: z.string(),
  kind: OperationKindSchema,
  provider: ProviderNameSchema,
  pair: z.string(),
  /** Provider ids the operation acts on, resolved from the pair at request time. */
  target: z.record(z.string(), z.union([z.string(), z.number()])),
  params: z.record(z.string(), z.unknown()).default({}),
  state: OperationStateSchema,
  reason: z.string().optional(),
  requestedBy: PrincipalSchema,
  source: SourceSchema,
  idempotencyKey: z.string().optional(),
  trigger: TriggerSchema.optional(),
  approval: ApprovalSchema.optional(),
  /** Where the chat command that asked for it wants its state changes (a Slack response_url, valid 30 minutes). */
  replyTo: ReplyToSchema.optional(),
  findings: z.array(FindingSchema).default([]),
  /** promote-standby: what the observers said of the old primary when it was asked for (and looked at again). */
  observation: ObservationSchema.optional(),
  /** promote-standby: the old primary's fence. */
  fencing: FencingSchema.optional(),
  /** promote-standby and switchover: the checks after the provider's job that the pair is what it said. */
  verification: VerificationSchema.optional(),
  /** promote-standby and switchover: when the provider said the promotion (not its fence) was done. */
  providerDoneAt: z.string().optional(),
  /** promote-standby and switchover, once ended: the timeline, RTO and RPO of the run. */
  recovery: RecoverySchema.optional(),
  /** drill: its plan and legs. */
  drill: DrillSchema.optional(),
  /** A leg of a drill: the drill that asked for it. */
  drillId: z.string().optional(),
  /** The provider job of the current phase, once submitted. */
  job: JobRefSchema.optional(),
  /** The current phase, from 0; an operation of several phases runs one provider job per phase, in order. */
  phase: z.number().int().min(0).default(0),
  /** Jobs of the phases already completed. */
  jobs: z.array(JobRefSchema).default([]),
  submission: SubmissionSchema,
  steps: z.array(StepSchema).default([]),
  /** Why the operation ended the way it did, in one sentence a person can act on. */
  outcome: z.string().optional(),
  failedStep: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deadline: z.string(),
  version: z.number().int().min(1),
  events: z.array(AuditEventSchema),
  /**
   * Which audit events (numbered from 1) were confirmed announced; kept by the store beside the operation and
   * never written with it, so a change that went untold (its writer died) can be told later.
   */
  announced: z.array(z.number().int().min(1)).optional(),
  /** When the last change of the ended operation was confirmed told; kept by the store like `announced`. */
  toldAt: z.string().optional(),
  /**
   * The operation's next follow-up (shared/operations/follow-up.ts): its number, when it is due, and how many checks
   * in a row found nothing new. Kept by the store like `announced`, and moved only by a conditional write of its own.
   */
  followUp: z
    .object({ token: z.number().int().min(1), dueAt: z.string(), quietChecks: z.number().int().min(0) })
    .optional(),
});
export type Operation = z.infer<typeof OperationSchema>;

export const TERMINAL_STATES: ReadonlySet<OperationState> = new Set([
  'SUCCEEDED',
  'UNVERIFIED',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED',
  'REJECTED',
]);

export function isTerminal(state: OperationState): boolean {
  return TERMINAL_STATES.has(state);
}

/**
 * An operation as an answer shows it: without `replyTo`, whose Slack response_url lets anyone who holds it post into
 * the conversation for half an hour.
 */
export function operationView(operation: Operation): Omit<Operation, 'replyTo'> {
  const { replyTo: _replyTo, ...view } = operation;
  return view;
}
