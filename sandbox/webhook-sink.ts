import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  webhookSignature,
} from '../shared/notify/channel-notifiers.js';
import type { DecisionNotification, Notification, OperationNotification } from '../shared/notify/notifier.js';

export interface ReceivedNotification {
  notification: Notification;
  signatureValid: boolean;
}

export interface WebhookSink {
  url: string;
  received: ReceivedNotification[];
  /** What arrived about one operation, in order. */
  forOperation(id: string): (ReceivedNotification & { notification: OperationNotification })[];
  /** What arrived about alert decisions, in order. */
  decisions(): DecisionNotification[];
  close(): Promise<void>;
}

/**
 * A receiver for Switchyard's signed webhook: checks each signature and keeps what arrived. `npm start`
 * prints them; tests read them.
 */
export async function startWebhookSink(options: {
  port?: number;
  secret: string;
  onNotification?: (r: ReceivedNotification) => void;
}): Promise<WebhookSink> {
  const received: ReceivedNotification[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
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
    received,
    forOperation: (id) =>
      received.filter(
        (r): r is ReceivedNotification & { notification: OperationNotification } =>
          r.notification.type !== 'decision' && r.notification.operation.id === id,
      ),
    decisions: () =>
      received.map((r) => r.notification).filter((n): n is DecisionNotification => n.type === 'decision'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
