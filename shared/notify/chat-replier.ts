import type { Dispatcher } from 'undici';
import { isUnderPrefix } from '../domain/allowed-url.js';
import type { ReplyTo } from '../domain/operation.js';
import { logWarningIn } from '../telemetry/logger.js';
import { postJson } from './channel-notifiers.js';
import type { SlackMessage } from './slack-message.js';

/** The port: answers in the chat conversation a command came from. Never throws: a lost reply is logged. */
export interface ChatReplier {
  reply(to: ReplyTo, message: SlackMessage, options?: { visibleToAll?: boolean }): Promise<void>;
}

/**
 * Posts to a slash command's response_url (Slack accepts five posts within 30 minutes). Replies are
 * ephemeral unless they announce an operation's state, which the channel should see.
 */
/** Slack's own hooks host, where every response_url Slack sends points. */
export const DEFAULT_SLACK_HOOKS = ['https://hooks.slack.com/'];

export class SlackResponseUrlReplier implements ChatReplier {
  constructor(
    private readonly options: {
      dispatcher?: Dispatcher;
      log?: (line: string) => void;
      /** Where a response_url may point (chat.slack.responseUrls); anything else is never posted to. */
      allowedUrls?: readonly string[];
    } = {},
  ) {}

  async reply(to: ReplyTo, message: SlackMessage, options: { visibleToAll?: boolean } = {}) {
    // The edge refuses any other URL; this is the second look, for whatever reached a record another way.
    if (!isUnderPrefix(to.slackResponseUrl, this.options.allowedUrls ?? DEFAULT_SLACK_HOOKS)) {
      (this.options.log ?? logWarningIn('chat'))(
        '[chat] a reply was not sent: its response_url is not a Slack hooks URL',
      );
      return;
    }
    const body = JSON.stringify({
      ...message,
      response_type: options.visibleToAll ? 'in_channel' : 'ephemeral',
      replace_original: false,
    });
    try {
      await postJson(to.slackResponseUrl, body, {}, { dispatcher: this.options.dispatcher });
    } catch (error) {
      // The URL itself is a credential for that conversation: log the failure, not the URL.
      (this.options.log ?? logWarningIn('chat'))(
        `[chat] a reply to Slack failed: ${(error as Error).message}`,
      );
    }
  }
}
