import type { Finding, JobRef, OperationKind, ProviderName, Step } from '../domain/operation.js';

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
  failedStep?: string;
}

/** The provider's own view, asked before an automatic failover (the "second observer"). */
export interface Observation {
  /** undefined when the provider could not say (its API for that region did not answer, say). */
  primaryHealthy: boolean | undefined;
  primaryDetail: string;
  /** The standby's replication lag, where the provider reports one. */
  lag?: { seconds?: number; mb?: number };
  lagDetail: string;
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
  /** promote-standby drivers: how the primary and the standby look to the provider right now. */
  observe?(input: OperationInput, options?: CallOptions): Promise<Observation>;
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
