import * as z from 'zod';
import { UnprocessableError } from '../domain/errors.js';
import { OPERATION_KINDS } from '../domain/operation.js';
import { SecretRefSchema } from '../domain/secret-ref.js';
import { type PairConfig, PairSchema, ProviderEndpointsSchema } from '../providers/registry.js';

export type { PairConfig };

/** A webhook source's credential: a bearer token, HTTP basic auth, or both accepted. */
const WebhookAuthSchema = z
  .strictObject({
    bearerToken: SecretRefSchema.optional(),
    basic: z.strictObject({ username: SecretRefSchema, password: SecretRefSchema }).optional(),
  })
  .refine((a) => a.bearerToken !== undefined || a.basic !== undefined, 'give bearerToken, basic, or both');

export const AlertingSchema = z.strictObject({
  /** Prometheus Alertmanager's webhook_config http_config credentials. */
  alertmanager: WebhookAuthSchema.optional(),
  /** Grafana contact point (webhook) credentials. */
  grafana: WebhookAuthSchema.optional(),
  /** SNS topics whose CloudWatch alarm notifications are taken; others are refused. */
  cloudwatch: z.strictObject({ topicArns: z.array(z.string().startsWith('arn:')).min(1) }).optional(),
  /** Across all pairs; past it every pair falls back to approve until the brake is released. */
  maxAutomaticFailoversPerHour: z.number().int().min(0).default(2),
  /** An alert goes to the first route whose labels (or CloudWatch dimensions and AlarmName) all match. */
  routes: z
    .array(
      z.strictObject({
        pair: z.string(),
        match: z
          .record(z.string(), z.string())
          .refine((m) => Object.keys(m).length > 0, 'at least one label'),
      }),
    )
    .default([]),
});
export type Alerting = z.infer<typeof AlertingSchema>;

export const ScopeSchema = z.enum(['read', 'operate', 'approve', 'admin']);
export type Scope = z.infer<typeof ScopeSchema>;

/**
 * The person behind a credential: approvals, self-approval and the two-person rule compare persons, so one person's
 * API key and Slack user are one approver, however many credentials they hold.
 */
export const PersonSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._@-]{0,99}$/i, "a person's name: letters, digits, dots, dashes, @")
  // One person however the config spells them: `Adam` and `adam` are one approver, not two.
  .transform((name) => name.toLowerCase());

export const ApiKeySchema = z.strictObject({
  name: z.string().min(1),
  person: PersonSchema,
  /** SHA-256 of the key, hex: the key itself is never stored. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex characters'),
  scopes: z.array(ScopeSchema).min(1),
});

export const NotificationsSchema = z.strictObject({
  console: z.boolean().default(true),
  slack: z.array(z.strictObject({ name: z.string(), webhookUrl: SecretRefSchema })).default([]),
  webhooks: z.array(z.strictObject({ name: z.string(), url: z.url(), secret: SecretRefSchema })).default([]),
  /** SNS topics for e-mail and paging subscriptions: the notification's text as the message, its JSON as an attribute-free body. */
  sns: z
    .array(
      z.strictObject({ name: z.string(), topicArn: z.string().regex(/^arn:[^:]+:sns:/, 'an SNS topic ARN') }),
    )
    .default([]),
});

/** Who may do what from chat: a Slack user id maps to a person and its scopes, as an API key does. */
export const ChatSchema = z.strictObject({
  slack: z
    .strictObject({
      /** The Slack app's signing secret: every slash command is checked against it before anything else. */
      signingSecret: SecretRefSchema,
      /** The workspace: a signed command from another workspace of the same app is refused. */
      teamId: z.string().regex(/^T[A-Z0-9]{2,}$/, 'a Slack team id such as T012AB3CDE'),
      /** The Slack app, when set: a command for another app is refused. */
      apiAppId: z
        .string()
        .regex(/^A[A-Z0-9]{2,}$/, 'a Slack app id such as A012AB3CDE')
        .optional(),
      /**
       * Where a command's response_url may point: Slack's own hooks host, or an Enterprise Grid one. A response_url
       * elsewhere is refused, since Switchyard would post to it.
       */
      responseUrls: z
        .array(z.url({ protocol: /^https?$/ }))
        .min(1)
        .default(['https://hooks.slack.com/']),
      users: z
        .array(
          z.strictObject({
            userId: z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U012AB3CDE'),
            principal: z.string().min(1).max(100),
            person: PersonSchema,
            scopes: z.array(ScopeSchema).min(1),
          }),
        )
        .default([]),
    })
    .optional(),
});
export type ChatConfig = z.infer<typeof ChatSchema>;

// A drill runs two switchovers, each within its own deadline.
const deadlineDefaults = Object.fromEntries(
  OPERATION_KINDS.map((k) => [k, k === 'drill' ? 7200 : 3600]),
) as Record<(typeof OPERATION_KINDS)[number], number>;

export const ConfigSchema = z.strictObject({
  providers: ProviderEndpointsSchema.default({}),
  pairs: z.array(PairSchema).default([]),
  apiKeys: z.array(ApiKeySchema).default([]),
  alerting: AlertingSchema.default({ maxAutomaticFailoversPerHour: 2, routes: [] }),
  notifications: NotificationsSchema.default({ console: true, slack: [], webhooks: [], sns: [] }),
  chat: ChatSchema.default({}),
  /** The key that seals Switchyard's own queue messages (queue/internal-message.ts); only its roles may read it. */
  internal: z.strictObject({ signingKey: SecretRefSchema }).optional(),
  operations: z
    .strictObject({
      /** Seconds an operation may run before it ends TIMED_OUT. */
      deadlineSeconds: z
        .partialRecord(z.enum(OPERATION_KINDS), z.number().int().positive())
        .default({})
        .transform((given) => ({ ...deadlineDefaults, ...given })),
      /** A target lock expires this long after its last renewal, so a dead holder cannot block forever. */
      lockTtlSeconds: z.number().int().min(60).default(900),
      /** How long an Idempotency-Key is remembered. */
      idempotencyTtlSeconds: z.number().int().min(60).default(86_400),
      /** An operation waiting for approval is CANCELLED when no one approves it within this time. */
      approvalTtlSeconds: z.number().int().min(60).default(1800),
    })
    .default({
      deadlineSeconds: deadlineDefaults,
      lockTtlSeconds: 900,
      idempotencyTtlSeconds: 86_400,
      approvalTtlSeconds: 1800,
    }),
  poller: z
    .strictObject({
      concurrency: z.number().int().min(1).max(256).default(32),
      /**
       * Each active operation and held decision follows itself up through the follow-up queue, seconds after a
       * change, and the scheduled poller is the sweep for what a lost message missed. Off: the poller alone follows
       * everything, once a tick (the design before follow-ups; the benchmark's comparison).
       */
      followUps: z.union([z.boolean(), z.stringbool()]).default(true),
    })
    .default({ concurrency: 32, followUps: true }),
  /**
   * The scheduled evaluation of every pair (readiness, protection; its schedule is SWITCHYARD_READINESS_SCHEDULE):
   * an unprotected pair is announced again every `reminderSeconds` while it stays so.
   */
  readiness: z
    .strictObject({
      reminderSeconds: z
        .number()
        .int()
        .min(300)
        .max(7 * 86_400)
        .default(3600),
    })
    .default({ reminderSeconds: 3600 }),
});
export type Config = z.infer<typeof ConfigSchema>;

/** The configured pair of that name, or a 422 naming the request field that named it (`pair`, `query.pair`). */
export function configuredPair(config: Pick<Config, 'pairs'>, name: string, field: string): PairConfig {
  const pair = config.pairs.find((p) => p.name === name);
  if (!pair)
    throw new UnprocessableError('unknown_pair', `No pair named "${name}" is configured.`, {
      errors: [{ field, message: `no pair named "${name}"` }],
    });
  return pair;
}
