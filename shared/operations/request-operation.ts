import { configuredPair, type PairConfig } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import type { PairFailoverState } from '../domain/decision.js';
import { UnprocessableError } from '../domain/errors.js';
import type {
  Finding,
  Operation,
  OperationKind,
  Principal,
  ReplyTo,
  Source,
  Trigger,
} from '../domain/operation.js';
import type { CallOptions, OperationDriver, Provider, Target } from '../providers/provider.js';
import { memberIdsOf, targetOf } from '../providers/registry.js';
import { claimPair, pairBusy } from './claim-pair.js';
import { safetyRefusal, withFenceStep } from './fencing.js';
import { followUpSoon } from './follow-up.js';
import { earlierAttempt, recordKey, storedIdempotencyKey } from './idempotency.js';
import { pairNowWithState } from './pair-roles.js';
import { announcementsOf, persistAndNotify } from './persist.js';
import { pairLock } from './pipeline.js';
import { guardPromotion, observeForPromotion } from './promotion-guard.js';
import { submitToProvider } from './submit-to-provider.js';

/** A request for an operation, from any edge (HTTP, queue, alert, chat), already validated. */
export interface OperationRequest {
  kind: OperationKind;
  pair: string;
  params: Record<string, unknown>;
  reason?: string;
  requestedBy: Principal;
  source: Source;
  /** Idempotency-Key header, SQS message id, alert fingerprint: the same key is the same operation. */
  idempotencyKey?: string;
  /**
   * Whose key it is: an outside caller's key is theirs alone (another caller's same key is another operation),
   * and cannot reach Switchyard's own namespaces (`alert:`, `slack:`). Absent only for Switchyard's own requests.
   */
  idempotencyScope?: 'caller' | 'switchyard';
  /** The alert behind an automatic request. */
  trigger?: Trigger;
  /** Wait for people before anything is sent: why, and how many distinct approvers. */
  approval?: { reason: string; approversNeeded: 1 | 2 };
  /** The chat conversation that asked: it hears each state change. */
  replyTo?: ReplyTo;
  /** A leg of this drill. */
  drillId?: string;
}

export type RequestOutcome =
  | { type: 'accepted'; operation: Operation }
  /** The same request was made before: its operation, unchanged. */
  | { type: 'existing'; operation: Operation };

export interface DryRunOutcome {
  type: 'dry-run';
  kind: OperationKind;
  pair: string;
  valid: boolean;
  findings: Finding[];
  target: Target;
}

interface Resolved {
  pair: PairConfig;
  provider: Provider;
  driver: OperationDriver;
  target: Target;
}

/** Finds the pair, the provider and its driver for the kind, or says clearly why not. */
export function resolveRequest(deps: Deps, kind: OperationKind, pairName: string): Resolved {
  const pair = configuredPair(deps.config, pairName, 'pair');
  const provider = deps.providers.get(pair.provider);
  if (!provider)
    throw new UnprocessableError('provider_not_configured', `Provider ${pair.provider} is not configured.`);
  const driver = provider.operations[kind];
  if (!driver)
    throw new UnprocessableError(
      'unsupported_operation',
      `${provider.displayName} pairs do not support ${kind}. ${provider.unsupported[kind] ?? ''}`
        .replaceAll('{pair}', pair.name)
        .trim(),
    );
  return { pair, provider, driver, target: targetOf(pair) };
}

/** The same, on the pair as it stands: its members by the roles last recorded (pair-roles.ts), not the config's. */
export async function resolveStanding(
  deps: Deps,
  kind: OperationKind,
  pairName: string,
): Promise<Resolved & { state: PairFailoverState }> {
  const resolved = resolveRequest(deps, kind, pairName);
  const { pair, state } = await pairNowWithState(deps, pairName);
  return { ...resolved, pair, state, target: targetOf(pair) };
}

/** Runs the provider's precheck without taking a lock or writing anything. */
export async function dryRunOperation(
  deps: Deps,
  request: Pick<OperationRequest, 'kind' | 'pair' | 'params'>,
  options: CallOptions = {},
): Promise<DryRunOutcome> {
  const { driver, target, state } = await resolveStanding(deps, request.kind, request.pair);
  // The pair's own state refuses what the provider would allow (at risk, protected already): the dry run says so too.
  const result = await driver.precheck(
    { kind: request.kind, target, params: request.params, phase: 0 },
    options,
  );
  const refusal = pairStateRefusal(state, request.pair, request.kind);
  return {
    type: 'dry-run',
    kind: request.kind,
    pair: request.pair,
    ...result,
    ...(refusal ? { valid: false, findings: [...result.findings, refusal] } : {}),
  };
}

/** The approval a request needs: asked for, forced by allowDataLoss (two people), or by a safety rule. */
function approvalFor(
  request: OperationRequest,
  required?: { reason: string; approversNeeded: 1 | 2 },
): OperationRequest['approval'] {
  const dataLoss = request.params.allowDataLoss === true;
  const asked = [request.approval, required].filter((a) => a !== undefined);
  if (asked.length === 0 && !dataLoss) return undefined;
  return {
    reason: asked.map((a) => a.reason).join('; ') || 'allowDataLoss was asked for: data may be lost',
    approversNeeded: dataLoss ? 2 : (Math.max(...asked.map((a) => a.approversNeeded)) as 1 | 2),
  };
}

/**
 * A pair at risk of split brain takes no operation until its old primary is fenced or a person says it is out of
 * service: the poller's fence of "the old primary" must not land on a member that has become primary again, nor
 * wait behind an upgrade while that member takes writes.
 */
function pairStateRefusal(state: PairFailoverState, pair: string, kind: OperationKind): Finding | undefined {
  const risk = state.atRisk;
  // Rebuilding a relation the provider confirms is working would tear it down for nothing.
  if (!risk && kind === 'reprotect' && state.protection?.state === 'protected')
    return safetyRefusal(
      'pair.protected',
      `${pair} is protected since ${state.protection.since} (${state.protection.detail}): there is nothing to re-protect`,
    );
  return risk
    ? safetyRefusal(
        'pair.at-risk',
        `${pair} is at risk of split brain since ${risk.since}: ${risk.member} was promoted over and is not fenced yet; Switchyard fences it once the provider can reach it, or a person who has taken it out of service says so (POST /v1/pairs/${pair}/ack with oldPrimaryRetired)`,
      )
    : undefined;
}

function describeFailed(failed: Finding[]): string {
  return failed.map((f) => `${f.message} [${f.rule}]`).join('; ');
}

/**
 * The pipeline every operation goes through:
 * authorize (at the edge) -> idempotency -> lock target -> precheck -> submit -> persist -> notify.
 */
export async function requestOperation(
  deps: Deps,
  request: OperationRequest,
  options: CallOptions = {},
): Promise<RequestOutcome> {
  const configured = resolveRequest(deps, request.kind, request.pair);
  const { config, store } = deps;
  const lock = pairLock(configured.pair);
  const idempotencyKey = storedIdempotencyKey(request);

  const earlier = await earlierAttempt(deps, request);
  if (earlier.existing) return { type: 'existing', operation: earlier.existing };
  // The first attempt stopped before it created its operation: finish it under the same id.
  let operationId = earlier.operationId ?? deps.newId();

  const now = deps.now();
  const claim = await claimPair(deps, configured.pair.name, { operationId, idempotencyKey }, now);
  if (!claim.claimed) throw pairBusy(configured.pair.name, claim);
  if (claim.existing) return { type: 'existing', operation: claim.existing };
  // The decision of an alert claimed the pair for this promotion before it enqueued it: its id is ours.
  operationId = claim.operationId;

  try {
    const first = await recordKey(deps, request, operationId, lock, now);
    if (first) return { type: 'existing', operation: first };

    // The roles are read once the pair is ours: a promotion that ended just before the claim has recorded them.
    const resolved = await resolveStanding(deps, request.kind, request.pair);
    const input = { kind: request.kind, target: resolved.target, params: request.params, phase: 0 };
    const promotion = request.kind === 'promote-standby';
    // A promotion asks its observers beside the precheck: in a failover the seconds go to the provider, not to us.
    const [checked, observation] = await Promise.all([
      resolved.driver.precheck(input, options),
      promotion
        ? observeForPromotion(deps, resolved.pair, resolved.provider, resolved.driver, input, options)
        : undefined,
    ]);
    const atRisk = pairStateRefusal(resolved.state, resolved.pair.name, request.kind);
    const guard = observation
      ? await guardPromotion(
          deps,
          resolved.pair,
          resolved.provider,
          resolved.driver,
          { ...input, target: checked.target },
          observation,
          request,
        )
      : undefined;
    // A switchover that must go from one member (a drill's leg): the record, read under the pair's lock, must agree.
    const pinned = request.params.fromRecordedPrimary;
    const standingPrimary = memberIdsOf(resolved.pair).primary;
    const moved =
      typeof pinned === 'string' && pinned !== standingPrimary
        ? safetyRefusal(
            'pair.roles-moved',
            `${resolved.pair.name}'s primary is ${standingPrimary} now, not ${pinned} as this switchover was asked from: its roles changed meanwhile`,
          )
        : undefined;
    // A drill's leg, once it holds the pair: an alert that came in since it was judged stops it here.
    const held =
      request.drillId !== undefined
        ? (await deps.failover.listHolding()).find((d) => d.pair === resolved.pair.name)
        : undefined;
    const alerted = held
      ? safetyRefusal(
          'pair.alert-held',
          `alert "${held.alert.name}" on ${resolved.pair.name} is being decided (decision ${held.id}): a drill sends no leg under it`,
        )
      : undefined;
    const findings = [
      ...checked.findings,
      ...(guard?.findings ?? []),
      ...(atRisk ? [atRisk] : []),
      ...(moved ? [moved] : []),
      ...(alerted ? [alerted] : []),
    ];
    const precheck = { ...checked, findings, valid: checked.valid && findings.every((f) => f.passed) };
    const at = deps.now().toISOString();
    // Data that may be lost needs two people, whatever the request says.
    const approval = approvalFor(request, guard?.approval);
    const waits = precheck.valid && approval !== undefined && !guard?.cancel;
    const deadline = new Date(
      now.getTime() +
        (waits ? config.operations.approvalTtlSeconds : config.operations.deadlineSeconds[request.kind]) *
          1000,
    ).toISOString();
    const failed = precheck.findings.filter((f) => !f.passed);
    const state = guard?.cancel
      ? 'CANCELLED'
      : !precheck.valid
        ? 'REJECTED'
        : waits
          ? 'PENDING_APPROVAL'
          : 'SUBMITTING';
    const warnings = precheck.findings
      .filter((f) => f.passed && f.warning)
      .map((f) => `WARNING: ${f.message}`);
    const base: Operation = {
      id: operationId,
      kind: request.kind,
      provider: resolved.pair.provider,
      pair: resolved.pair.name,
      target: precheck.target,
      params: request.params,
      state,
      reason: request.reason,
      requestedBy: request.requestedBy,
      source: request.source,
      idempotencyKey: request.idempotencyKey,
      trigger: request.trigger,
      replyTo: request.replyTo,
      ...(request.drillId ? { drillId: request.drillId } : {}),
      ...(waits && approval ? { approval: { ...approval, approvals: [] } } : {}),
      findings: precheck.findings,
      ...(guard ? { observation: guard.observation } : {}),
      ...(guard?.fencing ? { fencing: guard.fencing } : {}),
      submission: { attempts: 0, ambiguous: false },
      phase: 0,
      jobs: [],
      steps: withFenceStep(
        resolved.driver.plannedSteps?.({ ...input, target: precheck.target }) ?? [],
        guard?.fencing,
      ),
      outcome: guard?.cancel ?? (precheck.valid ? undefined : `precheck failed: ${describeFailed(failed)}`),
      createdAt: at,
      updatedAt: at,
      deadline,
      version: 1,
      events: [
        {
          at,
          actor: request.requestedBy.principal,
          type: 'created',
          to: state,
          message: guard?.cancel
            ? `requested via ${request.source}; cancelled before anything was sent: ${guard.cancel}`
            : precheck.valid
              ? [
                  `requested via ${request.source}${request.reason ? `: ${request.reason}` : ''}; precheck passed`,
                  ...warnings,
                  ...(guard?.fencing ? [`fencing: ${guard.fencing.detail}`] : []),
                  ...(waits && approval
                    ? [
                        `waits for ${approval.approversNeeded} approval(s) until ${deadline}: ${approval.reason}`,
                      ]
                    : []),
                ].join('. ')
              : `precheck failed: ${describeFailed(failed)}`,
        },
      ],
    };
    const submitsNow = state === 'SUBMITTING';
    // In a failover every millisecond before the provider call counts: it is announced while it is sent.
    const created = await persistAndNotify(deps, base, { create: true, announceInBackground: submitsNow });
    if (state === 'REJECTED' || state === 'CANCELLED') {
      await store.releaseLock(lock, operationId);
      return { type: 'accepted', operation: created };
    }
    // Waiting for approval keeps the pair locked: nothing else runs on it meanwhile; its lapse is followed up.
    if (waits) {
      await followUpSoon(deps, created);
      return { type: 'accepted', operation: created };
    }
    try {
      const submitted = await submitToProvider(deps, created, resolved.driver, options);
      // From here the operation follows itself up: its job's steps, its end, told seconds after they happen.
      await followUpSoon(deps, submitted);
      return { type: 'accepted', operation: submitted };
    } finally {
      await announcementsOf(operationId);
    }
  } catch (error) {
    // Nothing was created, or the operation already ended: either way the pair must not stay locked.
    const stored = await store.get(operationId).catch(() => undefined);
    if (!stored || stored.state === 'FAILED' || stored.state === 'REJECTED')
      await store.releaseLock(lock, operationId);
    throw error;
  }
}
