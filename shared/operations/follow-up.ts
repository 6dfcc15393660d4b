import * as z from 'zod';
import type { Deps } from '../deps.js';
import { describeError } from '../domain/errors.js';
import { isTerminal, type Operation } from '../domain/operation.js';
import { logger } from '../telemetry/logger.js';
import { OUTLIVES_A_REQUEST_MS, OUTLIVES_ANY_FUNCTION_MS } from './pipeline.js';

/**
 * A follow-up: Switchyard's own reminder, sent to itself through SQS with a delay, to look at one operation or one
 * held decision again when it is due. It names only what to look at: whoever could send one can make Switchyard do
 * no more than the poller does every minute anyway, and it is sealed besides (internal-message.ts).
 */
export const FollowUpSchema = z.discriminatedUnion('about', [
  z.strictObject({
    about: z.literal('operation'),
    id: z.string().min(1).max(64),
    /** The chain's number when it was sent: a follow-up the operation's mark no longer names is superseded. */
    token: z.number().int().min(1),
    dueAt: z.iso.datetime(),
  }),
  z.strictObject({
    about: z.literal('decision'),
    id: z.string().min(1).max(64),
    dueAt: z.iso.datetime(),
  }),
]);
export type FollowUp = z.infer<typeof FollowUpSchema>;

/** SQS delays a message at most 15 minutes; a longer wait is sent again from there for what is left. */
export const MAX_DELAY_SECONDS = 900;

/**
 * How often a provider's job is asked about while it moves. Each check is one job read per operation:
 * - Huawei allows 60 calls a minute per user on each API (rds_00_0002,
 *   https://support.huaweicloud.com/intl/en-us/api-rds/rds_00_0002.html): every 5 s is 12 a minute per operation.
 * - Alibaba documents no RDS quota per API (Throttling.User is its refusal; providers.md §6.2), nor OCP any;
 *   every 3 s is 20 a minute per operation. Alibaba's reads asked at once go out as one DescribeHistoryTasks call
 *   (alibaba-client.ts): a batch of follow-ups, and the sweep, cost one call per 30 operations.
 * - Huawei's ListJobInfo takes one job id, and its ListTasks filters by one; OCP's task list gives no subtasks,
 *   which a step needs. Their reads stay one per operation: more than five Huawei operations at once on one
 *   account exceed its 60 a minute, are throttled, and wait as it says (provider-http.ts).
 * A job quiet for a minute is asked about less often: a long step (an hour-long data copy) is not read every 3 s.
 */
const MOVING_SECONDS: Record<string, number> = { huawei: 5, alibaba: 3, oceanbase: 3 };
const QUIET_AFTER_CHECKS = 20;
const QUIET_SECONDS = 15;

/** When the operation should next be looked at, from now, in seconds; undefined once it has ended. */
export function followUpDelaySeconds(operation: Operation, now: Date, quietChecks = 0): number | undefined {
  if (isTerminal(operation.state)) return undefined;
  const untilDeadline = Math.max(1, Math.ceil((Date.parse(operation.deadline) - now.getTime()) / 1000));
  // Waiting for people: nothing changes until they answer (their answer follows up itself), or the approval lapses.
  if (operation.state === 'PENDING_APPROVAL') return untilDeadline + 1;
  const moving = MOVING_SECONDS[operation.provider] ?? 5;
  const every = quietChecks >= QUIET_AFTER_CHECKS ? Math.max(moving, QUIET_SECONDS) : moving;
  // Its request may still be talking to the provider: when it may be taken up (a drill's legs are sent by functions
  // that run longer than a request), and never sooner than the job's own pace, so a step that waits does not spin.
  if (operation.state === 'SUBMITTING') {
    const window = operation.kind === 'drill' ? OUTLIVES_ANY_FUNCTION_MS : OUTLIVES_A_REQUEST_MS;
    const until = Math.ceil((Date.parse(operation.updatedAt) + window - now.getTime()) / 1000);
    return Math.min(Math.max(until, every), untilDeadline + 1);
  }
  return Math.min(every, untilDeadline + 1);
}

/**
 * How long an ended promotion keeps following up the old primary it left unfenced: a member that comes back after
 * a restart or a healed partition does so within minutes; past this, the sweep tries the fence once a minute.
 */
export const FOLLOW_RISK_FOR_MS = 15 * 60 * 1000;
/**
 * While the old primary cannot be fenced (unreachable, or refused): every 15 s, then every 30 s after 20 looks, so
 * ten pairs at risk on one Huawei account make at most 40 fence attempts a minute, then 20, under its limit of 60
 * on one API (rds_00_0002), beside the sweep's ten.
 */
const RISK_SECONDS = 15;
const RISK_QUIET_SECONDS = 30;

/**
 * When an ended operation should look again at the pair it left at risk of split brain (its old primary not
 * fenced), from now, in seconds; undefined once the risk is older than FOLLOW_RISK_FOR_MS. A fence under way is
 * followed at the provider's pace for its first 20 looks (its job is read on another API than the fence's).
 */
export function riskFollowUpDelaySeconds(
  operation: Operation,
  riskSince: string,
  now: Date,
  look: { quietChecks: number; underWay: boolean },
): number | undefined {
  if (now.getTime() - Date.parse(riskSince) >= FOLLOW_RISK_FOR_MS) return undefined;
  if (look.quietChecks >= QUIET_AFTER_CHECKS) return RISK_QUIET_SECONDS;
  return look.underWay ? (MOVING_SECONDS[operation.provider] ?? 5) : RISK_SECONDS;
}

/** How late a follow-up may be before the sweep takes its operation up: SQS delivers within seconds of the delay. */
const LOST_AFTER_MS = 30_000;

/**
 * Whether the operation's follow-ups are in hand: one is due neither long past (lost) nor much later than its stage
 * calls for (armed for an earlier stage, like an approval's lapse). The sweep leaves such an operation alone.
 */
export function followedUp(operation: Operation, now: Date): boolean {
  const mark = operation.followUp;
  if (!mark) return false;
  const due = Date.parse(mark.dueAt);
  const wanted = followUpDelaySeconds(operation, now, mark.quietChecks);
  if (wanted === undefined) return true;
  return due >= now.getTime() - LOST_AFTER_MS && due <= now.getTime() + wanted * 1000 + LOST_AFTER_MS;
}

/**
 * Arms the operation's next follow-up and sends it: a conditional write moves its mark from `after` (the follow-up
 * being handled; none for the first) to the next number, so of two handlers of one follow-up (SQS delivers at least
 * once) only one sends the next, and a chain never doubles. Returns whether this call armed it.
 */
export async function armFollowUp(
  deps: Deps,
  operation: Operation,
  after: { token: number; quietChecks: number } | undefined,
  /** For an ended operation still following the risk it left (riskFollowUpDelaySeconds). */
  delaySeconds?: number,
): Promise<boolean> {
  const now = deps.now();
  const delay = delaySeconds ?? followUpDelaySeconds(operation, now, after?.quietChecks ?? 0);
  if (delay === undefined) return false;
  const from = after?.token ?? operation.followUp?.token;
  const token = (from ?? 0) + 1;
  const dueAt = new Date(now.getTime() + delay * 1000).toISOString();
  const armed = await deps.store.armFollowUp(operation.id, from, {
    token,
    dueAt,
    quietChecks: after?.quietChecks ?? 0,
  });
  if (!armed) return false;
  await deps.queue.enqueue(
    'follow-up',
    { about: 'operation', id: operation.id, token, dueAt } satisfies FollowUp,
    { delaySeconds: Math.min(delay, MAX_DELAY_SECONDS) },
  );
  return true;
}

/**
 * Starts or restarts an operation's follow-ups after a writer outside the chain changed it (a request, an approval,
 * the sweep). Never a reason to fail that writer: the sweep takes up an operation whose follow-up was not sent.
 */
export async function followUpSoon(deps: Deps, operation: Operation): Promise<void> {
  if (!deps.config.poller.followUps || isTerminal(operation.state)) return;
  // From the mark the caller read (none, for a new operation: no read on the request's path); when a follow-up
  // moved it meanwhile, from the mark as stored now, so this one supersedes that chain.
  const arm = async () => {
    let current: Operation | undefined = operation;
    for (let attempt = 0; attempt < 3 && current && !isTerminal(current.state); attempt++) {
      if (await armFollowUp(deps, current, undefined)) return;
      current = await deps.store.get(operation.id);
    }
  };
  await arm().catch((error) =>
    logger.warn('a follow-up could not be sent; the poller sweep takes the operation up', {
      scope: 'follow-up',
      operationId: operation.id,
      error: describeError(error),
    }),
  );
}

/** A held decision's wake-up at the end of its hold-off. */
export async function wakeDecisionAt(deps: Deps, decisionId: string, evaluateAt: string): Promise<void> {
  if (!deps.config.poller.followUps) return;
  const delay = Math.max(0, Math.ceil((Date.parse(evaluateAt) - deps.now().getTime()) / 1000));
  await deps.queue
    .enqueue('follow-up', { about: 'decision', id: decisionId, dueAt: evaluateAt } satisfies FollowUp, {
      delaySeconds: Math.min(delay, MAX_DELAY_SECONDS),
    })
    .catch((error) =>
      logger.warn("a decision's wake-up could not be sent; the poller sweep decides it when due", {
        scope: 'follow-up',
        decisionId,
        error: describeError(error),
      }),
    );
}
