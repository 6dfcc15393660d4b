import type { Operation } from '../domain/operation.js';
import { notificationFor } from '../notify/notifier.js';
import { slackMessageFor } from '../notify/slack-message.js';
import type { Deps } from './deps.js';

/**
 * Writes a changed operation with a version check, then announces the change. Only the writer that won
 * the conditional write notifies, so each change is announced once.
 */
export async function persistAndNotify(
  deps: Deps,
  next: Operation,
  options: { create?: boolean } = {},
): Promise<Operation> {
  const saved = options.create ? next : { ...next, version: next.version + 1 };
  if (options.create) await deps.store.create(saved);
  else await deps.store.update(saved);
  const notification = notificationFor(saved);
  await deps.notifier.notify(notification);
  // The chat conversation that asked hears of each state change (not every step: Slack allows five replies).
  if (saved.replyTo && notification.type === 'operation.state' && notification.event.type !== 'approval')
    await deps.replies.reply(saved.replyTo, slackMessageFor(notification), { visibleToAll: true });
  return saved;
}
