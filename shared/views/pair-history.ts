import * as z from 'zod';
import type { Deps } from '../deps.js';
import type { Decision } from '../domain/decision.js';
import { NotFoundError } from '../domain/errors.js';
import {
  DrillSchema,
  isTerminal,
  type Operation,
  OperationKindSchema,
  OperationStateSchema,
} from '../domain/operation.js';
import { RpoSchema, RtoSchema, TimelineSchema } from '../domain/recovery.js';
import { recoveryOf } from '../operations/recovery-report.js';

/** One promotion or switchover of a pair: how it ended, how long recovery took, and what it may have lost. */
export const RunSchema = z.object({
  id: z.string(),
  kind: OperationKindSchema,
  state: OperationStateSchema,
  /** Who or what asked: a person's principal, or the alert that did. */
  askedBy: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  /** verified, unverified, or the way it ended otherwise, in a sentence. */
  outcome: z.string(),
  timeline: TimelineSchema,
  rto: RtoSchema,
  rpo: RpoSchema,
  /** A drill's report: its legs (each a switchover run of its own, listed too) or its evaluation's checks. */
  drill: DrillSchema.optional(),
});
export type Run = z.infer<typeof RunSchema>;

export const PairHistorySchema = z.object({
  pair: z.string(),
  runs: z.array(RunSchema),
  /** Where the next page starts, when there may be more. */
  cursor: z.string().optional(),
});
export type PairHistory = z.infer<typeof PairHistorySchema>;

/** Store pages read per request at most: a pair's upgrades between its runs cost reads, not an unbounded wait. */
const PAGES = 4;

/** The kinds that change a pair's roles (its recoveries), and the drills that rehearse them. */
const RUN_KINDS = ['promote-standby', 'switchover', 'drill'] as const;

function outcomeOf(operation: Operation): string {
  if (operation.kind === 'drill' && isTerminal(operation.state))
    return `${operation.state.toLowerCase()}${operation.outcome ? `: ${operation.outcome}` : ''}`;
  if (operation.state === 'SUCCEEDED')
    return operation.verification?.state === 'verified' ? 'verified' : 'succeeded (before verification)';
  if (!isTerminal(operation.state))
    return operation.verification?.state === 'verifying' ? 'verifying' : operation.state.toLowerCase();
  return `${operation.state.toLowerCase()}${operation.outcome ? `: ${operation.outcome}` : ''}`;
}

/** A drill recovers nothing itself: its legs are measured as the switchovers they are. */
function drillRecovery(operation: Operation): Pick<Run, 'timeline' | 'rto' | 'rpo'> {
  const switched = operation.drill?.kind === 'switchover';
  return {
    timeline: { requested: operation.createdAt },
    rto: {
      from: 'requested',
      to: 'verified',
      stages: [],
      detail: switched
        ? "a drill's legs are measured each: see drill.legs, and each leg's own run"
        : 'an evaluation drill promotes nothing',
    },
    rpo: {
      state: 'none',
      seconds: 0,
      asRead: switched ? 'a switchover loses nothing (RPO 0)' : 'an evaluation drill promotes nothing',
    },
  };
}

async function runOf(deps: Deps, operation: Operation): Promise<Run> {
  if (operation.kind === 'drill')
    return {
      id: operation.id,
      kind: operation.kind,
      state: operation.state,
      askedBy: operation.requestedBy.principal,
      startedAt: operation.createdAt,
      ...(isTerminal(operation.state) ? { endedAt: operation.updatedAt } : {}),
      outcome: outcomeOf(operation),
      ...drillRecovery(operation),
      ...(operation.drill ? { drill: operation.drill } : {}),
    };
  // Ended runs carry their measure; one still going (or from before it was kept) is measured now.
  let decision: Decision | undefined;
  if (!operation.recovery && operation.trigger)
    decision = await deps.failover.getDecision(operation.trigger.decisionId).catch(() => undefined);
  const recovery = operation.recovery ?? recoveryOf(operation, decision);
  const timeline = operation.toldAt ? { ...recovery.timeline, told: operation.toldAt } : recovery.timeline;
  return {
    id: operation.id,
    kind: operation.kind,
    state: operation.state,
    askedBy: operation.trigger
      ? `alert "${operation.trigger.name}" (${operation.trigger.source})`
      : operation.requestedBy.principal,
    startedAt: operation.createdAt,
    ...(isTerminal(operation.state) ? { endedAt: operation.updatedAt } : {}),
    outcome: outcomeOf(operation),
    timeline,
    rto: recovery.rto,
    rpo: recovery.rpo,
  };
}

/** Every promotion and switchover of the pair, newest first, `limit` at most, each with its RTO, RPO and outcome. */
export async function pairHistory(
  deps: Deps,
  name: string,
  limit: number,
  cursor?: string,
): Promise<PairHistory> {
  if (!deps.config.pairs.some((p) => p.name === name)) throw new NotFoundError(`No pair named "${name}".`);
  const runs: Operation[] = [];
  let next = cursor;
  // Each page asks for no more than is still wanted, so the cursor is exactly where the next request goes on.
  for (let page = 0; page < PAGES && runs.length < limit; page++) {
    const { items, cursor: after } = await deps.store.list({
      pair: name,
      kinds: RUN_KINDS,
      limit: limit - runs.length,
      cursor: next,
    });
    runs.push(...items);
    next = after;
    if (!next) break;
  }
  return {
    pair: name,
    runs: await Promise.all(runs.map((operation) => runOf(deps, operation))),
    ...(next ? { cursor: next } : {}),
  };
}
