import { configuredPair, type PairConfig } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import type { PairFailoverState } from '../domain/decision.js';
import { ConflictError, StaleWriteError } from '../domain/errors.js';
import type { Operation, OperationKind } from '../domain/operation.js';
import { memberIdsOf, promotedBy, rolesOf, standingPair } from '../providers/registry.js';
import { logger, operationKeys } from '../telemetry/logger.js';

/** The kinds after which the pair's standby is its primary. */
const CHANGES_ROLES: ReadonlySet<OperationKind> = new Set(['promote-standby', 'switchover']);
export const changesRoles = (kind: OperationKind) => CHANGES_ROLES.has(kind);

/** Why a pair's roles are unknown, in a sentence that says what a person does about it. */
export function unknownRoles(pair: PairConfig, recorded: string): string {
  const ids = memberIdsOf(pair);
  return `Switchyard's record names ${recorded} as the primary of ${pair.name}, which the config does not name (its members are ${ids.primary}${ids.standby ? ` and ${ids.standby}` : ''}): a person must say which member is primary (PUT /v1/pairs/${pair.name}/roles) before Switchyard acts on it`;
}

/**
 * The pair as it stands now: its config with the durable record of its roles laid over it. Every operation,
 * precheck and observer works on this, so after a promotion the next upgrade acts on the new primary. A record
 * that names no configured member is no answer: nothing is done on the pair until a person says (409).
 */
export async function pairNow(deps: Deps, name: string, field = 'pair'): Promise<PairConfig> {
  return (await pairNowWithState(deps, name, field)).pair;
}

/** The same, with the pair's state it was read from, for a caller that judges that state too: one read, not two. */
export async function pairNowWithState(
  deps: Deps,
  name: string,
  field = 'pair',
): Promise<{ pair: PairConfig; state: PairFailoverState }> {
  const configured = configuredPair(deps.config, name, field);
  const state = await deps.failover.getPairState(configured.name);
  return { pair: standingOrRefuse(configured, state), state };
}

export function standingOrRefuse(pair: PairConfig, state: PairFailoverState): PairConfig {
  const standing = standingPair(pair, state.roles?.primary);
  if (!standing)
    throw new ConflictError(unknownRoles(pair, state.roles?.primary as string), {
      rules: ['pair.roles-unknown'],
    });
  return standing;
}

/**
 * Records that the operation's standby is the pair's primary now, after its promotion or switchover succeeded at
 * the provider: a conditional write of the pair's state, done before the operation's own next write, and again
 * harmlessly if that write is retried. A record made after this operation began (a later operation, or a
 * person) is newer than what this one knows, and stays. Returns the sentence its audit event carries.
 */
export async function recordRoles(deps: Deps, operation: Operation): Promise<string | undefined> {
  const configured = deps.config.pairs.find((p) => p.name === operation.pair);
  if (!configured) return undefined;
  const primary = promotedBy(configured, operation.target);
  const standing = standingPair(configured, primary);
  const roles = standing ? rolesOf(standing) : undefined;
  const sentence = roles
    ? `${roles.primary} is the primary of ${operation.pair} now${roles.standby ? `, and ${roles.standby} is not` : ''}`
    : `${primary} is the primary of ${operation.pair} now (a member the config no longer names)`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await deps.failover.getPairState(operation.pair);
    if (state.roles?.operationId === operation.id) return sentence;
    if (state.roles && Date.parse(state.roles.since) > Date.parse(operation.createdAt)) {
      logger.warn('a newer record of the pair roles stands; this operation does not replace it', {
        scope: 'roles',
        ...operationKeys(operation),
      });
      return undefined;
    }
    try {
      await deps.failover.putPairState({
        ...state,
        roles: { primary, since: deps.now().toISOString(), operationId: operation.id },
        version: state.version + 1,
      });
      return sentence;
    } catch (error) {
      // An ack or a fence wrote the pair's state meanwhile: read it again.
      if (!(error instanceof StaleWriteError)) throw error;
    }
  }
  throw new StaleWriteError(`the roles of ${operation.pair} could not be recorded: its state kept changing`);
}
