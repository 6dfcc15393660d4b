import * as z from 'zod';
import { internalSigningKey } from '../config/internal-key.js';
import type { Deps } from '../deps.js';
import { AppError, ConflictError, UnprocessableError } from '../domain/errors.js';
import { ULID_PATTERN } from '../domain/ids.js';
import {
  type Operation,
  type OperationKind,
  operationView,
  type ReplyTo,
  ReplyToSchema,
  TriggerSchema,
} from '../domain/operation.js';
import { chatLine, dryRunMessage } from '../notify/slack-message.js';
import { approveOperation, rejectOperation } from '../operations/approve-operation.js';
import { dryRunOperation, type RequestOutcome, requestOperation } from '../operations/request-operation.js';
import { isSealed, type SealedMessage, SealedMessageSchema, unseal } from '../queue/internal-message.js';
import { logger } from '../telemetry/logger.js';
import { routeEvents } from './event-router.js';
import { type HttpResult, httpHandler } from './http-handler.js';
import { validationError } from './problem.js';
import { sqsHandler } from './sqs-handler.js';

/** What every operation request carries, whatever its kind. */
export const CommonRequestFields = {
  pair: z.string().min(1).max(63),
  dryRun: z.boolean().default(false),
  reason: z.string().max(500).optional(),
};

/** Any queue sender may name its own idempotency key. */
export const QueueFields = {
  idempotencyKey: z.string().min(1).max(200).optional(),
};

/**
 * Claims only Switchyard's own sealed messages may make (queue/internal-message.ts): who asked, the alert behind
 * it, the approval it needs, the chat conversation to answer. From any other sender they are refused, naming them.
 */
export const SealedOnlyFields = {
  requestedBy: z.string().min(1).max(200).optional(),
  /** The person behind `requestedBy`, for the two-person rule. */
  requestedByPerson: z.string().min(1).max(100).optional(),
  /** Where the request came from when not a plain queue sender: the chat command that enqueued it. */
  source: z.enum(['queue', 'chat']).optional(),
  /** The chat conversation to answer in: the outcome and each state change are posted there. */
  replyTo: ReplyToSchema.optional(),
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

/** A person's decision on a waiting operation, sent from chat, sealed: the operation's own queue carries it. */
export const DecisionMessageSchema = z.strictObject({
  decide: z.enum(['approve', 'reject']),
  operationId: z.string().regex(ULID_PATTERN, 'an operation id (ULID)'),
  by: z.string().min(1).max(200),
  /** The person behind `by`, for the two-person rule. */
  person: z.string().min(1).max(100).optional(),
  comment: z.string().max(500).optional(),
  replyTo: ReplyToSchema.optional(),
});
export type DecisionMessage = z.infer<typeof DecisionMessageSchema>;

/** Fields that make a claim: only a sealed message may carry them. */
const SEALED_ONLY_KEYS = [
  ...Object.keys(SealedOnlyFields),
  ...Object.keys(DecisionMessageSchema.shape),
].filter((key) => !(key in CommonRequestFields));

/** A queue body: Switchyard's own sealed message, or an outside sender's plain request. */
type QueueBody<R> = { sealed: SealedMessage } | { request: R };

/**
 * An outside sender's message is a plain request: a claim only Switchyard may make is refused, naming it. A sealed
 * one is checked (signature, age) in the handler, where the key is at hand, and then read as what it carries.
 */
function queueMessageSchema<S extends z.ZodObject>(requestSchema: S) {
  const external = requestSchema.extend(QueueFields);
  return z.unknown().transform((value, ctx): QueueBody<z.infer<typeof external>> => {
    if (isSealed(value)) {
      const sealed = SealedMessageSchema.safeParse(value);
      if (sealed.success) return { sealed: sealed.data };
      for (const issue of sealed.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
      return z.NEVER;
    }
    if (typeof value === 'object' && value !== null)
      for (const key of SEALED_ONLY_KEYS.filter((k) => k in value))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: "only Switchyard's own sealed messages may carry this: it is a claim a sender cannot make",
        });
    const parsed = external.safeParse(value);
    if (parsed.success) return { request: parsed.data };
    for (const issue of parsed.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  });
}

/** What a sealed message carries, once its seal is checked: a request with its claims, or a person's decision. */
async function openSeal<S extends z.ZodObject>(
  deps: Deps,
  sealed: SealedMessage,
  kind: OperationKind,
  requestSchema: S,
) {
  const payload = unseal(sealed, {
    key: await internalSigningKey(deps.config, deps.secrets),
    kind,
    now: deps.now(),
    maxAgeMs: deps.config.operations.idempotencyTtlSeconds * 1000,
  });
  const schema = isDecision(payload)
    ? DecisionMessageSchema
    : requestSchema.extend(QueueFields).extend(SealedOnlyFields);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw validationError(parsed.error, 'body.switchyard.payload');
  return parsed.data as DecisionMessage | z.infer<S>;
}

function isDecision(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'decide' in value;
}

/** A refusal a person should read (pair busy, self-approval, unknown pair): said in chat, not retried. */
function isRefusal(error: unknown): error is AppError {
  return error instanceof AppError && error.expose && error.statusCode < 500;
}

/** Answers the chat conversation with a refusal, or lets the queue retry anything else (then the DLQ). */
async function replyOrRethrow(deps: Deps, replyTo: ReplyTo | undefined, error: unknown, what: string) {
  if (!replyTo || !isRefusal(error)) throw error;
  await deps.replies.reply(replyTo, chatLine(`${what} was refused: ${error.message}`, ':no_entry:'));
}

/** The Idempotency-Key header: what makes a retried request the same operation. */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .optional();

export function operationLocation(operation: Operation): string {
  return `/v1/operations/${operation.id}`;
}

/** The HTTP status of a provider's refusal: its target's state, the request, or the provider failing. */
const REFUSAL_STATUS = { state: 409, request: 422, provider: 502 } as const;

/**
 * The HTTP answer for a request's outcome: 202 accepted, 200 replayed, 422 refused by the precheck, and for a
 * provider's refusal the status its adapter chose (409 state, 422 invalid, 502 provider failure).
 */
export function operationResponse(outcome: RequestOutcome): HttpResult {
  const { operation } = outcome;
  const headers = { location: operationLocation(operation) };
  const failed = operation.findings.filter((f) => !f.passed);
  // Refused by safety rules alone: the request itself is fine, the pair's state forbids it now.
  if (
    operation.state === 'REJECTED' &&
    outcome.type === 'accepted' &&
    failed.length > 0 &&
    failed.every((f) => f.safety)
  )
    throw new ConflictError(operation.outcome ?? 'A safety rule refuses the request.', {
      operation: operationView(operation),
      rules: failed.map((f) => f.rule),
      findings: operation.findings,
    });
  if (operation.state === 'REJECTED' && outcome.type === 'accepted')
    throw new UnprocessableError('precheck_failed', operation.outcome ?? 'The precheck failed.', {
      operation: operationView(operation),
      findings: operation.findings,
    });
  if (operation.state === 'FAILED' && outcome.type === 'accepted') {
    const refusal = operation.submission.refusal;
    throw new AppError(
      'provider_refused',
      REFUSAL_STATUS[refusal?.refusedFor ?? 'provider'],
      operation.outcome ?? 'The provider refused the request.',
      {
        expose: true,
        details: {
          operation: operationView(operation),
          providerCode: refusal?.providerCode,
          providerMessage: refusal?.providerMessage,
        },
      },
    );
  }
  if (outcome.type === 'existing')
    return {
      status: 200,
      body: { operation: operationView(operation) },
      headers: { ...headers, 'idempotent-replayed': 'true' },
    };
  return { status: 202, body: { operation: operationView(operation) }, headers };
}

/** A person's approval or rejection from chat; the outcome is said back in the conversation. */
async function decideFromQueue(deps: Deps, message: DecisionMessage, signal: AbortSignal) {
  const by = { principal: message.by, channel: 'chat' as const, person: message.person };
  const what = `Your ${message.decide === 'approve' ? 'approval' : 'rejection'} of ${message.operationId}`;
  try {
    const operation =
      message.decide === 'approve'
        ? await approveOperation(deps, message.operationId, by, message.comment, { signal })
        : await rejectOperation(deps, message.operationId, by, message.comment);
    if (message.replyTo) {
      const waiting = operation.state === 'PENDING_APPROVAL' && operation.approval;
      const text = waiting
        ? `${what} is recorded (${waiting.approvals.length} of ${waiting.approversNeeded}); it still waits for another person.`
        : `${what} is recorded: ${operation.kind} on ${operation.pair} is now ${operation.state}.`;
      await deps.replies.reply(message.replyTo, chatLine(text));
    }
  } catch (error) {
    await replyOrRethrow(deps, message.replyTo, error, what);
  }
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
      schema: queueMessageSchema(spec.schema),
      async handle({ deps, message: body, record, signal }) {
        const message =
          'sealed' in body ? await openSeal(deps, body.sealed, spec.kind, spec.schema) : body.request;
        if ('decide' in message) {
          await decideFromQueue(deps, message as DecisionMessage, signal);
          return;
        }
        const input = message as z.infer<S> & { pair: string; dryRun: boolean; reason?: string } & {
          requestedBy?: string;
          requestedByPerson?: string;
          idempotencyKey?: string;
          source?: 'queue' | 'chat';
          replyTo?: ReplyTo;
          trigger?: z.infer<typeof TriggerSchema>;
          approval?: { reason: string; approversNeeded: 1 | 2 };
        };
        const source = input.trigger ? 'alert' : (input.source ?? 'queue');
        const what = `${spec.kind} on ${input.pair}`;
        try {
          if (input.dryRun) {
            const result = await dryRunOperation(
              deps,
              { kind: spec.kind, pair: input.pair, params: spec.params(input) },
              { signal },
            );
            logger.info(`dry run of ${what}: ${result.valid ? 'would proceed' : 'would be refused'}`, {
              scope: 'sqs',
              pair: input.pair,
              kind: spec.kind,
            });
            if (input.replyTo) await deps.replies.reply(input.replyTo, dryRunMessage(what, result));
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
                channel: source,
                ...(input.requestedByPerson ? { person: input.requestedByPerson } : {}),
              },
              source,
              trigger: input.trigger,
              approval: input.approval,
              replyTo: input.replyTo,
              // SQS may deliver a message twice: its id (a seal's own signature, which a re-send keeps) makes the
              // second delivery the same operation.
              idempotencyKey:
                input.idempotencyKey ??
                ('sealed' in body ? body.sealed.switchyard.signature : record.messageId),
              // Only Switchyard's own messages reach its own key namespaces (an alert's claim on its pair).
              idempotencyScope: 'sealed' in body ? 'switchyard' : 'caller',
            },
            { signal },
          );
        } catch (error) {
          // An alert's promotion that finds its pair taken is over: by a retry the alert may be long gone.
          if (input.trigger && error instanceof ConflictError) {
            logger.warn(`${what} for an alert was refused, not retried: ${error.message}`, {
              scope: 'sqs',
              decisionId: input.trigger.decisionId,
              pair: input.pair,
              kind: spec.kind,
            });
            return;
          }
          await replyOrRethrow(deps, input.replyTo, error, what);
        }
      },
    },
    getDeps,
  );

  return routeEvents({ http, sqs });
}
