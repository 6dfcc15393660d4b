import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  webhookSignature,
} from '../shared/notify/channel-notifiers.js';
import type {
  DecisionNotification,
  Notification,
  OperationNotification,
  PairConditionNotification,
  PairRiskNotification,
} from '../shared/notify/notifier.js';

export interface ReceivedNotification {
  notification: Notification;
  signatureValid: boolean;
}

/** A post to a Slack URL (incoming webhook or a slash command's response_url). */
export interface SlackPost {
  path: string;
  body: { text: string; blocks?: unknown[]; response_type?: string };
}

/** An SNS Publish, as the AWS SDK sends it. */
export interface SnsPublish {
  topicArn: string;
  subject?: string;
  /** MessageStructure json: the message per protocol (default, email, sms). */
  message: Record<string, string>;
}

export interface WebhookSink {
  url: string;
  /** Where Slack posts go: `${slackUrl}/<anything>` (incoming webhooks, response_urls). */
  slackUrl: string;
  /** An endpoint that answers SNS Publish. */
  snsUrl: string;
  received: ReceivedNotification[];
  slack: SlackPost[];
  sns: SnsPublish[];
  /** What arrived about one operation, in order. */
  forOperation(id: string): (ReceivedNotification & { notification: OperationNotification })[];
  /** What arrived about alert decisions, in order. */
  decisions(): DecisionNotification[];
  /** Split-brain risks announced for pairs, and their ends. */
  pairRisks(): PairRiskNotification[];
  /** Readiness and protection announced for pairs. */
  pairConditions(): PairConditionNotification[];
  close(): Promise<void>;
}

/**
 * A receiver for Switchyard's signed webhook (checks each signature), and stand-ins for Slack's URLs and
 * SNS Publish: keeps what arrived. `npm start` prints them; tests read them.
 */
export async function startWebhookSink(options: {
  port?: number;
  secret: string;
  onNotification?: (r: ReceivedNotification) => void;
  onSlack?: (post: SlackPost) => void;
  onSns?: (publish: SnsPublish) => void;
}): Promise<WebhookSink> {
  const received: ReceivedNotification[] = [];
  const slack: SlackPost[] = [];
  const sns: SnsPublish[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      if (path.startsWith('/slack/')) {
        try {
          const post = { path, body: JSON.parse(body) };
          slack.push(post);
          options.onSlack?.(post);
          res.writeHead(200).end('ok');
        } catch {
          res.writeHead(400).end('invalid_payload');
        }
        return;
      }
      if (path.startsWith('/sns')) {
        const form = new URLSearchParams(body);
        const publish = {
          topicArn: form.get('TopicArn') ?? '',
          subject: form.get('Subject') ?? undefined,
          message: JSON.parse(form.get('Message') ?? '{}'),
        };
        sns.push(publish);
        options.onSns?.(publish);
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${crypto.randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
          );
        return;
      }
      const timestamp = String(req.headers[WEBHOOK_TIMESTAMP_HEADER] ?? '');
      const given = Buffer.from(String(req.headers[WEBHOOK_SIGNATURE_HEADER] ?? ''));
      const expected = Buffer.from(webhookSignature(options.secret, timestamp, body));
      const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
      try {
        const entry = { notification: JSON.parse(body) as Notification, signatureValid };
        received.push(entry);
        options.onNotification?.(entry);
        res.writeHead(signatureValid ? 204 : 401).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/notifications`,
    slackUrl: `http://127.0.0.1:${port}/slack`,
    snsUrl: `http://127.0.0.1:${port}/sns`,
    received,
    slack,
    sns,
    forOperation: (id) =>
      received.filter(
        (r): r is ReceivedNotification & { notification: OperationNotification } =>
          (r.notification.type === 'operation.state' || r.notification.type === 'operation.progress') &&
          r.notification.operation.id === id,
      ),
    decisions: () =>
      received.map((r) => r.notification).filter((n): n is DecisionNotification => n.type === 'decision'),
    pairRisks: () =>
      received.map((r) => r.notification).filter((n): n is PairRiskNotification => n.type === 'pair.risk'),
    pairConditions: () =>
      received
        .map((r) => r.notification)
        .filter((n): n is PairConditionNotification => n.type === 'pair.condition'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
