import type { Operation } from '../domain/operation.js';
import { notificationFor } from '../notify/notifier.js';
import { slackMessageFor } from '../notify/slack-message.js';
import type { Deps } from './deps.js';

/** Announcements still going out, per operation: the next one waits for them, so changes are told in order. */
const announcing = new Map<string, Promise<void>>();

async function announce(deps: Deps, saved: Operation) {
  const notification = notificationFor(saved);
  await deps.notifier.notify(notification);
  // The chat conversation that asked hears of each state change (not every step: Slack allows five replies).
  if (saved.replyTo && notification.type === 'operation.state' && notification.event.type !== 'approval')
    await deps.replies.reply(saved.replyTo, slackMessageFor(notification), { visibleToAll: true });
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
  // Delivery never throws (channels retry and log), so the chain never breaks.
  const announcement = announcementsOf(saved.id).then(() => announce(deps, saved));
  announcing.set(saved.id, announcement);
  void announcement.then(() => {
    if (announcing.get(saved.id) === announcement) announcing.delete(saved.id);
  });
  if (!options.announceInBackground) await announcement;
  return saved;
}

/** Every announcement of the operation still going out: a handler waits for them before it returns. */
export function announcementsOf(operationId: string): Promise<void> {
  return announcing.get(operationId) ?? Promise.resolve();
}
