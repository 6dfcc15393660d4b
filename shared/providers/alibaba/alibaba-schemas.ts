import * as z from 'zod';

/** The RPC API's error body: {RequestId, HostId, Code, Message, Recommend}. */
export const AlibabaErrorBodySchema = z.looseObject({
  RequestId: z.string().optional(),
  HostId: z.string().optional(),
  Code: z.string().optional(),
  Message: z.string().optional(),
  Recommend: z.string().optional(),
});

/** DescribeDBInstanceAttribute: the fields prechecks read (SDK DescribeDBInstanceAttributeResponseBody). */
export const AlibabaInstanceAttributeSchema = z.looseObject({
  DBInstanceId: z.string(),
  DBInstanceStatus: z.string(),
  Engine: z.string(),
  EngineVersion: z.string().optional(),
  DBInstanceType: z.string().optional(),
  LockMode: z.string().optional(),
  LockReason: z.string().optional(),
  RegionId: z.string().optional(),
  CurrentKernelVersion: z.string().optional(),
  LatestKernelVersion: z.string().optional(),
});
export type AlibabaInstanceAttribute = z.infer<typeof AlibabaInstanceAttributeSchema>;

export const AlibabaInstanceAttributeResponseSchema = z.object({
  Items: z.object({ DBInstanceAttribute: z.array(AlibabaInstanceAttributeSchema).default([]) }),
});

/** MigrateStage: precheck | basebackup | startup | increment | switch | success (SDK doc comment). */
export const MIGRATE_STAGES = [
  'precheck',
  'basebackup',
  'startup',
  'increment',
  'switch',
  'success',
] as const;

export const AlibabaCloudMigrationResultSchema = z.object({
  Items: z
    .array(
      z.looseObject({
        TaskId: z.union([z.number(), z.string()]).optional(),
        TaskName: z.string().optional(),
        TargetInstanceName: z.string().optional(),
        SourceIpAddress: z.string().optional(),
        SourcePort: z.union([z.number(), z.string()]).optional(),
        MigrateStage: z.string().optional(),
        ReplicationState: z.string().optional(),
        Detail: z.string().optional(),
        GmtModified: z.string().optional(),
      }),
    )
    .default([]),
});

/** An action that answers only its RequestId (StopDBInstance). */
export const AlibabaRequestIdSchema = z.looseObject({ RequestId: z.string().optional() });

export const AlibabaTaskIdSchema = z.looseObject({
  TaskId: z.union([z.number(), z.string()]),
  TaskName: z.string().optional(),
});

/** One DescribeHistoryTasks item. Status: Scheduled, Running, Succeed, Failed, Cancelling, Canceled, Waiting. */
export const AlibabaHistoryTaskSchema = z.looseObject({
  TaskId: z.union([z.number(), z.string()]),
  TaskType: z.string().optional(),
  Status: z.string(),
  Progress: z.number().optional(),
  CurrentStepName: z.string().optional(),
  StartTime: z.string().optional(),
  EndTime: z.string().optional(),
  InstanceId: z.string().optional(),
  ReasonCode: z.string().optional(),
  TaskDetail: z.string().optional(),
});

/** DescribeHistoryTasks. */
export const AlibabaHistoryTasksSchema = z.object({ Items: z.array(AlibabaHistoryTaskSchema).default([]) });

/** The same answer with its items unread: a batch reads each on its own, so one odd task fails only itself. */
export const AlibabaHistoryTaskItemsSchema = z.object({ Items: z.array(z.unknown()).default([]) });
export type AlibabaHistoryTask = z.infer<typeof AlibabaHistoryTaskSchema>;
