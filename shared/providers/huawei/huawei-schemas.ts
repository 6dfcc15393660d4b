import * as z from 'zod';

/** RDS v3 error body (and API Gateway's, whose codes start with APIGW.). */
export const HuaweiErrorBodySchema = z.object({
  error_code: z.string().optional(),
  error_msg: z.string().optional(),
  // v1-style bodies.
  errCode: z.string().optional(),
  externalMessage: z.string().optional(),
});

/** InstanceResponse, the fields prechecks read (SDK model InstanceResponse.ts). */
export const HuaweiInstanceSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  status: z.string(),
  type: z.string(),
  datastore: z.object({ type: z.string(), version: z.string(), complete_version: z.string().optional() }),
  // The SDK declares cpu and mem as strings; accept numbers too.
  cpu: z.union([z.string(), z.number()]).optional(),
  mem: z.union([z.string(), z.number()]).optional(),
  volume: z.object({ type: z.string().optional(), size: z.number() }).optional(),
  /** postPaid (pay-per-use) or prePaid (yearly/monthly). */
  charge_info: z.looseObject({ charge_mode: z.string().optional() }).optional(),
  region: z.string().optional(),
  private_ips: z.array(z.string()).default([]),
  nodes: z
    .array(
      z.looseObject({
        id: z.string().optional(),
        role: z.string().optional(),
        status: z.string().optional(),
      }),
    )
    .default([]),
});
export type HuaweiInstance = z.infer<typeof HuaweiInstanceSchema>;

export const HuaweiInstanceListSchema = z.object({
  instances: z.array(HuaweiInstanceSchema).default([]),
  total_count: z.number().optional(),
});

export const HuaweiJobIdSchema = z.object({ job_id: z.string() });

/** ListJobInfo: `{job}`; status Running | Completed | Failed (SDK GetJobInfoResponseBodyJob). */
export const HuaweiJobSchema = z.object({
  job: z.looseObject({
    id: z.string(),
    name: z.string().optional(),
    status: z.enum(['Running', 'Completed', 'Failed']),
    created: z.string().optional(),
    ended: z.string().optional(),
    process: z.string().optional(),
    fail_reason: z.string().optional(),
    instance: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(),
  }),
});
export type HuaweiJob = z.infer<typeof HuaweiJobSchema>['job'];

/** ListTasks (instant tasks) for one instance (SDK ListTasksResponse, Task). */
export const HuaweiTaskListSchema = z.object({
  tasks: z
    .array(
      z.looseObject({
        id: z.string(),
        name: z.string().optional(),
        instance_id: z.string().optional(),
        status: z.string().optional(),
        process: z.string().optional(),
        create_time: z.string().optional(),
      }),
    )
    .default([]),
  total_count: z.number().optional(),
});

/** ShowDrReplicaStatus: every value is a string; replica_state "0" normal, "-1" abnormal. */
export const HuaweiDrReplicaStatusSchema = z.object({
  replica_state: z.string().optional(),
  wal_write_receive_delay_in_mb: z.string().optional(),
  wal_write_replay_delay_in_mb: z.string().optional(),
  wal_receive_replay_delay_in_ms: z.string().optional(),
});
export type HuaweiDrReplicaStatus = z.infer<typeof HuaweiDrReplicaStatusSchema>;

/** ListDrInfos. The `status` enum is not documented beyond "failed". */
export const HuaweiDrInfosSchema = z.object({
  total_count: z.number().optional(),
  instance_dr_infos: z
    .array(
      z.looseObject({
        id: z.string().optional(),
        status: z.string().optional(),
        failed_message: z.string().optional(),
        master_instance_id: z.string().optional(),
        slave_instance_id: z.string().optional(),
        build_process: z.string().optional(),
      }),
    )
    // No default: an answer without the list says nothing, which is not "no relation".
    .optional(),
});
