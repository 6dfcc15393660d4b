import * as z from 'zod';
import type { Config } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import {
  type Brake,
  type Decision,
  DecisionOutcomeSchema,
  type PairFailoverState,
} from '../domain/decision.js';
import { describeError, NotFoundError } from '../domain/errors.js';
import {
  isTerminal,
  type Operation,
  OperationKindSchema,
  OperationStateSchema,
} from '../domain/operation.js';
import { type Protection, ProtectionSchema, ReadinessSchema } from '../domain/pair-condition.js';
import { FailoverPolicySchema } from '../domain/pair-policy.js';
import { countSteps, summarizeSteps } from '../domain/steps.js';
import { cooldownEndsAt } from '../failover/failover-rules.js';
import { unknownRoles } from '../operations/pair-roles.js';
import { pairLock } from '../operations/pipeline.js';
import { type PairConfig, rolesOf, standingPair, targetOf } from '../providers/registry.js';
import { logger } from '../telemetry/logger.js';

/**
 * The read model: every pair at a glance, as `GET /v1/pairs`, the status page and chat's `pairs` show it. Built
 * from what Switchyard has recorded (locks, operations, decisions, failover state, the brake); it probes no
 * database, so `quiet` means nothing is open, not that the primary was seen up.
 */

/** What a person should look at first, most urgent first; `reasons` says why in sentences. */
export const PAIR_HEALTH = [
  'at-risk',
  'unknown',
  'waiting-for-person',
  'operating',
  'alert-held',
  'alert-open',
  'unprotected',
  'not-ready',
  'cooldown',
  'last-operation-failed',
  'quiet',
] as const;
export const PairHealthSchema = z.enum(PAIR_HEALTH);

export const OperationGlanceSchema = z.object({
  id: z.string(),
  kind: OperationKindSchema,
  state: OperationStateSchema,
  requestedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** "3/10 done, running: …" */
  progress: z.string(),
  steps: z.object({ done: z.number(), running: z.number(), waiting: z.number(), failed: z.number() }),
  /** Why it ended the way it did, once it has. */
  outcome: z.string().nullable(),
});
export type OperationGlance = z.infer<typeof OperationGlanceSchema>;

export const DecisionGlanceSchema = z.object({
  id: z.string(),
  outcome: DecisionOutcomeSchema,
  reason: z.string(),
  /** The alert's name, as its source gave it. */
  alert: z.string(),
  /** The promotion it asked for, if any. */
  operationId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const CooldownSchema = z.object({
  /** The automatic failover that started it. */
  since: z.string(),
  until: z.string(),
  /** How to end it early, and who may (persons with the approve or admin scope, by API key or Slack). */
  acknowledge: z.object({ http: z.string(), chat: z.string(), people: z.array(z.string()) }),
});

export const PairSummarySchema = z.object({
  name: z.string(),
  provider: z.string(),
  providerName: z.string(),
  description: z.string().nullable(),
  failover: FailoverPolicySchema.pick({
    mode: true,
    holdOffSeconds: true,
    cooldownSeconds: true,
    fencing: true,
  }),
  /**
   * Which member is primary and which standby now: as the config names them, or as the last promotion or
   * switchover left them (`recorded`, since when and by which operation).
   */
  roles: z.object({
    primary: z.string(),
    standby: z.string().nullable(),
    source: z.enum(['config', 'recorded', 'unknown']),
    since: z.string().nullable(),
    operationId: z.string().nullable(),
  }),
  health: z.object({ status: PairHealthSchema, reasons: z.array(z.string()) }),
  cooldown: CooldownSchema.nullable(),
  /** A promotion left the old primary unfenced: split brain is possible until it is fenced or retired. */
  atRisk: z
    .object({ since: z.string(), operationId: z.string(), member: z.string(), detail: z.string() })
    .nullable(),
  lastAutomaticFailoverAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  /** The operation holding the pair now: nothing else runs on it until it ends. */
  heldBy: OperationGlanceSchema.nullable(),
  /** The operation id the pair's claim names when no operation is recorded under it (yet). */
  claimedBy: z.string().nullable(),
  /** The newest operation on the pair, running or ended. */
  lastOperation: OperationGlanceSchema.nullable(),
  latestDecision: DecisionGlanceSchema.nullable(),
  /** Would a failover go through now: the last scheduled evaluation, with each check. Null until evaluated. */
  readiness: ReadinessSchema.nullable(),
  /** Whether the pair has a standby that replicates within budget. Null until known. */
  protection: ProtectionSchema.omit({ announcedAt: true }).nullable(),
});
export type PairSummary = z.infer<typeof PairSummarySchema>;

export const PairDetailSchema = PairSummarySchema.extend({
  /** The provider ids its operations act on. */
  target: z.record(z.string(), z.union([z.string(), z.number()])),
  recentOperations: z.array(OperationGlanceSchema),
  recentDecisions: z.array(DecisionGlanceSchema),
});
export type PairDetail = z.infer<typeof PairDetailSchema>;

export const BrakeViewSchema = z.object({
  engaged: z.boolean(),
  reason: z.string().nullable(),
  changedAt: z.string().nullable(),
  changedBy: z.string().nullable(),
  /** Automatic failovers counted towards `alerting.maxAutomaticFailoversPerHour` in the last hour. */
  failoversThisHour: z.object({ count: z.number().int(), limit: z.number().int(), at: z.array(z.string()) }),
});
export type BrakeView = z.infer<typeof BrakeViewSchema>;

export const PairListSchema = z.object({ items: z.array(PairSummarySchema), brake: BrakeViewSchema });

const HOUR_MS = 3_600_000;
/** Pairs read at once: each is four reads of the table, so a large fleet does not burst hundreds. */
const PAIRS_AT_ONCE = 8;

export function operationGlance(operation: Operation): OperationGlance {
  return {
    id: operation.id,
    kind: operation.kind,
    state: operation.state,
    requestedBy: operation.requestedBy.principal,
    createdAt: operation.createdAt,
    updatedAt: operation.updatedAt,
    progress: summarizeSteps(operation.steps),
    steps: countSteps(operation.steps),
    outcome: operation.outcome ?? null,
  };
}

function decisionGlance(decision: Decision): z.infer<typeof DecisionGlanceSchema> {
  return {
    id: decision.id,
    outcome: decision.outcome,
    reason: decision.reason,
    alert: decision.alert.name,
    operationId: decision.operationId ?? null,
    createdAt: decision.createdAt,
    updatedAt: decision.updatedAt,
  };
}

export function brakeView(brake: Brake, config: Config, now: Date): BrakeView {
  const recent = brake.recent.filter((at) => now.getTime() - Date.parse(at) < HOUR_MS);
  return {
    engaged: brake.engaged,
    reason: brake.reason ?? null,
    changedAt: brake.changedAt ?? null,
    changedBy: brake.changedBy ?? null,
    failoversThisHour: {
      count: recent.length,
      limit: config.alerting.maxAutomaticFailoversPerHour,
      at: recent,
    },
  };
}

/** The persons who may acknowledge (the approve scope, or admin, which allows everything), each once. */
export function acknowledgers(config: Config): string[] {
  const people = [...config.apiKeys, ...(config.chat.slack?.users ?? [])]
    .filter((credential) => credential.scopes.includes('approve') || credential.scopes.includes('admin'))
    .map((credential) => credential.person);
  return [...new Set(people)].sort();
}

interface PairFacts {
  state: PairFailoverState;
  /** The operation holding the pair: its claim's, or the newest one while it has not ended (a lapsed claim). */
  holder: Operation | undefined;
  /** An operation id the pair's claim names that has no record (yet): an alert's promotion on its way, say. */
  claimedBy: string | undefined;
  last: Operation | undefined;
  decisions: Decision[];
  /** Recent decisions whose alert is still firing (its episode is open), though it led to no operation. */
  stillFiring: Decision[];
}

/** Decisions that leave nothing running, so only an open episode says their alert still fires. */
const NO_ACTION_OUTCOMES = new Set(['notified', 'dry-run', 'suppressed', 'declined', 'blocked']);
/** Episode reads per pair at most: a storm of one alert is one fingerprint, and the page stays cheap. */
const FIRING_LOOKUPS = 3;
/** Decisions read per pair for its health: an older held alert is not hidden by newer ones. */
const DECISIONS_FOR_HEALTH = 10;

/** Three deployed poller ticks: a hold-off over for longer than this is one the poller has not got to. */
const POLLER_LATE_MS = 3 * 60_000;

function healthOf(facts: PairFacts, cooldownUntil: Date | undefined, now: Date) {
  const { state, holder, claimedBy, last, decisions, stillFiring } = facts;
  const found: Array<[z.infer<typeof PairHealthSchema>, string]> = [];
  if (state.atRisk)
    found.push([
      'at-risk',
      `split brain is possible: ${state.atRisk.member} was not fenced after operation ${state.atRisk.operationId} (${state.atRisk.detail})`,
    ]);
  if (holder?.state === 'PENDING_APPROVAL')
    found.push(['waiting-for-person', `${holder.kind} ${holder.id} waits for approval`]);
  else if (holder) found.push(['operating', `${holder.kind} ${holder.id} is ${holder.state}`]);
  else if (claimedBy)
    found.push([
      'operating',
      `the pair is claimed by operation ${claimedBy}, which is not recorded yet (an alert's promotion on its way, or one that never arrived)`,
    ]);
  for (const held of decisions.filter((d) => d.outcome === 'holding')) {
    const due = Date.parse(held.evaluateAt ?? '');
    found.push([
      'alert-held',
      now.getTime() - due > POLLER_LATE_MS
        ? `alert "${held.alert.name}" was due to be decided at ${held.evaluateAt} and is not yet: is the poller running?`
        : `alert "${held.alert.name}" is held${held.evaluateAt ? ` until ${held.evaluateAt}` : ''}`,
    ]);
  }
  for (const firing of stillFiring)
    found.push([
      'alert-open',
      `alert "${firing.alert.name}" is still firing (${firing.outcome}: ${firing.reason})`,
    ]);
  if (state.protection?.state === 'unprotected')
    found.push([
      'unprotected',
      `no protection since ${state.protection.since} (${state.protection.reason}): ${state.protection.detail}`,
    ]);
  if (state.readiness?.state === 'not-ready')
    found.push([
      'not-ready',
      `a failover would not go through now: ${state.readiness.checks
        .filter((c) => c.outcome !== 'passed')
        .map((c) => `${c.name} ${c.outcome}: ${c.detail}`)
        .join('; ')}`,
    ]);
  if (cooldownUntil)
    found.push([
      'cooldown',
      `no automatic failover until ${cooldownUntil.toISOString()} or until a person acknowledges the last one`,
    ]);
  // A person who acknowledged the pair after an unconfirmed promotion has looked at it.
  const lookedAt =
    last?.state === 'UNVERIFIED' &&
    state.acknowledgedAt !== undefined &&
    Date.parse(state.acknowledgedAt) >= Date.parse(last.updatedAt);
  if (last && isTerminal(last.state) && last.state !== 'SUCCEEDED' && last.state !== 'REJECTED' && !lookedAt)
    found.push([
      'last-operation-failed',
      `the last operation, ${last.kind} ${last.id}, ended ${last.state}${last.state === 'UNVERIFIED' ? ` (${last.outcome ?? 'its result could not be confirmed'})` : ''}`,
    ]);
  found.sort(([a], [b]) => PAIR_HEALTH.indexOf(a) - PAIR_HEALTH.indexOf(b));
  return found.length > 0
    ? { status: found[0]?.[0] ?? 'quiet', reasons: found.map(([, reason]) => reason) }
    : {
        status: 'quiet' as const,
        reasons: ['no operation, alert, cooldown or split-brain risk is open'],
      };
}

async function factsOf(
  deps: Deps,
  pair: PairConfig,
  now: Date,
  recent: number,
): Promise<PairFacts & { operations: Operation[] }> {
  const [state, lock, page, decisions] = await Promise.all([
    deps.failover.getPairState(pair.name),
    deps.store.getLock(pairLock(pair), now),
    deps.store.list({ pair: pair.name, limit: recent }),
    deps.failover.listDecisions(pair.name, Math.max(recent, DECISIONS_FOR_HEALTH)),
  ]);
  const operations = page.items;
  const newest = operations[0];
  const claimed = lock
    ? (operations.find((o) => o.id === lock.operationId) ?? (await deps.store.get(lock.operationId)))
    : undefined;
  // A claim that lapsed (the poller was down) still leaves its operation holding the pair, as claimPair says.
  const active = [claimed, newest].find((o) => o !== undefined && !isTerminal(o.state));
  const firingCandidates = [
    ...new Map(
      decisions
        .filter((d) => NO_ACTION_OUTCOMES.has(d.outcome))
        .map((d) => [d.alert.fingerprint, d] as const),
    ).values(),
  ].slice(0, FIRING_LOOKUPS);
  const open = await Promise.all(firingCandidates.map((d) => deps.failover.episode(d.alert.fingerprint)));
  return {
    state,
    holder: active,
    claimedBy: lock && !claimed ? lock.operationId : undefined,
    last: newest,
    decisions,
    stillFiring: firingCandidates.filter((d, i) => open[i] === d.id),
    operations,
  };
}

/** A record of the roles that names no configured member puts the pair first in line: unknown, with why. */
function rolesKnown(
  pair: PairConfig,
  facts: PairFacts,
  health: PairSummary['health'],
): PairSummary['health'] {
  const recorded = facts.state.roles?.primary;
  if (standingPair(pair, recorded)) return health;
  const reasons = health.status === 'quiet' ? [] : health.reasons;
  return { status: 'unknown', reasons: [unknownRoles(pair, recorded as string), ...reasons] };
}

/** A pair's name, provider and policy, and its members by the roles they have now (as recorded, or configured). */
function identityOf(pair: PairConfig, recorded?: PairFailoverState['roles']) {
  const standing = standingPair(pair, recorded?.primary);
  const { providerName, primary, standby } = standing
    ? rolesOf(standing)
    : { ...rolesOf(pair), primary: `${recorded?.primary} (not a member the config names)`, standby: null };
  return {
    name: pair.name,
    provider: pair.provider,
    providerName,
    description: pair.description ?? null,
    failover: {
      mode: pair.failover.mode,
      holdOffSeconds: pair.failover.holdOffSeconds,
      cooldownSeconds: pair.failover.cooldownSeconds,
      fencing: pair.failover.fencing,
    },
    roles: {
      primary,
      standby,
      source: !standing ? ('unknown' as const) : recorded ? ('recorded' as const) : ('config' as const),
      since: recorded?.since ?? null,
      operationId: recorded?.operationId ?? null,
    },
  };
}

/** A pair whose state could not be read: unknown, never quiet, with what failed. */
function unknownSummary(pair: PairConfig, error: unknown): PairSummary {
  return {
    ...identityOf(pair),
    health: {
      status: 'unknown',
      reasons: [`Switchyard could not read what it recorded of this pair: ${describeError(error)}`],
    },
    cooldown: null,
    atRisk: null,
    lastAutomaticFailoverAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    heldBy: null,
    claimedBy: null,
    lastOperation: null,
    latestDecision: null,
    readiness: null,
    protection: null,
  };
}

function summaryOf(deps: Deps, pair: PairConfig, facts: PairFacts, now: Date): PairSummary {
  const cooldownUntil = cooldownEndsAt(pair.failover, facts.state, now);
  const latest = facts.decisions[0];
  return {
    ...identityOf(pair, facts.state.roles),
    health: rolesKnown(pair, facts, healthOf(facts, cooldownUntil, now)),
    cooldown:
      cooldownUntil && facts.state.lastAutomaticFailoverAt
        ? {
            since: facts.state.lastAutomaticFailoverAt,
            until: cooldownUntil.toISOString(),
            acknowledge: {
              http: `POST /v1/pairs/${pair.name}/ack`,
              chat: `/switchyard ack ${pair.name}`,
              people: acknowledgers(deps.config),
            },
          }
        : null,
    atRisk: facts.state.atRisk
      ? {
          since: facts.state.atRisk.since,
          operationId: facts.state.atRisk.operationId,
          member: facts.state.atRisk.member,
          detail: facts.state.atRisk.detail,
        }
      : null,
    lastAutomaticFailoverAt: facts.state.lastAutomaticFailoverAt ?? null,
    acknowledgedAt: facts.state.acknowledgedAt ?? null,
    acknowledgedBy: facts.state.acknowledgedBy ?? null,
    heldBy: facts.holder ? operationGlance(facts.holder) : null,
    claimedBy: facts.claimedBy ?? null,
    lastOperation: facts.last ? operationGlance(facts.last) : null,
    latestDecision: latest ? decisionGlance(latest) : null,
    readiness: facts.state.readiness ?? null,
    protection: protectionView(facts.state.protection),
  };
}

function protectionView(protection: Protection | undefined) {
  if (!protection) return null;
  const { announcedAt: _internal, ...view } = protection;
  return view;
}

/** Every configured pair at a glance, in config order, with the brake. */
export async function listPairs(deps: Deps) {
  const now = deps.now();
  const items: PairSummary[] = [];
  const pairs = deps.config.pairs;
  for (let start = 0; start < pairs.length; start += PAIRS_AT_ONCE) {
    const batch = pairs.slice(start, start + PAIRS_AT_ONCE);
    items.push(
      ...(await Promise.all(
        // One pair whose records cannot be read is shown unknown; the others are still shown.
        batch.map((pair) =>
          factsOf(deps, pair, now, 1).then(
            (facts) => summaryOf(deps, pair, facts, now),
            (error: unknown) => {
              logger.warn('a pair could not be read; it is shown unknown', {
                scope: 'views',
                pair: pair.name,
                error: describeError(error),
              });
              return unknownSummary(pair, error);
            },
          ),
        ),
      )),
    );
  }
  return { items, brake: brakeView(await deps.failover.getBrake(), deps.config, now) };
}

/** One pair in full: the summary, its target, and its recent operations and decisions, newest first. */
export async function describePair(deps: Deps, name: string, recent = 10): Promise<PairDetail> {
  const pair = deps.config.pairs.find((p) => p.name === name);
  if (!pair) throw new NotFoundError(`No pair named "${name}".`);
  const now = deps.now();
  const facts = await factsOf(deps, pair, now, recent);
  return {
    ...summaryOf(deps, pair, facts, now),
    target: (() => {
      const standing = standingPair(pair, facts.state.roles?.primary);
      return standing ? targetOf(standing) : {};
    })(),
    recentOperations: facts.operations.map(operationGlance),
    recentDecisions: facts.decisions.slice(0, recent).map(decisionGlance),
  };
}

export async function readBrake(deps: Deps): Promise<BrakeView> {
  return brakeView(await deps.failover.getBrake(), deps.config, deps.now());
}
