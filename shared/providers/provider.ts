import type { Observation } from '../domain/observation.js';
import type { Finding, JobRef, OperationKind, ProviderName, Step } from '../domain/operation.js';
import type { ProviderCheck } from '../domain/verification.js';

/** Provider ids an operation acts on (cluster/tenant ids, instance ids), as recorded on the operation. */
export type Target = Record<string, string | number>;

export interface CallOptions {
  /** Cancelled just before the Lambda times out (middy's signal). */
  signal?: AbortSignal;
}

export interface OperationInput {
  kind: OperationKind;
  target: Target;
  params: Record<string, unknown>;
  /** The phase being submitted or followed, from 0. */
  phase: number;
}

export interface PrecheckResult {
  valid: boolean;
  findings: Finding[];
  /** The target to submit against; a precheck may learn the pair's current roles from the provider. */
  target: Target;
}

export interface SubmittedJob {
  id: string;
  name?: string;
}

/** A provider job, normalised. */
export interface JobStatus {
  status: 'running' | 'succeeded' | 'failed';
  steps: Step[];
  /** On failure: the provider's own words for what went wrong. */
  message?: string;
  /** On success, what the job achieved as the provider now reports it (an upgrade: the version running). */
  result?: string;
  failedStep?: string;
}

export type { Evidence, Observation, PrimaryVerdict } from '../domain/observation.js';
export type { ProviderCheck } from '../domain/verification.js';

/**
 * How a provider fences a pair's old primary so it takes no writes: through its own API, before the
 * promotion where the provider allows that, otherwise right after it. A fence is a provider job, followed
 * like any other, so it is a step of the promotion with its own record and announcement.
 */
export interface Fencer {
  /** `before`: the promotion may follow a fence; `after`: the provider refuses a promotion once the primary is fenced. */
  readonly timing: 'before' | 'after';
  /** What the fence does and what it leaves open, in a sentence for the record. */
  describe(input: OperationInput): string;
  /** The old primary's id, as people know it. */
  member(input: OperationInput): string;
  fence(input: OperationInput, options?: CallOptions): Promise<SubmittedJob>;
  /** After an ambiguous fence request: the fence the provider has already started or finished, if any. */
  findFence(
    input: OperationInput & { since: string },
    options?: CallOptions,
  ): Promise<SubmittedJob | undefined>;
  followFence(job: JobRef, input: OperationInput, options?: CallOptions): Promise<JobStatus>;
  /**
   * Whether the provider would take the fence now, by the conditions it documents, asked without fencing (no
   * provider offers a dry run of these): `passed`, `failed` naming the condition, or `unknown`. Never throws.
   */
  permitted(input: OperationInput, options?: CallOptions): Promise<ProviderCheck>;
}

/** What one provider does for one operation kind. */
export interface OperationDriver {
  /** How many provider jobs the operation runs, one after another; 1 when absent. */
  readonly phases?: number;
  /** Steps known before the provider reports any (one per phase, say), so people see the plan. */
  plannedSteps?(input: OperationInput): Step[];
  /** What a person must do after a failure in `phase`, such as undoing what earlier phases set up. */
  failureAdvice?(input: OperationInput, failedPhase: number): string | undefined;
  precheck(input: OperationInput, options?: CallOptions): Promise<PrecheckResult>;
  submit(input: OperationInput, options?: CallOptions): Promise<SubmittedJob>;
  /** After an ambiguous submit: a job this operation may already have started, found on the provider. */
  findSubmitted(
    input: OperationInput & { since: string },
    options?: CallOptions,
  ): Promise<SubmittedJob | undefined>;
  /** Where the current phase's job stands, as steps. */
  followJob(job: JobRef, input: OperationInput, options?: CallOptions): Promise<JobStatus>;
  /** promote-standby drivers: how the primary and the standby look to the provider right now (never throws). */
  observe?(input: OperationInput, options?: CallOptions): Promise<Observation>;
  /**
   * promote-standby and switchover drivers, once the provider's job is done: the provider's word that the promoted
   * member is primary and takes writes, and that the old primary is fenced or demoted. Checks `new-primary.role`,
   * `new-primary.writable` and `old-primary.fenced`, each passed, failed or unknown; never throws.
   */
  verify?(input: OperationInput, options?: CallOptions): Promise<ProviderCheck[]>;
  /** promote-standby drivers: how the provider fences the old primary; absent where it offers no way. */
  readonly fencer?: Fencer;
}

/** The port every provider adapter implements. */
export interface Provider {
  readonly name: ProviderName;
  readonly displayName: string;
  /** Kinds this provider supports; a missing kind gets a 422 with `unsupported[kind]`. */
  readonly operations: Partial<Record<OperationKind, OperationDriver>>;
  /** Why a kind is not offered, in a sentence for the 422. */
  readonly unsupported: Partial<Record<OperationKind, string>>;
}
