import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../../shared/domain/operation.js';
import {
  FanOutNotifier,
  type NotificationChannel,
  SignedWebhookChannel,
  SlackWebhookChannel,
  webhookSignature,
} from '../../../shared/notify/channel-notifiers.js';
import { notificationFor } from '../../../shared/notify/notifier.js';

/** A receiver that answers 500 to its first `failFirst` requests, then 200, and keeps what it got. */
let server: Server;
let url: string;
let failFirst = 0;
const received: { headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failFirst > 0) {
        failFirst--;
        res.writeHead(500).end('busy');
        return;
      }
      // A proxy that echoes where it was sent, as many do in their error pages.
      if (req.url?.startsWith('/services/')) {
        res.writeHead(404).end(`Cannot POST ${req.url}`);
        return;
      }
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const at = '2026-11-21T09:00:00.000Z';
const operation: Operation = {
  id: '01JD0000000000000000000000',
  kind: 'switchover',
  provider: 'oceanbase',
  pair: 'orders-ob',
  target: {},
  params: {},
  state: 'FAILED',
  requestedBy: { principal: 'api-key:chatops-bot', channel: 'http' },
  source: 'http',
  findings: [],
  submission: { attempts: 1, ambiguous: false },
  phase: 0,
  jobs: [],
  steps: [
    { id: '1', name: 'Prepare switchover tenant', status: 'succeeded', upstreams: [], downstreams: ['2'] },
    {
      id: '2',
      name: 'Switch primary tenant to standby',
      status: 'failed',
      upstreams: ['1'],
      downstreams: [],
    },
  ],
  outcome: 'log restore source unreachable',
  failedStep: 'Switch primary tenant to standby',
  createdAt: at,
  updatedAt: at,
  deadline: at,
  version: 3,
  events: [
    {
      at,
      actor: 'poller',
      type: 'state',
      from: 'RUNNING',
      to: 'FAILED',
      message: 'job 7 failed at "Switch primary tenant to standby"',
    },
  ],
};

describe('notification channels', () => {
  it('says what changed, where, and how far the steps got', () => {
    const n = notificationFor(operation);
    expect(n.text).toBe(
      'switchover on orders-ob (01JD0000000000000000000000): RUNNING -> FAILED. job 7 failed at "Switch primary tenant to standby" [1/2 done, failed: Switch primary tenant to standby]',
    );
    expect(n.id).toBe('01JD0000000000000000000000:1');
  });

  it('retries a webhook the receiver failed, and signs the body it finally takes', async () => {
    failFirst = 2;
    received.length = 0;
    const notifier = new FanOutNotifier([new SignedWebhookChannel('hook', url, 'shh')], { baseDelayMs: 1 });

    await notifier.notify(notificationFor(operation));

    expect(received).toHaveLength(1);
    const [delivery] = received;
    const timestamp = String(delivery?.headers['x-switchyard-timestamp']);
    expect(delivery?.headers['x-switchyard-signature']).toBe(
      webhookSignature('shh', timestamp, delivery?.body ?? ''),
    );
    expect(delivery?.headers['x-switchyard-delivery']).toBe('01JD0000000000000000000000:1');
  });

  it('never throws when a channel keeps failing, and still delivers to the others', async () => {
    received.length = 0;
    const logged: string[] = [];
    const broken: NotificationChannel = {
      name: 'broken',
      deliver: async () => {
        throw new Error('connection refused');
      },
    };
    const notifier = new FanOutNotifier([broken, new SlackWebhookChannel('slack', url)], {
      baseDelayMs: 1,
      log: (line) => logged.push(line),
    });

    await expect(notifier.notify(notificationFor(operation))).resolves.toBeUndefined();

    expect(logged).toEqual([
      '[notify] broken failed after 3 attempts for 01JD0000000000000000000000:1: connection refused',
    ]);
    const slack = JSON.parse(received[0]?.body ?? '{}');
    // Slack's text is escaped mrkdwn: `-&gt;` is what shows as `->`.
    expect(slack.text).toContain('RUNNING -&gt; FAILED');
    // What a person in the channel reads: state, steps on one line, why, and what to do next.
    expect(slack.blocks.map((b: { text?: { text: string } }) => b.text?.text)).toEqual([
      ':x: *switchover* on *orders-ob* is *FAILED*\njob 7 failed at "Switch primary tenant to standby"',
      '*Progress:* 1 done / 0 running / 0 waiting / 1 failed',
      '*Why:* log restore source unreachable',
      '*Next:* Look at the provider console (step "Switch primary tenant to standby"); once the cause is fixed, ask again.',
      undefined,
    ]);
    expect(slack.blocks[4].elements[0].text).toBe(
      '`01JD0000000000000000000000` · asked by api-key:chatops-bot via http',
    );
  });

  it('logs a failed delivery by its status only: an echo of the URL, a credential for Slack, stays out', async () => {
    const logged: string[] = [];
    const webhook = url.replace('/hook', '/services/T0AAA/B0BBB/SeCrEtWeBhOoKtOkEn');
    const notifier = new FanOutNotifier([new SlackWebhookChannel('slack', webhook)], {
      baseDelayMs: 1,
      log: (line) => logged.push(line),
    });
    await notifier.notify(notificationFor(operation));
    expect(logged).toEqual([
      '[notify] slack failed after 3 attempts for 01JD0000000000000000000000:1: answered 404',
    ]);
  });
});
