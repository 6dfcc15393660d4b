import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import type { Deps } from '../deps.js';
import { describeError } from '../domain/errors.js';
import { TIMEOUT_EARLY_MS, workSignal } from './http-handler.js';
import { fieldIssues } from './problem.js';

export interface QueueMessageContext<M> {
  deps: Deps;
  message: M;
  record: SQSRecord;
  signal: AbortSignal;
}

export interface QueueConsumer<S extends z.ZodType> {
  schema: S;
  handle(context: QueueMessageContext<z.infer<S>>): Promise<void>;
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

/**
 * An SQS consumer reporting partial batch failures: a bad or failing message is returned in
 * `batchItemFailures` (and reaches the DLQ after its retries) without failing its neighbours.
 * Messages are handled one after another, so two for the same pair meet the pair lock in order.
 */
export function sqsHandler<S extends z.ZodType>(consumer: QueueConsumer<S>, getDeps: () => Promise<Deps>) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>({
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
  }).handler(async (event, context, { signal }) => {
    const work = workSignal(context, signal);
    const deps = await getDeps();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const message = parseRecord(consumer.schema, record);
        await consumer.handle({ deps, message, record, signal: work });
      } catch (error) {
        // The message id and the reason only: bodies may carry secrets.
        console.error(`[sqs] message ${record.messageId} failed: ${describeError(error)}`);
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  });
}
