import type { Notification } from '../shared/notify/notifier.js';
import type { ReceivedNotification, SlackPost, SnsPublish } from './webhook-sink.js';

/** How long the channels of one notification are waited for before its line is printed. */
const GATHER_MS = 750;

/** The channels in the order they are named, whichever answered first. */
const CHANNEL_ORDER = (channel: string) =>
  ['webhook', 'slack', 'sns'].findIndex((c) => channel.startsWith(c));

/** Slack text as people read it: the entities Switchyard escapes in mrkdwn, undone. */
function unescapeSlack(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/**
 * `npm start`'s console: each notification once, with every channel that carried it (the signed webhook, Slack's
 * incoming webhook, SNS), where each sink used to print its own copy. Slash-command replies are a conversation,
 * not a notification, and are printed as they come.
 */
export function deliveryLog(print: (line: string) => void = (line) => console.log(line)) {
  const gathering = new Map<string, string[]>();
  const reached = (text: string, channel: string) => {
    const channels = gathering.get(text);
    if (channels) return void channels.push(channel);
    gathering.set(text, [channel]);
    setTimeout(() => {
      const channels = (gathering.get(text) ?? []).sort((a, b) => CHANNEL_ORDER(a) - CHANNEL_ORDER(b));
      print(`[notify] ${text}  (${channels.join(', ')})`);
      gathering.delete(text);
    }, GATHER_MS).unref();
  };
  return {
    webhook({ notification, signatureValid }: ReceivedNotification) {
      reached(notification.text, signatureValid ? 'webhook, signed' : 'webhook, BAD SIGNATURE');
    },
    slack({ path, body }: SlackPost) {
      if (path.endsWith('/incoming')) reached(unescapeSlack(body.text), 'slack');
      else print(`[slack reply] ${unescapeSlack(body.text)}`);
    },
    sns({ message }: SnsPublish) {
      const notification = JSON.parse(message.default ?? '{}') as Partial<Notification>;
      if (notification.text) reached(notification.text, 'sns');
    },
  };
}
