import { z } from 'zod';
import { UnprocessableError } from '../domain/errors.js';
import { OPERATION_KINDS } from '../domain/operation.js';

/** A secret is never written in config: it names where to read it. `value` is for the sandbox only. */
export const SecretRefSchema = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ ssm: z.string().startsWith('/') }),
  z.strictObject({ value: z.string() }),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

/**
 * A pair's own observer of its primary, probed from Switchyard: the application's write-path health URL, say.
 * 2xx is up, a status in `downStatuses` is down, and anything else (a timeout, a refused connection, a redirect,
 * another status) says nothing. When one is configured, it and the provider must both say down.
 */
export const HttpObserverSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().min(100).max(10_000).default(3000),
  downStatuses: z.array(z.number().int().min(400).max(599)).min(1).default([503]),
});
export type HttpObserver = z.infer<typeof HttpObserverSchema>;

/** How a pair reacts to a primary-down alert (issue: automatic failover with the safety that keeps it from harm). */
export const FailoverPolicySchema = z.strictObject({
  /** off: ignore; notify: tell people; dry-run: say what would happen; approve: wait for a person; auto: fail over. */
  mode: z.enum(['off', 'notify', 'dry-run', 'approve', 'auto']).default('notify'),
  /** The alert must still be firing this long after Switchyard first received it (or its startsAt, if later). */
  holdOffSeconds: z.number().int().min(0).max(3600).default(60),
  /** RPO budget: above either, or unknown when requireKnownLag, no automatic promotion. */
  maxLagSeconds: z.number().min(0).optional(),
  maxLagMb: z.number().min(0).optional(),
  /** An unknown lag is a person's call: without a figure Switchyard cannot say what a promotion loses. */
  requireKnownLag: z.boolean().default(true),
  /** After a failover, no automatic one on this pair until acknowledged or this long has passed. */
  cooldownSeconds: z.number().int().min(0).default(3600),
  /**
   * required: nothing is promoted unless the old primary is fenced first, or the provider reports it down (it is
   * then fenced once reachable); best-effort: fencing is tried and its outcome stated; off: never fenced.
   */
  fencing: z.enum(['required', 'best-effort', 'off']).default('required'),
  observer: HttpObserverSchema.optional(),
});
export type FailoverPolicy = z.infer<typeof FailoverPolicySchema>;

const DEFAULT_FAILOVER: FailoverPolicy = {
  mode: 'notify',
  holdOffSeconds: 60,
  requireKnownLag: true,
  cooldownSeconds: 3600,
  fencing: 'required',
};

/** A lag budget a provider cannot measure protects nothing: it is refused at load, naming the key. */
function lagBudgetsMeasurable(provider: string, unmeasurable: readonly ('maxLagSeconds' | 'maxLagMb')[]) {
  return (pair: { failover: FailoverPolicy }, ctx: z.RefinementCtx) => {
    for (const key of unmeasurable)
      if (pair.failover[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['failover', key],
          message: `${provider} reports no replication lag ${key === 'maxLagMb' ? 'in bytes' : 'in time'} for this pair, so ${key} could never be checked; remove it (an unknown lag already waits for a person while requireKnownLag is true)`,
        });
  };
}

const TenantRefSchema = z.strictObject({
  clusterId: z.number().int().positive(),
  tenantId: z.number().int().positive(),
});

export const OceanBasePairSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    provider: z.literal('oceanbase'),
    description: z.string().optional(),
    failover: FailoverPolicySchema.default(DEFAULT_FAILOVER),
    oceanbase: z.strictObject({ primary: TenantRefSchema, standby: TenantRefSchema }),
  })
  // OCP's sync SCN is a time (ocp-provider.ts lagFromScn); it gives no byte position.
  .superRefine(lagBudgetsMeasurable('OceanBase OCP', ['maxLagMb']));

const HuaweiInstanceRefSchema = z.strictObject({
  instanceId: z.string().min(1),
  projectId: z.string().min(1),
  region: z.string().min(1),
  /** The instance's subnet CIDR: build_master_dr_relation needs the DR side's, and ListInstances does not give it. */
  subnetCidr: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'a CIDR such as 192.168.3.0/24')
    .optional(),
});

export const HuaweiPairSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    provider: z.literal('huawei'),
    description: z.string().optional(),
    failover: FailoverPolicySchema.default(DEFAULT_FAILOVER),
    huawei: z.strictObject({ primary: HuaweiInstanceRefSchema, dr: HuaweiInstanceRefSchema }),
  })
  // ShowDrReplicaStatus gives WAL delays in MB; its one time figure is the replay delay, not the data lost.
  .superRefine(lagBudgetsMeasurable('Huawei Cloud', ['maxLagSeconds']));

const AlibabaInstanceRefSchema = z.strictObject({
  instanceId: z.string().min(1),
  /** The instance's region when it differs from the pair's (a cross-region DR instance). */
  regionId: z.string().min(1).optional(),
});

export const AlibabaPairSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    provider: z.literal('alibaba'),
    description: z.string().optional(),
    failover: FailoverPolicySchema.default(DEFAULT_FAILOVER),
    alibaba: z.strictObject({
      regionId: z.string().min(1),
      /** The primary; for a cloud migration, the destination RDS instance that activation makes primary. */
      primary: AlibabaInstanceRefSchema,
      /** The DR/secondary instance that promote-standby makes primary. */
      standby: AlibabaInstanceRefSchema.optional(),
    }),
  })
  // No Alibaba API gives a DR link's lag (providers.md 6.2): DescribeDBInstanceHAConfig covers one instance's nodes.
  .superRefine(lagBudgetsMeasurable('Alibaba Cloud', ['maxLagSeconds', 'maxLagMb']));

export const PairSchema = z.discriminatedUnion('provider', [
  OceanBasePairSchema,
  HuaweiPairSchema,
  AlibabaPairSchema,
]);
export type PairConfig = z.infer<typeof PairSchema>;

export const OceanBaseEndpointSchema = z.strictObject({
  endpoint: z.url(),
  timeoutMs: z.number().int().positive().default(10_000),
  auth: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('aksk'),
      accessKeyId: SecretRefSchema,
      accessKeySecret: SecretRefSchema,
    }),
    z.strictObject({ type: z.literal('basic'), username: SecretRefSchema, password: SecretRefSchema }),
  ]),
});

export const HuaweiEndpointSchema = z.strictObject({
  /** The RDS endpoint; `{region}` is replaced by each instance's region (https://rds.{region}.myhuaweicloud.com). */
  endpoint: z.string().regex(/^https?:\/\/\S+$/, 'an http(s) URL, optionally with {region}'),
  timeoutMs: z.number().int().positive().default(10_000),
  auth: z.strictObject({ accessKeyId: SecretRefSchema, secretAccessKey: SecretRefSchema }),
});

export const AlibabaEndpointSchema = z.strictObject({
  /** The RDS endpoint: https://rds.aliyuncs.com, or a regional one. */
  endpoint: z.url().default('https://rds.aliyuncs.com'),
  /** V3 ACS3-HMAC-SHA256 (what the current SDKs send) or the older RPC HMAC-SHA1 query signature. */
  signature: z.enum(['v3', 'rpc']).default('v3'),
  timeoutMs: z.number().int().positive().default(10_000),
  auth: z.strictObject({ accessKeyId: SecretRefSchema, accessKeySecret: SecretRefSchema }),
});

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

export const ApiKeySchema = z.strictObject({
  name: z.string().min(1),
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

/** Who may do what from chat: a Slack user id maps to a principal and its scopes, as an API key does. */
export const ChatSchema = z.strictObject({
  slack: z
    .strictObject({
      /** The Slack app's signing secret: every slash command is checked against it before anything else. */
      signingSecret: SecretRefSchema,
      users: z
        .array(
          z.strictObject({
            userId: z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U012AB3CDE'),
            principal: z.string().min(1).max(100),
            scopes: z.array(ScopeSchema).min(1),
          }),
        )
        .default([]),
    })
    .optional(),
});
export type ChatConfig = z.infer<typeof ChatSchema>;

const deadlineDefaults = Object.fromEntries(OPERATION_KINDS.map((k) => [k, 3600])) as Record<
  (typeof OPERATION_KINDS)[number],
  number
>;

export const ConfigSchema = z.strictObject({
  providers: z
    .strictObject({
      oceanbase: OceanBaseEndpointSchema.optional(),
      huawei: HuaweiEndpointSchema.optional(),
      alibaba: AlibabaEndpointSchema.optional(),
    })
    .default({}),
  pairs: z.array(PairSchema).default([]),
  apiKeys: z.array(ApiKeySchema).default([]),
  alerting: AlertingSchema.default({ maxAutomaticFailoversPerHour: 2, routes: [] }),
  notifications: NotificationsSchema.default({ console: true, slack: [], webhooks: [], sns: [] }),
  chat: ChatSchema.default({}),
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
    .strictObject({ concurrency: z.number().int().min(1).max(256).default(32) })
    .default({ concurrency: 32 }),
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
