import type { Observation } from '../domain/observation.js';
import type { Fencing, Finding, JobRef, Operation, Step } from '../domain/operation.js';
import type { FailoverPolicy } from '../domain/pair-policy.js';
import type {
  CallOptions,
  Fencer,
  JobStatus,
  OperationDriver,
  OperationInput,
  SubmittedJob,
} from '../providers/provider.js';
import { inputOf } from './pipeline.js';

/** A safety rule that refuses a request outright (409): the pair's state forbids it now. */
export function safetyRefusal(rule: string, message: string): Finding {
  return { rule, passed: false, safety: true, message };
}

/**
 * How a promotion fences the old primary, from the pair's policy, what the provider allows and what the
 * observers said. `required` promotes nothing unless the old primary is fenced first or the provider reports it
 * down; a primary reported down cannot be reached to fence, so it is fenced after the promotion, and again by the
 * poller until it is (the pair is at risk of split brain meanwhile).
 */
export function planFencing(
  policy: FailoverPolicy['fencing'],
  fencer: Fencer | undefined,
  input: OperationInput,
  observation: Observation,
  providerName: string,
): { fencing: Fencing } | { refusal: Finding } {
  const down = observation.primary === 'down';
  const member = fencer?.member(input) ?? 'the old primary';
  const base = {
    policy,
    member,
    mechanism: fencer?.describe(input) ?? `${providerName} offers no way to fence`,
  };
  if (policy === 'off')
    return { fencing: { ...base, state: 'not-fenced', detail: 'fencing is off for this pair' } };
  if (!fencer) {
    if (policy === 'required' && !down)
      return {
        refusal: safetyRefusal(
          'fencing.required',
          `${providerName} offers no way to fence the old primary, and it is not reported down, so under fencing: required nothing is promoted (a promotion now could leave two writable primaries)`,
        ),
      };
    return {
      fencing: {
        ...base,
        state: down ? 'deferred' : 'not-fenced',
        detail: `${providerName} offers no way to fence; the old primary stays as it is until a person retires it`,
      },
    };
  }
  // The promotion is phase 0 of the provider's own phases; the fence runs before it or after its last.
  const after = 1;
  if (down)
    return {
      fencing: {
        ...base,
        phase: after,
        state: 'planned',
        detail: `the provider reports ${member} down: it is fenced right after the promotion, and until it is the pair is at risk of split brain`,
      },
    };
  if (fencer.timing === 'before')
    return {
      fencing: { ...base, phase: 0, state: 'planned', detail: `${member} is fenced before the promotion` },
    };
  if (policy === 'required')
    return {
      refusal: safetyRefusal(
        'fencing.required',
        `${providerName} can fence ${member} only after the promotion, and the primary is not reported down (${observation.primary}), so under fencing: required nothing is promoted; with fencing: best-effort it would be promoted, then fenced`,
      ),
    };
  return {
    fencing: {
      ...base,
      phase: after,
      state: 'planned',
      detail: `${member} is fenced right after the promotion (best-effort; the provider allows no earlier)`,
    },
  };
}

export const FENCE_STEP_ID = 'fence';

/** The provider's planned steps with the fence step before or after them, so people see the whole plan. */
export function withFenceStep(steps: Step[], fencing: Fencing | undefined): Step[] {
  if (fencing?.phase === undefined) return steps;
  const fence: Step = {
    id: FENCE_STEP_ID,
    name: `Fence the old primary ${fencing.member}`,
    status: 'pending',
    upstreams: [],
    downstreams: [],
  };
  return fencing.phase === 0 ? [fence, ...steps] : [...steps, fence];
}

/** Keeps a fence that comes after the promotion after the steps the provider reports for it. */
export function fenceStepLast(steps: Step[], fencing: Fencing | undefined): Step[] {
  if (!fencing?.phase) return steps;
  return [...steps.filter((s) => s.id !== FENCE_STEP_ID), ...steps.filter((s) => s.id === FENCE_STEP_ID)];
}

/** How many phases the operation runs: the provider's own, plus one when it fences as one of them. */
export function phasesOf(driver: OperationDriver, operation: Operation): number {
  return (driver.phases ?? 1) + (operation.fencing?.phase !== undefined ? 1 : 0);
}

export function isFencePhase(operation: Operation): boolean {
  return operation.fencing?.phase !== undefined && operation.fencing.phase === operation.phase;
}

/** What the pipeline calls for the operation's current phase: the provider's operation, or its fence. */
export interface PhaseDriver {
  readonly fence: boolean;
  submit(options?: CallOptions): Promise<SubmittedJob>;
  findSubmitted(since: string, options?: CallOptions): Promise<SubmittedJob | undefined>;
  followJob(job: JobRef, options?: CallOptions): Promise<JobStatus>;
  failureAdvice(): string | undefined;
}

export function phaseDriver(driver: OperationDriver, operation: Operation): PhaseDriver {
  const input = inputOf(operation);
  const fence = isFencePhase(operation) ? driver.fencer : undefined;
  if (fence)
    return {
      fence: true,
      submit: (options) => fence.fence(input, options),
      findSubmitted: (since, options) => fence.findFence({ ...input, since }, options),
      // Shown as the one fence step people saw planned, whatever the provider calls its job.
      followJob: async (job, options) => {
        const status = await fence.followFence(job, input, options);
        return {
          ...status,
          steps: status.steps.map((s) => ({ ...s, id: FENCE_STEP_ID, upstreams: [], downstreams: [] })),
        };
      },
      failureAdvice: () => undefined,
    };
  // The provider's own phases are numbered without the fence.
  const fencePhase = operation.fencing?.phase;
  const own = {
    ...input,
    phase: fencePhase !== undefined && fencePhase < input.phase ? input.phase - 1 : input.phase,
  };
  return {
    fence: false,
    submit: (options) => driver.submit(own, options),
    findSubmitted: (since, options) => driver.findSubmitted({ ...own, since }, options),
    followJob: (job, options) => driver.followJob(job, own, options),
    failureAdvice: () =>
      [
        driver.failureAdvice?.(own, own.phase),
        operation.fencing?.state === 'fenced'
          ? `The old primary ${operation.fencing.member} is fenced and nothing was promoted: no primary takes writes until a person promotes the standby or lifts the fence.`
          : undefined,
      ]
        .filter(Boolean)
        .join(' ') || undefined,
  };
}

/**
 * A fence that was refused or failed. Before the promotion under `required`, nothing is promoted; a primary
 * reported down, or `best-effort`, goes on and says so. Returns the fencing to record, and whether to go on.
 */
export function afterFenceFailure(operation: Operation, reason: string): { goOn: boolean; fencing: Fencing } {
  const fencing = operation.fencing as Fencing;
  const reportedDown = operation.observation?.primary === 'down';
  if (reportedDown)
    return {
      goOn: true,
      fencing: {
        ...fencing,
        state: 'deferred',
        detail: `${fencing.member} could not be fenced yet (${reason}); the provider reported it down, so Switchyard fences it once it is reachable, and the pair is at risk of split brain until then`,
      },
    };
  if (fencing.policy === 'best-effort')
    return {
      goOn: true,
      fencing: {
        ...fencing,
        state: 'failed',
        detail: `${fencing.member} was not fenced (${reason}); fencing is best-effort for this pair, so the promotion went on: two primaries may take writes until a person stops the old one`,
      },
    };
  return {
    goOn: false,
    fencing: {
      ...fencing,
      state: 'failed',
      detail: `${fencing.member} could not be fenced (${reason}); under fencing: required nothing is promoted`,
    },
  };
}

/**
 * Whether a promotion's standby is (or may be) primary now while its old primary is not fenced: the promotion
 * succeeded, its job completed before the operation ended another way (a fence that failed or never finished),
 * or it ran out of time with the promotion sent, which the provider may still carry out.
 */
export function promotedUnfenced(operation: Operation): boolean {
  const fencing = operation.fencing;
  if (
    operation.kind !== 'promote-standby' ||
    !fencing ||
    fencing.policy === 'off' ||
    fencing.state === 'fenced'
  )
    return false;
  const promotionPhase = fencing.phase === 0 ? 1 : 0;
  if (
    operation.state === 'SUCCEEDED' ||
    operation.state === 'UNVERIFIED' ||
    operation.verification !== undefined ||
    operation.jobs.some((job) => job.phase === promotionPhase)
  )
    return true;
  return (
    operation.state === 'TIMED_OUT' &&
    operation.phase === promotionPhase &&
    (operation.job !== undefined || operation.submission.attempts > 0)
  );
}
