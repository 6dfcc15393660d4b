import type { Step, StepStatus } from './operation.js';

const SYMBOL: Record<StepStatus, string> = {
  succeeded: 'done',
  running: 'running',
  pending: 'waiting',
  failed: 'FAILED',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

/** "3/10 done, running: Switch primary tenant to standby" — a one-line progress a person can read. */
export function summarizeSteps(steps: readonly Step[]): string {
  if (steps.length === 0) return 'no steps reported yet';
  const done = steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
  const parts = [`${done}/${steps.length} done`];
  const running = steps.filter((s) => s.status === 'running').map((s) => s.name);
  if (running.length > 0) parts.push(`running: ${running.join(', ')}`);
  const failed = steps.filter((s) => s.status === 'failed').map((s) => s.name);
  if (failed.length > 0) parts.push(`failed: ${failed.join(', ')}`);
  return parts.join(', ');
}

/** The steps as counts a person can read at a glance: done / running / waiting / failed. */
export function countSteps(steps: readonly Step[]) {
  const count = (...statuses: StepStatus[]) => steps.filter((s) => statuses.includes(s.status)).length;
  return {
    done: count('succeeded', 'skipped'),
    running: count('running'),
    waiting: count('pending'),
    failed: count('failed', 'cancelled'),
  };
}

/** Progress is worth announcing when it crosses a quarter, not at every percent. */
const quarter = (progress: number | undefined) => (progress === undefined ? -1 : Math.floor(progress / 25));

/** Describes what changed between two step lists; undefined when nothing a person would notice did. */
export function describeStepChanges(before: readonly Step[], after: readonly Step[]): string | undefined {
  const previous = new Map(before.map((s) => [s.id, s]));
  const changes: string[] = [];
  for (const step of after) {
    const old = previous.get(step.id);
    if (old === undefined) {
      if (before.length > 0) changes.push(`${step.name}: ${SYMBOL[step.status]}`);
      continue;
    }
    if (old.status !== step.status)
      changes.push(`${step.name}: ${SYMBOL[old.status]} -> ${SYMBOL[step.status]}`);
    else if (quarter(old.progress) !== quarter(step.progress))
      changes.push(`${step.name}: ${step.progress}%`);
  }
  if (before.length === 0 && after.length > 0) return `provider reported ${after.length} steps`;
  return changes.length > 0 ? changes.join('; ') : undefined;
}

/** Orders steps so that every step comes after its upstreams (stable for independent ones). */
export function orderByDependencies(steps: readonly Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const placed = new Set<string>();
  const ordered: Step[] = [];
  const visit = (step: Step, trail: Set<string>) => {
    if (placed.has(step.id) || trail.has(step.id)) return;
    trail.add(step.id);
    for (const up of step.upstreams) {
      const upstream = byId.get(up);
      if (upstream) visit(upstream, trail);
    }
    placed.add(step.id);
    ordered.push(step);
  };
  for (const step of steps) visit(step, new Set());
  return ordered;
}

/** Steps as the provider reports them now, laid over the ones already known (same id: replaced; new: added). */
export function mergeSteps(known: readonly Step[], reported: readonly Step[]): Step[] {
  const byId = new Map(reported.map((s) => [s.id, s]));
  const merged = known.map((s) => byId.get(s.id) ?? s);
  const knownIds = new Set(known.map((s) => s.id));
  return [...merged, ...reported.filter((s) => !knownIds.has(s.id))];
}
