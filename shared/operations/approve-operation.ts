import type { Deps } from '../deps.js';
import { ConflictError, ForbiddenError, NotFoundError, StaleWriteError } from '../domain/errors.js';
import { describeEvidence } from '../domain/observation.js';
import type { Operation, Principal } from '../domain/operation.js';
import { transition } from '../domain/state-machine.js';
import type { CallOptions } from '../providers/provider.js';
import { FENCE_STEP_ID, withFenceStep } from './fencing.js';
import { followUpSoon } from './follow-up.js';
import { persistAndNotify } from './persist.js';
import { inputOf, pairLock } from './pipeline.js';
import { guardPromotion, observeForPromotion } from './promotion-guard.js';
import { submitToProvider } from './submit-to-provider.js';

/** Whether two credentials are one person: by the person the config names, or the same credential when one has none. */
function samePerson(a: { principal: string; person?: string }, b: Principal): boolean {
  // Lower-cased here too: records and sealed messages from before persons were lower-cased keep their spelling.
  const person = (p: string | undefined) => p?.toLowerCase();
  return (a.person !== undefined && person(a.person) === person(b.person)) || a.principal === b.principal;
}

/**
 * Records a person's decision. Two decisions on one operation at the same moment meet the version check; the one
 * that loses is told so (409), and nothing of it was written.
 */
async function persistDecision(deps: Deps, operation: Operation): Promise<Operation> {
  try {
    return await persistAndNotify(deps, operation);
  } catch (error) {
    if (error instanceof StaleWriteError)
      throw new ConflictError(
        `Operation ${operation.id} changed while this decision was recorded (another decision at the same moment); look at it again.`,
      );
    throw error;
  }
}

async function pending(deps: Deps, id: string): Promise<Operation> {
  const operation = await deps.store.get(id);
  if (!operation) throw new NotFoundError(`No operation ${id}.`);
  if (operation.state !== 'PENDING_APPROVAL' || !operation.approval)
    throw new ConflictError(`Operation ${id} is ${operation.state}, not waiting for approval.`, {
      state: operation.state,
    });
  return operation;
}

/**
 * One person's approval. The requester cannot approve their own operation, nor can one person count
 * twice. With enough approvals the prechecks run again, and the operation is submitted or REJECTED.
 */
export async function approveOperation(
  deps: Deps,
  id: string,
  approver: Principal,
  comment: string | undefined,
  options: CallOptions = {},
): Promise<Operation> {
  const operation = await pending(deps, id);
  const approval = operation.approval as NonNullable<Operation['approval']>;
  const person = approver.person;
  // Persons, not credentials: one person's API key and Slack user are one approver.
  if (!person)
    throw new ForbiddenError(
      `${approver.principal} is not mapped to a person in the config, and only a person may approve.`,
    );
  if (samePerson(operation.requestedBy, approver))
    throw new ForbiddenError('The requester of an operation cannot approve it: another person must.');
  if (approval.approvals.some((a) => samePerson(a, approver)))
    throw new ConflictError(`${person} has already approved operation ${id}; another person must.`);
  const at = deps.now().toISOString();
  const approvals = [
    ...approval.approvals,
    { principal: approver.principal, person, at, ...(comment ? { comment } : {}) },
  ];
  const recorded = { ...approval, approvals };

  if (approvals.length < approval.approversNeeded) {
    return persistDecision(deps, {
      ...operation,
      approval: recorded,
      updatedAt: at,
      events: [
        ...operation.events,
        {
          at,
          actor: approver.principal,
          type: 'approval',
          message: `approved by ${approver.principal} (${approvals.length} of ${approval.approversNeeded})`,
        },
      ],
    });
  }

  // The world may have moved while the operation waited: check again before anything is sent.
  const provider = deps.providers.get(operation.provider);
  const driver = provider?.operations[operation.kind];
  if (!driver) throw new ConflictError(`${operation.provider} no longer offers ${operation.kind}.`);
  const pair = deps.config.pairs.find((p) => p.name === operation.pair);
  const promotion = operation.kind === 'promote-standby' && pair && provider;
  const [precheck, observation] = await Promise.all([
    driver.precheck(inputOf(operation), options),
    promotion ? observeForPromotion(deps, pair, provider, driver, inputOf(operation), options) : undefined,
  ]);
  let replanned: Pick<Operation, 'fencing' | 'steps'> | undefined;
  if (observation && pair && provider) {
    // Every promotion rule again, on what is seen now: the alert's last look, a planned failover's fence first,
    // and the fence planned afresh from the primary's state (it may have moved while people decided).
    const guard = await guardPromotion(deps, pair, provider, driver, inputOf(operation), observation, {
      ...(operation.trigger ? { trigger: operation.trigger } : {}),
      approval: operation.approval,
    });
    if (guard.cancel) {
      const cancelled = await persistDecision(
        deps,
        transition(
          operation,
          'CANCELLED',
          { at, actor: approver.principal, message: `approved, but ${guard.cancel}` },
          { approval: recorded, observation, outcome: guard.cancel },
        ),
      );
      await deps.store.releaseLock(pairLock(operation.pair), operation.id);
      return cancelled;
    }
    const refused = guard.findings.filter((f) => f.safety && !f.passed);
    if (refused.length > 0 || !guard.fencing)
      return endRejected(
        deps,
        operation,
        approver,
        `the primary was ${operation.observation?.primary ?? 'not observed'} when the promotion was asked for and is ${observation.primary} now (${describeEvidence(observation)}): ${refused.map((f) => `${f.message} [${f.rule}]`).join('; ')}`,
        { approval: recorded, observation },
      );
    replanned = {
      fencing: guard.fencing,
      steps: withFenceStep(
        operation.steps.filter((s) => s.id !== FENCE_STEP_ID),
        guard.fencing,
      ),
    };
  }
  if (!precheck.valid) {
    const failed = precheck.findings.filter((f) => !f.passed).map((f) => `${f.message} [${f.rule}]`);
    return endRejected(deps, operation, approver, `precheck failed at approval: ${failed.join('; ')}`, {
      approval: recorded,
      findings: precheck.findings,
    });
  }
  const submitting = await persistDecision(
    deps,
    transition(
      operation,
      'SUBMITTING',
      {
        at,
        actor: approver.principal,
        message: `approved by ${approvals.map((a) => a.principal).join(' and ')}; precheck passed again`,
      },
      {
        approval: recorded,
        findings: precheck.findings,
        ...(observation ? { observation } : {}),
        ...replanned,
        deadline: new Date(
          deps.now().getTime() + deps.config.operations.deadlineSeconds[operation.kind] * 1000,
        ).toISOString(),
      },
    ),
  );
  const submitted = await submitToProvider(deps, submitting, driver, options);
  // Approved, it is followed up like any running operation, no longer at its approval's lapse.
  await followUpSoon(deps, submitted);
  return submitted;
}

/** Ends a waiting operation REJECTED, announced, and frees its pair. */
async function endRejected(
  deps: Deps,
  operation: Operation,
  by: Principal,
  outcome: string,
  changes: Partial<Operation> = {},
) {
  const at = deps.now().toISOString();
  const rejected = await persistDecision(
    deps,
    transition(operation, 'REJECTED', { at, actor: by.principal, message: outcome }, { ...changes, outcome }),
  );
  await deps.store.releaseLock(pairLock(operation.pair), operation.id);
  return rejected;
}

/** A person says no: the operation ends REJECTED and the pair is free. */
export async function rejectOperation(
  deps: Deps,
  id: string,
  rejecter: Principal,
  comment: string | undefined,
) {
  const operation = await pending(deps, id);
  return endRejected(
    deps,
    operation,
    rejecter,
    `rejected by ${rejecter.principal}${comment ? `: ${comment}` : ''}`,
  );
}
