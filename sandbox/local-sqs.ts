import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * A stand-in for Amazon SQS: the AWS SDK's SendMessage (JSON protocol) is answered as SQS answers it, and each
 * message is delivered to its queue's consumer as Lambda's event source mapping would, once its DelaySeconds have
 * passed. A message the consumer does not take (a batchItemFailure, or an error) is delivered again after the
 * visibility timeout, and after `maxReceiveCount` receives it is dead-lettered. So `npm start` waits for a delayed
 * message exactly as long as a deployment does. A message with no delay is received before SendMessage answers:
 * one of the timings SQS allows, and the one that lets a test see its consumer's work as soon as it was sent.
 *
 * SQS semantics kept: DelaySeconds 0..900 (SendMessage; larger is refused, as SQS refuses it), at-least-once
 * delivery, a message body up to 256 KiB. Not kept: FIFO queues, message attributes, batches of more than one.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */

export interface DeliveryTarget {
  /** Hands one SQS event to the queue's consumer; what it did not take comes back as batchItemFailures. */
  deliver(queue: string, event: SQSEvent): Promise<SQSBatchResponse | undefined>;
}

/** No consumer: every message fails, so it is retried and then dead-lettered. */
export const noConsumer: DeliveryTarget = {
  deliver: async () => {
    throw new Error('no consumer is listening on this queue');
  },
};

/** Delivers to the function named like the queue through a Lambda invoke endpoint (serverless offline's). */
export function lambdaEndpointTarget(endpoint: string): DeliveryTarget {
  return {
    async deliver(queue, event) {
      const response = await fetch(`${endpoint}/2015-03-31/functions/${queue}/invocations`, {
        method: 'POST',
        body: JSON.stringify(event),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${queue} answered ${response.status}: ${text.slice(0, 200)}`);
      return JSON.parse(text || '{}') as SQSBatchResponse;
    },
  };
}

export interface LocalSqsOptions {
  port?: number;
  target: DeliveryTarget;
  /** The queues by the name Switchyard knows them (an operation kind, `follow-up`): GET /_sandbox/queue-urls. */
  queues?: Record<string, string>;
  /**
   * Simulated-time factor for the visibility timeout (retries come sooner in a test). Delays are never scaled: a
   * follow-up is due at a real time, and one delivered early would only wait again.
   */
  speed?: number;
  /**
   * How many times faster than real time the clock of the processes around it runs (the latency benchmark's scaled
   * clock, bench/support/scaled-clock.ts): a delay is then that much shorter in real time, and on time on that clock.
   */
  clockScale?: number;
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
}

export interface SentMessage {
  queue: string;
  messageId: string;
  body: string;
  delaySeconds: number;
  sentAt: number;
}

export interface LocalSqs {
  url: string;
  /** The queue URL of a queue name, as SQS writes it (its host is where the SDK sends the request). */
  queueUrl(queue: string): string;
  sent: SentMessage[];
  deadLettered: SentMessage[];
  /** Messages waiting for their delay or a retry. */
  pending(): number;
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';
const MAX_DELAY_SECONDS = 900;
const MAX_BODY_BYTES = 256 * 1024;

function answer(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify(body));
}

function refuse(response: ServerResponse, type: string, message: string) {
  answer(response, 400, { __type: `com.amazonaws.sqs#${type}`, message });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLocalSqs(options: LocalSqsOptions): Promise<LocalSqs> {
  const speed = options.speed ?? 1;
  const visibilityMs = ((options.visibilityTimeoutSeconds ?? 30) * 1000) / speed;
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const sent: SentMessage[] = [];
  const deadLettered: SentMessage[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (ms: number, run: () => Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) void run();
    }, ms);
    timers.add(timer);
  };

  const receive = async (message: SentMessage, receiveCount: number) => {
    const event: SQSEvent = {
      Records: [
        {
          messageId: message.messageId,
          receiptHandle: `${message.messageId}:${receiveCount}`,
          body: message.body,
          attributes: {
            ApproximateReceiveCount: String(receiveCount),
            SentTimestamp: String(message.sentAt),
            SenderId: ACCOUNT,
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: createHash('md5').update(message.body).digest('hex'),
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:local:${ACCOUNT}:${message.queue}`,
          awsRegion: 'local',
        },
      ],
    };
    let taken = false;
    try {
      const result = await options.target.deliver(message.queue, event);
      taken = (result?.batchItemFailures ?? []).length === 0;
    } catch {
      taken = false;
    }
    if (taken || closed) return;
    if (receiveCount >= maxReceiveCount) deadLettered.push(message);
    else later(visibilityMs, () => receive(message, receiveCount + 1));
  };

  const server = createServer(async (request, response) => {
    // What SWITCHYARD_QUEUE_URLS must say to reach these queues (README, step 14).
    if (request.method === 'GET' && request.url === '/_sandbox/queue-urls')
      return answer(
        response,
        200,
        Object.fromEntries(
          Object.entries(options.queues ?? {}).map(([key, queue]) => [key, queueUrl(queue)]),
        ),
      );
    const target = String(request.headers['x-amz-target'] ?? '');
    let input: { QueueUrl?: unknown; MessageBody?: unknown; DelaySeconds?: unknown };
    try {
      input = JSON.parse(await readBody(request));
    } catch {
      return refuse(response, 'InvalidParameterValue', 'the request is not JSON');
    }
    if (target !== 'AmazonSQS.SendMessage')
      return refuse(
        response,
        'UnsupportedOperation',
        `${target || 'no X-Amz-Target'}: only SendMessage is offered`,
      );
    const queue = typeof input.QueueUrl === 'string' ? input.QueueUrl.split('/').at(-1) : undefined;
    if (!queue) return refuse(response, 'QueueDoesNotExist', 'QueueUrl names no queue');
    if (typeof input.MessageBody !== 'string' || input.MessageBody.length === 0)
      return refuse(response, 'MissingParameter', 'MessageBody is required');
    if (Buffer.byteLength(input.MessageBody) > MAX_BODY_BYTES)
      return refuse(response, 'InvalidParameterValue', 'MessageBody is over 256 KiB');
    const delaySeconds = input.DelaySeconds === undefined ? 0 : Number(input.DelaySeconds);
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS)
      return refuse(response, 'InvalidParameterValue', `DelaySeconds must be 0 to ${MAX_DELAY_SECONDS}`);
    const message: SentMessage = {
      queue,
      messageId: randomUUID(),
      body: input.MessageBody,
      delaySeconds,
      sentAt: Date.now(),
    };
    sent.push(message);
    if (delaySeconds === 0) await receive(message, 1);
    else later((delaySeconds * 1000) / (options.clockScale ?? 1), () => receive(message, 1));
    answer(response, 200, {
      MessageId: message.messageId,
      MD5OfMessageBody: createHash('md5').update(message.body).digest('hex'),
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  function queueUrl(queue: string) {
    return `${url}/${ACCOUNT}/${queue}`;
  }
  return {
    url,
    queueUrl,
    sent,
    deadLettered,
    pending: () => timers.size,
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
