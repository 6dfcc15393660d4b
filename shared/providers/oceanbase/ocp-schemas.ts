import * as z from 'zod';

/** OCP v2 response envelope (OCP API reference, "API call description"). Unknown fields are kept out. */
export const OcpErrorBodySchema = z.object({
  successful: z.literal(false).optional(),
  status: z.number().optional(),
  traceId: z.string().optional(),
  error: z
    .object({
      // OCP Express declares the code an int; OceanBase's own terraform client reads a string: take both.
      code: z.union([z.number(), z.string()]).optional(),
      message: z.string().optional(),
      debugMessage: z.string().optional(),
    })
    .optional(),
});

export const OcpSubtaskSchema = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().optional(),
  status: z.enum(['PENDING', 'READY', 'RUNNING', 'CANCELING', 'FAILED', 'SUCCESSFUL']),
  operation: z.string().optional(),
  seriesId: z.number().optional(),
  timeout: z.number().optional(),
  upstreams: z.array(z.number()).default([]),
  downstreams: z.array(z.number()).default([]),
  startTime: z.string().optional(),
  finishTime: z.string().optional(),
});
export type OcpSubtask = z.infer<typeof OcpSubtaskSchema>;

export const OcpTaskInstanceSchema = z.object({
  id: z.number(),
  name: z.string(),
  // The doc table says "Integer" but every sample and value list is a string.
  status: z.enum(['RUNNING', 'FAILED', 'SUCCESSFUL']),
  tenantId: z.number().optional(),
  clusterId: z.number().optional(),
  operation: z.string().optional(),
  createTime: z.string().optional(),
  startTime: z.string().optional(),
  finishTime: z.string().optional(),
  prohibitRollback: z.boolean().optional(),
  subtasks: z.array(OcpSubtaskSchema).default([]),
});
export type OcpTaskInstance = z.infer<typeof OcpTaskInstanceSchema>;

/**
 * The elements of `checkResults` are not documented beyond their type name (PreCheckResult); we read
 * the fields a check result plausibly carries and fall back to the whole object as text.
 */
export const OcpPreCheckItemSchema = z.looseObject({
  name: z.string().optional(),
  checkItem: z.string().optional(),
  valid: z.boolean().optional(),
  passed: z.boolean().optional(),
  message: z.string().optional(),
});

export const OcpTenantPreCheckSchema = z.object({
  valid: z.boolean(),
  tenantId: z.number().optional(),
  name: z.string().optional(),
  clusterName: z.string().optional(),
  syncScn: z.union([z.number(), z.string()]).optional(),
  checkResults: z.array(OcpPreCheckItemSchema).default([]),
});

/** Tenant-level `switchoverPreCheck` (OCP 4.3): `SwitchoverPreCheckResult`. */
export const OcpSwitchoverPreCheckSchema = z.object({
  valid: z.boolean(),
  tenantId: z.number().optional(),
  name: z.string().optional(),
  clusterId: z.number().optional(),
  clusterName: z.string().optional(),
  standbyCheckResults: OcpTenantPreCheckSchema.optional(),
  // The cluster-level pre-check of OCP <= 4.2 answers `{result: {valid, messages[]}}`; accept its messages too.
  messages: z.array(z.string()).optional(),
});

/** Tenant failoverPreCheck: ObTenantPreCheckResult. */
export const OcpFailoverPreCheckSchema = OcpTenantPreCheckSchema.extend({
  clusterId: z.number().optional(),
  primaryTenantServiceName: z.string().optional(),
});

/** The batch tenant failover answers a page of tasks, one per tenant. */
export const OcpTaskListSchema = z.object({ contents: z.array(z.lazy(() => OcpTaskInstanceSchema)) });

export const OcpSubtaskLogSchema = z.object({ log: z.string().default('') });

export const OcpTaskPageSchema = z.object({
  contents: z.array(
    OcpTaskInstanceSchema.omit({ subtasks: true }).extend({ subtasks: z.array(z.unknown()).optional() }),
  ),
});

export const OcpTenantSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  clusterId: z.number().optional(),
  status: z.string().optional(),
  locked: z.boolean().optional(),
  readonly: z.boolean().optional(),
  /** PRIMARY or STANDBY (tenant-details). */
  clusterType: z.string().optional(),
});

/** An action that answers no data (lock tenant): whatever `data` holds, if any, is not read. */
export const OcpNoDataSchema = z.unknown().optional();

/** Wraps a data schema in the success envelope. */
export function ocpEnvelope<T extends z.ZodType>(data: T) {
  return z.object({ successful: z.literal(true), data });
}
