import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Dispatcher, request } from 'undici';
import { awsRequestHandler } from '../aws/request-handler.js';
import type { OperationKind } from '../domain/operation.js';
import { logger } from '../telemetry/logger.js';
import { seal } from './internal-message.js';

/** The port: hands an operation request to that operation's queue consumer. */
export interface CommandQueue {
  enqueue(kind: OperationKind, message: Record<string, unknown>): Promise<void>;
}

/**
 * Seals every message before it goes (internal-message.ts): what Switchyard enqueues is its own, and carries
 * claims (who asked, the alert, the approval) only a sealed message may make.
 */
export class SealingCommandQueue implements CommandQueue {
  constructor(
    private readonly carrier: CommandQueue,
    /** The signing key, read when a message is sent: a function that sends none never reads it. */
    private readonly signingKey: () => Promise<string>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async enqueue(kind: OperationKind, message: Record<string, unknown>) {
    await this.carrier.enqueue(kind, seal(kind, message, await this.signingKey(), this.now()));
  }
}

/** SQS: one queue per operation kind, URLs from SWITCHYARD_QUEUE_URLS (set by serverless.yml). */
export class SqsCommandQueue implements CommandQueue {
  constructor(
    private readonly queueUrls: Partial<Record<OperationKind, string>>,
    private readonly client: SQSClient = new SQSClient({ requestHandler: awsRequestHandler() }),
  ) {}

  async enqueue(kind: OperationKind, message: Record<string, unknown>) {
    const url = this.queueUrls[kind];
    if (!url) throw new Error(`no queue is configured for ${kind}`);
    await this.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }));
  }
}

/**
 * Local stand-in for SQS: invokes the consumer through serverless offline's Lambda endpoint with an
 * SQS-shaped event, as SQS would.
 */
export class LambdaEndpointCommandQueue implements CommandQueue {
  constructor(
    private readonly endpoint: string,
    private readonly functionPrefix: string,
    private readonly dispatcher?: Dispatcher,
  ) {}

  async enqueue(kind: OperationKind, message: Record<string, unknown>) {
    const messageId = crypto.randomUUID();
    const event = {
      Records: [
        {
          messageId,
          receiptHandle: messageId,
          body: JSON.stringify(message),
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:local:000000000000:${this.functionPrefix}${kind}`,
          awsRegion: 'local',
        },
      ],
    };
    const response = await request(
      `${this.endpoint}/2015-03-31/functions/${this.functionPrefix}${kind}/invocations`,
      {
        method: 'POST',
        body: JSON.stringify(event),
        dispatcher: this.dispatcher,
      },
    );
    const text = await response.body.text();
    if (response.statusCode >= 300)
      throw new Error(`local invoke of ${kind} answered ${response.statusCode}: ${text.slice(0, 200)}`);
    // SQS takes a message whatever its consumer later makes of it: a refused one is retried, then dead-lettered.
    const failures = (JSON.parse(text || '{}') as { batchItemFailures?: unknown[] }).batchItemFailures ?? [];
    if (failures.length > 0)
      logger.warn(
        'the consumer did not take a message; SQS would retry it, then move it to the dead-letter queue',
        {
          scope: 'queue',
          kind,
          messageId,
        },
      );
  }
}
