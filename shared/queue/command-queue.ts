import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsRequestHandler } from '../aws/request-handler.js';
import { OPERATION_KINDS } from '../domain/operation.js';
import { type QueueName, seal } from './internal-message.js';

/** Every queue Switchyard sends to: each operation kind's (a drill has none: its legs go on their own) and the follow-ups. */
export const QUEUE_NAMES: readonly QueueName[] = [
  ...OPERATION_KINDS.filter((kind) => kind !== 'drill'),
  'follow-up',
];

export interface EnqueueOptions {
  /** SQS holds the message this long before its consumer sees it (0 to 900). */
  delaySeconds?: number;
}

/** The port: hands a message to a queue's consumer (an operation request to its kind's, a follow-up to its own). */
export interface CommandQueue {
  enqueue(queue: QueueName, message: Record<string, unknown>, options?: EnqueueOptions): Promise<void>;
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

  async enqueue(queue: QueueName, message: Record<string, unknown>, options?: EnqueueOptions) {
    await this.carrier.enqueue(queue, seal(queue, message, await this.signingKey(), this.now()), options);
  }
}

/**
 * SQS: one queue per operation kind, URLs from SWITCHYARD_QUEUE_URLS (set by serverless.yml; locally the sandbox's
 * SQS stand-in, whose host the SDK sends to as it would to a real queue URL's).
 */
export class SqsCommandQueue implements CommandQueue {
  constructor(
    private readonly queueUrls: Partial<Record<QueueName, string>>,
    private readonly client: SQSClient = new SQSClient({ requestHandler: awsRequestHandler() }),
  ) {}

  async enqueue(queue: QueueName, message: Record<string, unknown>, options: EnqueueOptions = {}) {
    const url = this.queueUrls[queue];
    if (!url) throw new Error(`no queue is configured for ${queue}`);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify(message),
        ...(options.delaySeconds ? { DelaySeconds: Math.round(options.delaySeconds) } : {}),
      }),
    );
  }
}
