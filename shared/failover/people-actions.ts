import type { Deps } from '../deps.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import type { Principal } from '../domain/operation.js';
import { pairLock } from '../operations/pipeline.js';
import { recordProtection } from '../operations/protection.js';
import { endRisk } from '../operations/split-brain.js';
import { memberIdsOf, pairAsItStands, rolesOf } from '../providers/registry.js';
import { logger } from '../telemetry/logger.js';
import { acknowledgementNotification, brakeNotification } from './failover-notifications.js';
import { cooldownEndsAt } from './failover-rules.js';

/**
 * A person has looked at the pair's last automatic failover: its cooldown ends. Only when they also say the old
 * primary is out of service does a split-brain risk end: the cooldown's own advice must not silence it. HTTP and
 * chat share it. Either re-arms automatic failover, so the on-call channel is told who did it, what and why.
 */
export async function acknowledgePair(
  deps: Deps,
  pair: string,
  by: Principal,
  options: { oldPrimaryRetired?: boolean; reason?: string } = {},
) {
  const policy = deps.config.pairs.find((p) => p.name === pair)?.failover;
  if (!policy) throw new NotFoundError(`No pair named "${pair}".`);
  const state = await deps.failover.getPairState(pair);
  const now = deps.now();
  const next = {
    ...state,
    acknowledgedAt: now.toISOString(),
    acknowledgedBy: by.principal,
    version: state.version + 1,
  };
  await deps.failover.putPairState(next);
  const retired = Boolean(state.atRisk && options.oldPrimaryRetired);
  if (retired)
    await endRisk(
      deps,
      pair,
      'acknowledged',
      `${by.principal} says ${state.atRisk?.member} is out of service`,
    );
  await deps.notifier.notify(
    acknowledgementNotification({
      before: state,
      after: next,
      by: by.principal,
      endedCooldown: cooldownEndsAt(policy, state, now) !== undefined,
      endedRisk: retired,
      ...(options.reason ? { reason: options.reason } : {}),
    }),
  );
  return {
    pair,
    lastAutomaticFailoverAt: next.lastAutomaticFailoverAt ?? null,
    acknowledgedAt: next.acknowledgedAt,
    acknowledgedBy: next.acknowledgedBy,
    /** Still at risk of split brain: the old primary is not fenced, and no one said it is out of service. */
    atRisk: retired ? null : (state.atRisk ?? null),
  };
}

/**
 * Engages the global brake, or releases it; releasing re-arms, so the hourly count starts from zero. Announced
 * either way, with the reason given: stopping or re-arming automatic failover everywhere is never done unseen.
 */
export async function setBrake(deps: Deps, engaged: boolean, reason: string | undefined, by: Principal) {
  const brake = await deps.failover.getBrake();
  const at = deps.now().toISOString();
  const next = {
    ...brake,
    engaged,
    reason: engaged ? (reason ?? `engaged by ${by.principal}`) : undefined,
    changedAt: at,
    changedBy: by.principal,
    recent: engaged ? brake.recent : [],
    version: brake.version + 1,
  };
  await deps.failover.putBrake(next);
  await deps.notifier.notify(
    brakeNotification(next, { by: by.principal, automatic: false, ...(reason ? { reason } : {}) }),
  );
  return next;
}

/**
 * A person says which configured member of a pair is its primary now: after a failback or a rebuild done outside
 * Switchyard, or when Switchyard's record names a member the config no longer does. Not while an operation holds
 * the pair (it may be changing the roles itself). Every later operation and alert acts on it, so it is announced.
 */
export async function setPairRoles(
  deps: Deps,
  name: string,
  primary: 'configured-primary' | 'configured-standby',
  reason: string,
  by: Principal,
) {
  const pair = deps.config.pairs.find((p) => p.name === name);
  if (!pair) throw new NotFoundError(`No pair named "${name}".`);
  const ids = memberIdsOf(pair);
  const member = primary === 'configured-primary' ? ids.primary : ids.standby;
  if (member === null)
    throw new UnprocessableError('no_standby', `${name} has no standby in the config to make its primary.`, {
      errors: [{ field: 'body.primary', message: 'the pair has no configured standby' }],
    });
  const now = deps.now();
  const holder = await deps.store.getLock(pairLock(pair), now);
  if (holder)
    throw new ConflictError(
      `Operation ${holder.operationId} holds ${name}: it may change the pair's roles itself; say them once it has ended.`,
      { activeOperation: holder.operationId },
    );
  const state = await deps.failover.getPairState(name);
  // Switchyard is fencing the old primary until it is fenced or said retired: while it does, only the member the
  // at-risk promotion itself recorded as primary may be named (never the one it left to be fenced).
  if (
    state.atRisk &&
    (state.roles?.operationId !== state.atRisk.operationId || state.roles.primary !== member)
  )
    throw new ConflictError(
      `${name} is at risk of split brain: ${state.atRisk.member} was promoted over and is not fenced yet. Say it is retired first (POST /v1/pairs/${name}/ack with oldPrimaryRetired), then say the roles.`,
      { rules: ['pair.at-risk'] },
    );
  const next = {
    ...state,
    roles: { primary: member, since: now.toISOString(), by: by.principal, reason },
    version: state.version + 1,
  };
  await deps.failover.putPairState(next);
  const standing = pairAsItStands(pair, primary === 'configured-standby');
  const { primary: label } = rolesOf(standing);
  await deps.notifier.notify({
    id: `${name}:roles:${next.version}`,
    type: 'pair.roles',
    at: now.toISOString(),
    text: `${by.principal} says ${label} is the primary of ${name}: every operation and alert acts on it from now. (${reason})`,
    nextAction: `GET /v1/pairs/${name} shows the pair as it stands.`,
    roles: { pair: name, primary: label, by: by.principal, reason },
  });
  return { pair: name, primary: label, since: next.roles.since, by: by.principal, reason };
}

/**
 * A person says the pair is protected again, where no provider API could rebuild it (Alibaba, OCP after a failover,
 * or a Huawei rebuild done in the console). Not while an operation holds the pair, nor while its old primary may
 * take writes (a standby of a pair at risk of split brain is no protection). Announced and kept with who said it;
 * an evaluation that cannot tell leaves it standing, and one that finds the relation broken says so.
 */
export async function declareProtected(deps: Deps, name: string, reason: string, by: Principal) {
  const pair = deps.config.pairs.find((p) => p.name === name);
  if (!pair) throw new NotFoundError(`No pair named "${name}".`);
  // A pair with one member has nothing to protect it: saying otherwise would hide that from every evaluation.
  if (memberIdsOf(pair).standby === null)
    throw new UnprocessableError(
      'no_standby',
      `${name} has no standby member in the config: nothing can protect it.`,
      {
        errors: [{ field: 'path.pair', message: 'the pair has no configured standby' }],
      },
    );
  const holder = await deps.store.getLock(pairLock(name), deps.now());
  if (holder)
    throw new ConflictError(
      `Operation ${holder.operationId} holds ${name}: say whether it is protected once that has ended.`,
      { activeOperation: holder.operationId },
    );
  // At risk, protected already or being re-protected: refused in the write itself (recordProtection).
  await recordProtection(
    deps,
    name,
    {
      state: 'protected',
      detail: `${by.principal} says DR was rebuilt outside Switchyard: ${reason}`,
      declaredBy: by.principal,
    },
    'declaration',
  );
  logger.info('a person declared the pair protected', {
    scope: 'protection',
    pair: name,
    by: by.principal,
    reason,
  });
  const { protection } = await deps.failover.getPairState(name);
  return { pair: name, protection };
}
