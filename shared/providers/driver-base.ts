import { describeError } from '../domain/errors.js';
import type { Finding, JobRef, Step } from '../domain/operation.js';
import type { ProviderCheck } from '../domain/verification.js';
import type {
  CallOptions,
  JobStatus,
  OperationDriver,
  OperationInput,
  PrecheckResult,
  SubmittedJob,
  Target,
} from './provider.js';

export const pass = (rule: string, message: string): Finding => ({ rule, passed: true, message });
export const fail = (rule: string, message: string): Finding => ({ rule, passed: false, message });
/** Said, but no reason to refuse. */
export const warn = (rule: string, message: string): Finding => ({
  rule,
  passed: true,
  warning: true,
  message,
});

/** A verification check that never throws: a provider that cannot answer makes it unknown, never passed. */
export async function checked(
  name: string,
  ask: () => Promise<Omit<ProviderCheck, 'name'>>,
): Promise<ProviderCheck> {
  try {
    return { name, ...(await ask()) };
  } catch (error) {
    return { name, outcome: 'unknown', detail: `no answer (${describeError(error)})` };
  }
}

/** A precheck passes when every finding does. */
export function precheckResult(findings: Finding[], target: Target): PrecheckResult {
  return { valid: findings.every((f) => f.passed), findings, target };
}

/** Clocks differ between us and a provider: a job started this long before our submission may still be ours. */
export const CLOCK_SKEW_MS = 60_000;

/** Whether a job a provider lists, started at `startedAt`, may be the one we submitted at `since`. */
export function startedSince(since: string, startedAt: string | undefined): boolean {
  const started = Date.parse(startedAt ?? '');
  return Number.isFinite(started) && started >= Date.parse(since) - CLOCK_SKEW_MS;
}

/** A step with no links to others: one provider job shown as it stands. */
export function jobStep(
  id: string,
  name: string,
  status: Step['status'],
  more: Partial<Omit<Step, 'id' | 'name' | 'status'>> = {},
): Step {
  return { id, name, status, upstreams: [], downstreams: [], ...more };
}

/**
 * A driver whose each phase is one provider job on one member of the pair (Huawei, Alibaba): the plan is one step
 * per phase, each waiting on the one before, named by `stepOf`.
 */
export abstract class JobPerPhaseDriver<Side extends string> implements OperationDriver {
  readonly phases?: number;

  abstract precheck(input: OperationInput, options?: CallOptions): Promise<PrecheckResult>;
  abstract submit(input: OperationInput, options?: CallOptions): Promise<SubmittedJob>;
  abstract findSubmitted(
    input: OperationInput & { since: string },
    options?: CallOptions,
  ): Promise<SubmittedJob | undefined>;
  abstract followJob(job: JobRef, input: OperationInput, options?: CallOptions): Promise<JobStatus>;
  /** The member a phase's job runs on. */
  abstract sideOf(input: OperationInput): Side;
  /** The step a phase's job is shown as. */
  abstract stepOf(input: OperationInput): { id: string; name: string };

  plannedSteps(input: OperationInput): Step[] {
    const ids = Array.from({ length: this.phases ?? 1 }, (_, phase) => this.stepOf({ ...input, phase }));
    return ids.map(({ id, name }, i) =>
      jobStep(id, name, 'pending', {
        upstreams: i > 0 ? [ids[i - 1]?.id as string] : [],
        downstreams: i + 1 < ids.length ? [ids[i + 1]?.id as string] : [],
      }),
    );
  }

  protected result(findings: Finding[], target: Target): PrecheckResult {
    return precheckResult(findings, target);
  }
}

/** A succeeded job with what it achieved, read afresh from the provider; a read that fails leaves it unsaid. */
export async function withResult(
  status: JobStatus,
  read: () => Promise<string | undefined>,
): Promise<JobStatus> {
  if (status.status !== 'succeeded') return status;
  const result = await read().catch(() => undefined);
  return result ? { ...status, result } : status;
}
