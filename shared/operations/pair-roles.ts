import { configuredPair, type PairConfig } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import { StaleWriteError } from '../domain/errors.js';
import type { Operation, OperationKind } from '../domain/operation.js';
import type { Target } from '../providers/provider.js';
import { pairAsItStands, rolesOf, targetOf } from '../providers/registry.js';
import { logger, operationKeys } from '../telemetry/logger.js';

/** The kinds after which the pair's standby is its primary. */
const CHANGES_ROLES: ReadonlySet<OperationKind> = new Set(['promote-standby', 'switchover']);
export const changesRoles = (kind: OperationKind) => CHANGES_ROLES.has(kind);

/**
 * The pair as it stands now: its config with the durable record of its roles laid over it. Every operation,
 * precheck and observer works on this, so after a promotion the next upgrade acts on the new primary.
 */
export async function pairNow(deps: Deps, name: string, field = 'pair'): Promise<PairConfig> {
  const pair = configuredPair(deps.config, name, field);
  const state = await deps.failover.getPairState(pair.name);
  return pairAsItStands(pair, state.roles?.swapped ?? false);
}

const sameTarget = (a: Target, b: Target) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * Records that the operation's standby is the pair's primary now, after its promotion or switchover succeeded at
 * the provider: a conditional write of the pair's state, done before the operation's own next write, and again
 * harmlessly if that write is retried. Returns the sentence its audit event carries, or undefined when nothing
 * could be recorded (the pair was removed, or its members changed in the config since).
 */
export async function recordRoles(deps: Deps, operation: Operation): Promise<string | undefined> {
  const configured = deps.config.pairs.find((p) => p.name === operation.pair);
  if (!configured) return undefined;
  // Which configured member the operation promoted: the one in its target's standby place.
  const wasAsConfigured = sameTarget(operation.target, targetOf(configured));
  const wasSwapped = sameTarget(operation.target, targetOf(pairAsItStands(configured, true)));
  if (!wasAsConfigured && !wasSwapped) {
    logger.warn(
      'the roles of the pair were not recorded: its members in the config are not the operation’s',
      {
        scope: 'roles',
        ...operationKeys(operation),
      },
    );
    return undefined;
  }
  const swapped = wasAsConfigured;
  const now = pairAsItStands(configured, swapped);
  const { primary, standby } = rolesOf(now);
  const sentence = `${primary} is the primary of ${operation.pair} now${standby ? `, and ${standby} is not` : ''}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await deps.failover.getPairState(operation.pair);
    if (state.roles?.operationId === operation.id) return sentence;
    try {
      await deps.failover.putPairState({
        ...state,
        roles: { swapped, since: deps.now().toISOString(), operationId: operation.id },
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
