import { createHmac } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Dispatcher } from 'undici';
import { type Deferred, readDeferred } from '../domain/secret-ref.js';
import { request } from '../http/request.js';
import { logger, operationKeys } from '../telemetry/logger.js';
import { recordMetric } from '../telemetry/metrics.js';
import type { Notification, Notifier } from './notifier.js';
import { slackMessageFor } from './slack-message.js';

/** One delivery target. `deliver` throws on failure; FanOutNotifier retries it. */
export interface NotificationChannel {
  readonly name: string;
  deliver(notification: Notification): Promise<void>;
}

export interface HttpChannelOptions {
  dispatcher?: Dispatcher;
  timeoutMs?: number;
}

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: HttpChannelOptions,
) {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    dispatcher: options.dispatcher,
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  // The body is read to free the connection, never kept: a receiver or proxy may echo the URL it was sent to,
  // and a Slack URL is a credential. The status is what a person needs.
  await response.body.dump();
  if (response.statusCode >= 300) throw new Error(`answered ${response.statusCode}`);
}

/** The correlation keys of what a notification is about: its operation, or its decision. */
function notificationKeys(notification: Notification): Record<string, unknown> {
  const about =
    'operation' in notification
      ? { ...operationKeys(notification.operation), state: notification.operation.state }
      : 'decision' in notification
        ? {
            decisionId: notification.decision.id,
            pair: notification.decision.pair,
            outcome: notification.decision.outcome,
          }
        : {};
  return { scope: 'notify', notificationId: notification.id, type: notification.type, ...about };
}

/** One log entry per change, with its correlation keys: CloudWatch Logs in Lambda, the terminal locally. */
export class ConsoleChannel implements NotificationChannel {
  readonly name = 'console';
  constructor(
    private readonly write: (line: string, keys: Record<string, unknown>) => void = (line, keys) =>
      logger.info(line, keys),
  ) {}
  async deliver(notification: Notification) {
    this.write(notification.text, notificationKeys(notification));
  }
}

/** A Slack incoming webhook: the same message the slash command's replies show. */
export class SlackWebhookChannel implements NotificationChannel {
  constructor(
    readonly name: string,
    private readonly webhookUrl: Deferred<string>,
    private readonly options: HttpChannelOptions = {},
  ) {}

  async deliver(notification: Notification) {
    const url = await readDeferred(this.webhookUrl);
    await postJson(url, JSON.stringify(slackMessageFor(notification)), {}, this.options);
  }
}

/**
 * An SNS topic for e-mail and paging: e-mail gets the text and the next action, SMS the text, and every
 * other protocol (SQS, Lambda, HTTPS) the notification's JSON, the generic webhook's body.
 */
export class SnsChannel implements NotificationChannel {
  constructor(
    readonly name: string,
    private readonly topicArn: string,
    private readonly client: SNSClient,
  ) {}

  async deliver(notification: Notification) {
    const readable = `${notification.text}\n\nNext: ${notification.nextAction}`;
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        // SNS wants a subject of at most 100 printable ASCII characters, without line breaks.
        Subject: `Switchyard: ${notification.text}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
        MessageStructure: 'json',
        Message: JSON.stringify({
          default: JSON.stringify(notification),
          email: readable,
          sms: notification.text.slice(0, 140),
        }),
      }),
    );
  }
}

export const WEBHOOK_SIGNATURE_HEADER = 'x-switchyard-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-switchyard-timestamp';

/** `v1=` + hex HMAC-SHA256 over `<timestamp>.<body>`, so a receiver can check origin and freshness. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A generic webhook: the notification as JSON, signed with a shared secret. */
export class SignedWebhookChannel implements NotificationChannel {
  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly secret: Deferred<string>,
    private readonly options: HttpChannelOptions & { now?: () => Date } = {},
  ) {}

  async deliver(notification: Notification) {
    const body = JSON.stringify(notification);
    const timestamp = String(Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000));
    await postJson(
      this.url,
      body,
      {
        [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
        [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(await readDeferred(this.secret), timestamp, body),
        'x-switchyard-delivery': notification.id,
      },
      this.options,
    );
  }
}

/** Delivers to every channel in parallel, retrying each a few times; a failure is logged, never thrown. */
export class FanOutNotifier implements Notifier {
  constructor(
    private readonly channels: readonly NotificationChannel[],
    private readonly options: { attempts?: number; baseDelayMs?: number; log?: (line: string) => void } = {},
  ) {}

  async notify(notification: Notification) {
    await Promise.all(this.channels.map((channel) => this.deliverWithRetry(channel, notification)));
  }

  private async deliverWithRetry(channel: NotificationChannel, notification: Notification) {
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await channel.deliver(notification);
        return;
      } catch (error) {
        if (attempt === attempts) {
          recordMetric('NotificationFailures', { channel: channel.name });
          const line = `[notify] ${channel.name} failed after ${attempts} attempts for ${notification.id}: ${(error as Error).message}`;
          if (this.options.log) this.options.log(line);
          else
            logger.warn(`${channel.name} failed after ${attempts} attempts: ${(error as Error).message}`, {
              ...notificationKeys(notification),
              channel: channel.name,
            });
          return;
        }
        await new Promise((resolve) =>
          setTimeout(resolve, (this.options.baseDelayMs ?? 200) * 2 ** (attempt - 1)),
        );
      }
    }
  }
}
