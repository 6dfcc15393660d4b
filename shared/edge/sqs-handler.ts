import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';
import { withInvocationSignal } from '../aws/request-handler.js';
import type { Deps } from '../deps.js';
import { describeError } from '../domain/errors.js';
import { logger } from '../telemetry/logger.js';
import { observed } from '../telemetry/middleware.js';
import { fieldIssues } from './problem.js';
import { TIMEOUT_EARLY_MS, workSignal } from './work-signal.js';

export interface QueueMessageContext<M> {
  deps: Deps;
  message: M;
  record: SQSRecord;
  signal: AbortSignal;
}

export interface QueueConsumer<S extends z.ZodType> {
  schema: S;
  handle(context: QueueMessageContext<z.infer<S>>): Promise<void>;
  /**
   * Handle a batch's messages at once rather than in order: only for messages each guarded by its own conditional
   * writes, where order means nothing (follow-ups). Their provider reads then meet in one list call. A message
   * delivered twice in one batch (SQS delivers at least once) is still handled after its twin, which it then finds
   * done.
   */
  inParallel?: boolean;
}

function parseRecord<S extends z.ZodType>(schema: S, record: SQSRecord): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new Error('body: not valid JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success)
    throw new Error(
      fieldIssues(result.error, 'body')
        .map((i) => `${i.field}: ${i.message}`)
        .join('; '),
    );
  return result.data;
}

/** The pair a message is about, plain or sealed, for the log line of its failure. */
function correlationOf(message: unknown): Record<string, unknown> {
  if (typeof message !== 'object' || message === null) return {};
  // An operation queue's body is `{ sealed: { switchyard: {…} } }` or `{ request: {…} }` (operation-function.ts).
  const { sealed: envelope, request } = message as { sealed?: { switchyard?: unknown }; request?: unknown };
  const sealed = envelope?.switchyard as { kind?: unknown; payload?: unknown } | undefined;
  const body = sealed && typeof sealed.payload === 'string' ? safeJson(sealed.payload) : (request ?? message);
  const pair = typeof body === 'object' && body !== null ? (body as { pair?: unknown }).pair : undefined;
  return {
    ...(typeof pair === 'string' ? { pair } : {}),
    ...(sealed && typeof sealed.kind === 'string' ? { sealedKind: sealed.kind } : {}),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One message parsed and handled; a failure is logged by message id and reason only, as bodies may carry secrets. */
function recordHandler<S extends z.ZodType>(consumer: QueueConsumer<S>, deps: Deps, signal: AbortSignal) {
  return async (record: SQSRecord) => {
    let about: Record<string, unknown> = {};
    try {
      const message = parseRecord(consumer.schema, record);
      about = correlationOf(message);
      await consumer.handle({ deps, message, record, signal });
    } catch (error) {
      const reason = describeError(error);
      logger.error('a queue message failed', { scope: 'sqs', messageId: record.messageId, ...about, reason });
      // Powertools reads the message of what is thrown: anything else thrown is made an Error.
      throw error instanceof Error ? error : new Error(reason);
    }
  };
}

/** Records handled at once, but one whose body is the same as an earlier one's waits for it to end first. */
function afterItsTwin(handle: (record: SQSRecord) => Promise<void>) {
  const last = new Map<string, Promise<unknown>>();
  return (record: SQSRecord) => {
    const mine = (last.get(record.body) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => handle(record));
    last.set(record.body, mine);
    return mine;
  };
}

/**
 * An SQS consumer reporting partial batch failures (Powertools Batch): a bad or failing message is returned in
 * `batchItemFailures` (and reaches the DLQ after its retries) without failing its neighbours, even when every
 * message fails. Messages are handled one after another, so two for the same pair meet the pair lock in order,
 * unless the consumer says order means nothing to it (`inParallel`).
 */
export function sqsHandler<S extends z.ZodType>(consumer: QueueConsumer<S>, getDeps: () => Promise<Deps>) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>({
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
  })
    .use(observed())
    .handler(async (event, context, { signal }) =>
      withInvocationSignal(signal, async () => {
        const work = workSignal(context, signal);
        const deps = await getDeps();
        // A processor per batch: it keeps the batch on itself, and one container may run two batches at once.
        const handle = recordHandler(consumer, deps, work);
        return processPartialResponse(
          event,
          consumer.inParallel ? afterItsTwin(handle) : handle,
          new BatchProcessor(EventType.SQS),
          {
            context,
            processInParallel: consumer.inParallel ?? false,
            // A batch that failed whole is still answered message by message, each retried and dead-lettered alone.
            throwOnFullBatchFailure: false,
          },
        );
      }),
    );
}
