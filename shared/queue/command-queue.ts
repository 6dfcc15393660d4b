import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsRequestHandler } from '../aws/request-handler.js';
import { OPERATION_KINDS, type OperationKind } from '../domain/operation.js';
import { seal } from './internal-message.js';

/** Every queue Switchyard sends to: one per operation kind. */
export const QUEUE_NAMES: readonly OperationKind[] = OPERATION_KINDS;

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

/**
 * SQS: one queue per operation kind, URLs from SWITCHYARD_QUEUE_URLS (set by serverless.yml; locally the sandbox's
 * SQS stand-in, whose host the SDK sends to as it would to a real queue URL's).
 */
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
