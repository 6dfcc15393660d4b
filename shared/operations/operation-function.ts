import { z } from 'zod';
import { AppError, UnprocessableError } from '../domain/errors.js';
import { type Operation, type OperationKind, TriggerSchema } from '../domain/operation.js';
import { routeEvents } from '../http/event-router.js';
import { type HttpResult, httpHandler } from '../http/http-handler.js';
import { sqsHandler } from '../http/sqs-handler.js';
import type { Deps } from './deps.js';
import { dryRunOperation, type RequestOutcome, requestOperation } from './request-operation.js';

/** What every operation request carries, whatever its kind. */
export const CommonRequestFields = {
  pair: z.string().min(1).max(63),
  dryRun: z.boolean().default(false),
  reason: z.string().max(500).optional(),
};

/** Queue messages may also name who asked and carry their own idempotency key. */
export const QueueOnlyFields = {
  requestedBy: z.string().min(1).max(200).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  /** Set by Switchyard's own alert handling: the operation is then `source: alert` and names the alert. */
  trigger: TriggerSchema.optional(),
  /** Wait for people before anything is sent (never fewer than the operation itself needs). */
  approval: z
    .strictObject({
      reason: z.string().min(1).max(1000),
      approversNeeded: z.union([z.literal(1), z.literal(2)]),
    })
    .optional(),
};

const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .optional();

export function operationLocation(operation: Operation): string {
  return `/v1/operations/${operation.id}`;
}

/**
 * The HTTP answer for a request's outcome: 202 accepted, 200 replayed, 422 refused by the precheck, and for a
 * provider's refusal the status its adapter chose (409 state, 422 invalid, 502 provider failure).
 */
export function operationResponse(outcome: RequestOutcome): HttpResult {
  const { operation } = outcome;
  const headers = { location: operationLocation(operation) };
  if (operation.state === 'REJECTED' && outcome.type === 'accepted')
    throw new UnprocessableError('precheck_failed', operation.outcome ?? 'The precheck failed.', {
      operation,
      findings: operation.findings,
    });
  if (operation.state === 'FAILED' && outcome.type === 'accepted') {
    const refusal = operation.submission.refusal;
    throw new AppError(
      'provider_refused',
      refusal?.answerStatus ?? 502,
      operation.outcome ?? 'The provider refused the request.',
      {
        expose: true,
        details: {
          operation,
          providerCode: refusal?.providerCode,
          providerMessage: refusal?.providerMessage,
        },
      },
    );
  }
  if (outcome.type === 'existing')
    return { status: 200, body: { operation }, headers: { ...headers, 'idempotent-replayed': 'true' } };
  return { status: 202, body: { operation }, headers };
}

export interface OperationFunctionSpec<S extends z.ZodObject> {
  kind: OperationKind;
  /** The request body: CommonRequestFields plus the kind's own parameters. */
  schema: S;
  /** The provider parameters taken from a validated body. */
  params(input: z.infer<S>): Record<string, unknown>;
}

/** The Lambda handler of one operation kind: its HTTP route and its SQS queue, one pipeline behind both. */
export function operationFunction<S extends z.ZodObject>(
  spec: OperationFunctionSpec<S>,
  getDeps: () => Promise<Deps>,
) {
  const messageSchema = spec.schema.extend(QueueOnlyFields);

  const http = httpHandler(
    {
      scope: 'operate',
      body: spec.schema,
      async handle({ deps, principal, body, headers, signal }) {
        const input = body as z.infer<S> & { pair: string; dryRun: boolean; reason?: string };
        if (input.dryRun)
          return {
            status: 200,
            body: await dryRunOperation(
              deps,
              { kind: spec.kind, pair: input.pair, params: spec.params(input) },
              { signal },
            ),
          };
        const key = IdempotencyKeySchema.safeParse(headers['idempotency-key']);
        if (!key.success)
          throw new UnprocessableError(
            'invalid_idempotency_key',
            'The Idempotency-Key header is not valid.',
            {
              errors: [{ field: 'headers.idempotency-key', message: key.error.issues[0]?.message }],
            },
          );
        const outcome = await requestOperation(
          deps,
          {
            kind: spec.kind,
            pair: input.pair,
            params: spec.params(input),
            reason: input.reason,
            requestedBy: principal,
            source: 'http',
            idempotencyKey: key.data,
          },
          { signal },
        );
        return operationResponse(outcome);
      },
    },
    getDeps,
  );

  const sqs = sqsHandler(
    {
      schema: messageSchema,
      async handle({ deps, message, record, signal }) {
        const input = message as z.infer<S> & { pair: string; dryRun: boolean; reason?: string } & {
          requestedBy?: string;
          idempotencyKey?: string;
          trigger?: z.infer<typeof TriggerSchema>;
          approval?: { reason: string; approversNeeded: 1 | 2 };
        };
        if (input.dryRun) {
          const result = await dryRunOperation(
            deps,
            { kind: spec.kind, pair: input.pair, params: spec.params(input) },
            { signal },
          );
          console.log(
            `[sqs] dry run of ${spec.kind} on ${input.pair}: ${result.valid ? 'would proceed' : 'would be refused'}`,
          );
          return;
        }
        // A refused or failed operation is recorded and announced: the message has done its job.
        await requestOperation(
          deps,
          {
            kind: spec.kind,
            pair: input.pair,
            params: spec.params(input),
            reason: input.reason,
            requestedBy: {
              principal: input.requestedBy ?? `queue:${record.eventSourceARN?.split(':').at(-1) ?? 'sqs'}`,
              channel: input.trigger ? 'alert' : 'queue',
            },
            source: input.trigger ? 'alert' : 'queue',
            trigger: input.trigger,
            approval: input.approval,
            // SQS may deliver a message twice: its id makes the second delivery the same operation.
            idempotencyKey: input.idempotencyKey ?? record.messageId,
          },
          { signal },
        );
      },
    },
    getDeps,
  );

  return routeEvents({ http, sqs });
}
