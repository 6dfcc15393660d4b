import { type SimRequest, type SimulatorBasics, STALLED_SECONDS } from './simulator-kit.js';

/**
 * The provider-job lifecycle every simulator shares: a job accepted now (or scheduled ahead) runs its steps end to
 * end on the simulator clock, fails in one step when a `fail-step` fault names it, hangs in its first step on a
 * `stall` fault, and has its outcome applied once, when it ends. Each simulator keeps its own job shape (Huawei
 * jobs, Alibaba tasks, OCP tasks with subtasks) and wire format: the book holds the times, the simulator the rest.
 */

/** One step as a simulator plans it: its name, and how long it takes on a real provider (simulated seconds). */
export interface StepPlan {
  name: string;
  seconds: number;
}

/** A planned step placed on the clock, with the failure it ends in when a fault makes it fail. */
export type BookedStep<S extends StepPlan = StepPlan> = S & {
  startsAt: number;
  endsAt: number;
  failure?: string;
};

/** What the book keeps of a job beside the provider's own fields. */
export interface JobLifecycle<S extends StepPlan = StepPlan> {
  /** When the provider accepted it. */
  createdAt: number;
  /** When its first step starts: later than createdAt for a job scheduled ahead (a maintenance window). */
  startsAt: number;
  /** When it ends: at the end of the step that fails, or of its last step. */
  endsAt: number;
  /** The injected failure's message; absent: the job succeeds. */
  failure?: string;
  steps: BookedStep<S>[];
  /** Its outcome has been applied. */
  settled: boolean;
  /** What the job does, applied once when it succeeds. */
  onSuccess?: () => void;
}

/** A provider's job (its own fields) as the book keeps it. */
export type BookedJob<J, S extends StepPlan = StepPlan> = J & JobLifecycle<S>;

export interface JobPlan<S extends StepPlan = StepPlan> {
  steps: readonly S[];
  /** Simulated seconds it waits before its first step starts. */
  delaySeconds?: number;
  /** When the provider accepted it; absent: the clock's now. */
  acceptedAt?: number;
  onSuccess?: () => void;
}

export type JobPhase = 'scheduled' | 'running' | 'failed' | 'succeeded';

/** Where a job is at `now`; each simulator names the phases in its provider's words. */
export function jobPhase(job: JobLifecycle, now: number): JobPhase {
  if (now < job.startsAt) return 'scheduled';
  if (now < job.endsAt) return 'running';
  return job.failure === undefined ? 'succeeded' : 'failed';
}

/** How far a running job is, in whole percent of its time from its start to its end. */
export function percentDone(job: JobLifecycle, now: number): number {
  return Math.floor(((now - job.startsAt) / (job.endsAt - job.startsAt)) * 100);
}

/** Real milliseconds until a job ends. */
export function remainingMs(job: JobLifecycle, now: number): number {
  return job.endsAt - now;
}

/** Makes the step a `fail-step` fault names fail with its message (none, when no step has that name). */
function failStep(steps: BookedStep[], fault: { step: string; message: string }): void {
  // Huawei and Alibaba jobs are one step: it fails whatever step the fault names ("*" in the tests).
  const named = (s: BookedStep) => s.name.toLowerCase().includes(fault.step.toLowerCase());
  const failing = steps.length === 1 ? steps[0] : steps.find(named);
  if (failing) failing.failure = fault.message;
}

export interface JobBookOptions<K, J, S extends StepPlan> {
  /** The provider's id of a job; a job started under an id in use replaces the one before. */
  idOf(job: J): K;
  /** Applies a job's end to the provider's resources, whether it failed or not (after its onSuccess). */
  onSettle?(job: BookedJob<J, S>): void;
}

/** A job's times on the simulator clock (epoch milliseconds), as GET /_sandbox/state lists them under `timeline`. */
export interface JobTimeline {
  id: string;
  createdAt: number;
  endsAt: number;
  failure?: string;
  steps: { name: string; startsAt: number; endsAt: number }[];
}

/** The jobs of one simulator: started, settled when due, dropped on reset. */
export class JobBook<K, J extends object, S extends StepPlan = StepPlan> {
  private readonly jobs = new Map<K, BookedJob<J, S>>();
  // Only unsettled jobs are looked at when settling, so a fleet of thousands stays cheap to serve.
  private readonly unsettled = new Set<BookedJob<J, S>>();
  /** When the first unsettled job ends: until then settling has nothing to do (a fleet's poll asks it every call). */
  private nextEnd = Number.POSITIVE_INFINITY;

  constructor(
    private readonly basics: Pick<SimulatorBasics, 'clock' | 'faults'> & { jitter?: number },
    private readonly options: JobBookOptions<K, J, S>,
  ) {}

  /** Starts a job; with the request that asks for it, taking the `fail-step` and `stall` faults aimed at it. */
  start(detail: J, plan: JobPlan<S>, request?: Pick<SimRequest, 'route' | 'targets'>): BookedJob<J, S> {
    const { clock, faults } = this.basics;
    const injected = request && faults.take('fail-step', request);
    const stalled = request && faults.take('stall', request);
    const createdAt = plan.acceptedAt ?? clock.now();
    const startsAt = createdAt + clock.scaled(plan.delaySeconds ?? 0);
    const steps = this.placeSteps(plan.steps, startsAt, stalled !== undefined);
    if (injected) failStep(steps, injected);
    const failed = steps.find((s) => s.failure !== undefined);
    const job: BookedJob<J, S> = {
      ...detail,
      createdAt,
      startsAt,
      endsAt: (failed ?? steps.at(-1))?.endsAt ?? startsAt,
      ...(failed ? { failure: failed.failure } : {}),
      steps,
      settled: false,
      ...(plan.onSuccess ? { onSuccess: plan.onSuccess } : {}),
    };
    this.file(this.options.idOf(detail), job);
    return job;
  }

  /** Applies the outcome of every job that has ended since the last call. */
  settle(): void {
    const now = this.basics.clock.now();
    if (now < this.nextEnd) return;
    let next = Number.POSITIVE_INFINITY;
    for (const job of this.unsettled) {
      if (now < job.endsAt) {
        next = Math.min(next, job.endsAt);
        continue;
      }
      this.unsettled.delete(job);
      job.settled = true;
      if (job.failure === undefined) job.onSuccess?.();
      this.options.onSettle?.(job);
    }
    this.nextEnd = next;
  }

  get(id: K): BookedJob<J, S> | undefined {
    return this.jobs.get(id);
  }

  /** Every job, settled or not, oldest first. */
  all(): BookedJob<J, S>[] {
    return [...this.jobs.values()];
  }

  /**
   * The first job `matches` accepts that has not ended at `now`. It reads every job, settled ones too: a job
   * settled a moment after `now` was read still counts as running then.
   */
  runningAt(now: number, matches: (job: BookedJob<J, S>) => boolean): BookedJob<J, S> | undefined {
    for (const job of this.jobs.values()) if (now < job.endsAt && matches(job)) return job;
    return undefined;
  }

  /** Every job's times for GET /_sandbox/state: when each step started and ended (benchmarks compare what was told). */
  timeline(): JobTimeline[] {
    return this.all().map((job) => ({
      id: String(this.options.idOf(job)),
      createdAt: job.createdAt,
      endsAt: job.endsAt,
      ...(job.failure !== undefined ? { failure: job.failure } : {}),
      steps: job.steps.map((step) => ({ name: step.name, startsAt: step.startsAt, endsAt: step.endsAt })),
    }));
  }

  reset(): void {
    this.jobs.clear();
    this.unsettled.clear();
    this.nextEnd = Number.POSITIVE_INFINITY;
  }

  /** Lays the steps end to end from `startsAt`; a stalled job hangs in its first step. */
  private placeSteps(plans: readonly S[], startsAt: number, stalled: boolean): BookedStep<S>[] {
    let at = startsAt;
    return plans.map((plan, index) => {
      const jitter = this.basics.jitter ?? 0;
      const seconds = plan.seconds * (1 + jitter * (2 * Math.random() - 1));
      const endsAt = at + this.basics.clock.scaled(stalled && index === 0 ? STALLED_SECONDS : seconds);
      const step: BookedStep<S> = { ...plan, startsAt: at, endsAt };
      at = endsAt;
      return step;
    });
  }

  private file(id: K, job: BookedJob<J, S>): void {
    const previous = this.jobs.get(id);
    if (previous) this.unsettled.delete(previous);
    this.jobs.set(id, job);
    this.unsettled.add(job);
    this.nextEnd = Math.min(this.nextEnd, job.endsAt);
  }
}
