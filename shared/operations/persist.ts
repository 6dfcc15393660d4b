import type { Deps } from '../deps.js';
import { describeError } from '../domain/errors.js';
import { isTerminal, type Operation } from '../domain/operation.js';
import { notificationFor } from '../notify/notifier.js';
import { slackMessageFor } from '../notify/slack-message.js';
import { logger, operationKeys } from '../telemetry/logger.js';
import { recordMetric } from '../telemetry/metrics.js';
import { OUTLIVES_ANY_FUNCTION_MS } from './pipeline.js';

/** Announcements still going out, per operation: the next one waits for them, so changes are told in order. */
const announcing = new Map<string, Promise<void>>();

/** Tells people about one audit event of the operation (numbered from 1). */
async function announce(deps: Deps, operation: Operation, eventNumber: number) {
  const notification = notificationFor(operation, eventNumber);
  await deps.notifier.notify(notification);
  // The chat conversation that asked hears of each state change (not every step: Slack allows five replies).
  if (operation.replyTo && notification.type === 'operation.state' && notification.event.type !== 'approval')
    await deps.replies.reply(operation.replyTo, slackMessageFor(notification), { visibleToAll: true });
}

/** Records audit events as told; an ended operation whose every change was told leaves the poller's list. */
async function recordTold(deps: Deps, operation: Operation, eventNumbers: number[]) {
  try {
    const told = eventNumbers.length > 0 ? await deps.store.recordAnnounced(operation.id, eventNumbers) : [];
    const all = new Set([...told, ...(operation.announced ?? [])]);
    if (isTerminal(operation.state) && operation.events.every((_, i) => all.has(i + 1)))
      await deps.store.retireEnded(operation.id, operation.version, deps.now().toISOString());
  } catch (error) {
    // Unrecorded, it is told again later under the same notification id: a repeat rather than a loss.
    logger.error('a change was told, but could not be recorded as told: it may be told again', {
      scope: 'notify',
      ...operationKeys(operation),
      error: describeError(error),
    });
  }
}

/**
 * Writes a changed operation with a version check, then announces the change. Only the writer that won
 * the conditional write notifies, so each change is announced once. With `announceInBackground` the
 * caller goes on (to the provider call, say) while the announcement goes out; the next change of the
 * operation, or `announcementsOf`, waits for it.
 */
export async function persistAndNotify(
  deps: Deps,
  next: Operation,
  options: { create?: boolean; announceInBackground?: boolean } = {},
): Promise<Operation> {
  const saved = options.create ? next : { ...next, version: next.version + 1 };
  if (options.create) await deps.store.create(saved);
  else await deps.store.update(saved);
  countChange(saved, options.create === true);
  const eventNumber = saved.events.length;
  // In the background it starts on the next turn of the event loop, once the caller's next request is on the wire.
  const turn = options.announceInBackground ? new Promise((resolve) => setImmediate(resolve)) : undefined;
  // Delivery never throws (channels retry and log), so the chain never breaks.
  const announcement = Promise.all([announcementsOf(saved.id), turn])
    .then(() => announce(deps, saved, eventNumber))
    .then(() => recordTold(deps, saved, [eventNumber]));
  announcing.set(saved.id, announcement);
  void announcement.then(() => {
    if (announcing.get(saved.id) === announcement) announcing.delete(saved.id);
  });
  if (!options.announceInBackground) await announcement;
  return saved;
}

/** An operation recorded, or ended by this write (only the writer that won counts it). */
function countChange(operation: Operation, created: boolean) {
  const dimensions = { kind: operation.kind, provider: operation.provider };
  if (created) recordMetric('OperationStarted', dimensions);
  const last = operation.events.at(-1);
  if (last?.type === 'state' && last.to !== undefined && isTerminal(last.to))
    recordMetric('OperationEnded', { ...dimensions, state: last.to });
}

/** Every announcement of the operation still going out: a handler waits for them before it returns. */
export function announcementsOf(operationId: string): Promise<void> {
  return announcing.get(operationId) ?? Promise.resolve();
}

/**
 * The poller's catch-up: tells each change of the operation that is older than the grace period and was never
 * confirmed told (its writer died between the store write and the announcement). Returns how many it told.
 */
export async function tellUntold(deps: Deps, operation: Operation, now: Date): Promise<number> {
  const told = new Set(operation.announced ?? []);
  const untold = operation.events
    .map((event, i) => ({ at: Date.parse(event.at), number: i + 1 }))
    .filter((e) => !told.has(e.number) && now.getTime() - e.at > OUTLIVES_ANY_FUNCTION_MS)
    .map((e) => e.number);
  for (const number of untold) await announce(deps, operation, number);
  if (untold.length > 0 || isTerminal(operation.state)) await recordTold(deps, operation, untold);
  return untold.length;
}
