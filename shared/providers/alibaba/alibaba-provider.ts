import { describeError } from '../../domain/errors.js';
import type { Finding, JobRef, Step, StepStatus } from '../../domain/operation.js';
import {
  CLOCK_SKEW_MS,
  checked,
  fail,
  JobPerPhaseDriver,
  jobStep,
  pass,
  warn,
  withResult,
} from '../driver-base.js';
import type {
  CallOptions,
  Fencer,
  JobStatus,
  Observation,
  OperationInput,
  PrecheckResult,
  PrimaryVerdict,
  ProviderCheck,
  SubmittedJob,
  Target,
} from '../provider.js';
import type { AlibabaRdsClient } from './alibaba-client.js';
import { type AlibabaHistoryTask, type AlibabaInstanceAttribute, MIGRATE_STAGES } from './alibaba-schemas.js';

/** Statuses in which an instance takes no connections. */
const STOPPED: ReadonlySet<string> = new Set(['Stopped', 'Stopping']);

/** An Alibaba pair as configured: a primary and, for DR, its standby. */
export interface AlibabaPairIds {
  regionId: string;
  primary: { instanceId: string; regionId?: string };
  standby?: { instanceId: string; regionId?: string };
}

export function alibabaTarget(ids: AlibabaPairIds): Target {
  const target: Target = {
    primaryInstanceId: ids.primary.instanceId,
    primaryRegionId: ids.primary.regionId ?? ids.regionId,
  };
  if (ids.standby) {
    target.standbyInstanceId = ids.standby.instanceId;
    target.standbyRegionId = ids.standby.regionId ?? ids.regionId;
  }
  return target;
}

type Side = 'primary' | 'standby';

/** History tasks are searched in a window around the submission (FromStartTime/ToStartTime are required). */
const WINDOW_MS = 60 * 60 * 1000;

const TASK_STATUS: Record<string, JobStatus['status']> = {
  Scheduled: 'running',
  Waiting: 'running',
  Running: 'running',
  Succeed: 'succeeded',
  Failed: 'failed',
  Cancelling: 'failed',
  Canceled: 'failed',
};

function stepStatus(status: JobStatus['status']): StepStatus {
  return status === 'succeeded' ? 'succeeded' : status === 'failed' ? 'failed' : 'running';
}

function taskReason(task: AlibabaHistoryTask): string {
  const detail = task.TaskDetail && task.TaskDetail !== '{}' ? `: ${task.TaskDetail.slice(0, 400)}` : '';
  return `task ${task.TaskId} ${task.Status}${task.ReasonCode ? ` (${task.ReasonCode})` : ''}${detail}`;
}

/** What every Alibaba driver shares: the instance checks, the submission and following a history task. */
abstract class AlibabaDriver extends JobPerPhaseDriver<Side> {
  constructor(
    protected readonly client: AlibabaRdsClient,
    protected readonly now: () => number = Date.now,
  ) {
    super();
  }

  protected abstract send(
    input: OperationInput,
    signal?: AbortSignal,
  ): Promise<{ TaskId: number | string; TaskName?: string }>;

  instanceOf(input: OperationInput): string {
    return String(input.target[`${this.sideOf(input)}InstanceId`]);
  }

  async submit(input: OperationInput, options: CallOptions = {}): Promise<SubmittedJob> {
    const out = await this.send(input, options.signal);
    return { id: String(out.TaskId), name: out.TaskName ?? this.stepOf(input).name };
  }

  async findSubmitted(input: OperationInput & { since: string }, options: CallOptions = {}) {
    // Alibaba does not document the TaskType of these actions: any task on the instance since our
    // submission counts; the pair lock and the running-state precheck make a stranger's unlikely.
    const since = Date.parse(input.since) - CLOCK_SKEW_MS;
    const tasks = await this.client.describeHistoryTasks(
      {
        instanceId: this.instanceOf(input),
        regionId: String(input.target[`${this.sideOf(input)}RegionId`]),
        from: new Date(since),
        to: new Date(this.now() + 60_000),
      },
      options.signal,
    );
    const task = tasks.find((t) => Date.parse(t.StartTime ?? '') >= since);
    return task ? { id: String(task.TaskId), name: task.TaskType } : undefined;
  }

  /** The history task as the step; not listed yet means still starting. */
  async followTask(
    job: JobRef,
    input: OperationInput,
    signal?: AbortSignal,
  ): Promise<{ status: JobStatus['status']; step: Step; task?: AlibabaHistoryTask }> {
    const { id, name } = this.stepOf(input);
    const submitted = Date.parse(job.submittedAt);
    const task = await this.client.historyTask(
      { taskId: job.id, from: new Date(submitted - WINDOW_MS), to: new Date(this.now() + WINDOW_MS) },
      signal,
    );
    if (!task)
      return {
        status: 'running',
        step: jobStep(id, name, 'running', { message: `task ${job.id} not listed yet` }),
      };
    const status = TASK_STATUS[task.Status] ?? 'running';
    return {
      status,
      task,
      step: jobStep(id, name, stepStatus(status), {
        startedAt: task.StartTime,
        finishedAt: task.EndTime,
        progress: task.Progress,
        message: status === 'failed' ? taskReason(task) : task.CurrentStepName,
      }),
    };
  }

  async followJob(job: JobRef, input: OperationInput, options: CallOptions = {}): Promise<JobStatus> {
    const { status, step, task } = await this.followTask(job, input, options.signal);
    if (status === 'failed')
      return { status, steps: [step], failedStep: step.name, message: task ? taskReason(task) : undefined };
    return { status, steps: [step] };
  }

  /** The instance on `side`, with findings for existing, running and unlocked. */
  protected async checkInstance(
    input: OperationInput,
    side: Side,
    findings: Finding[],
    signal?: AbortSignal,
  ) {
    const id = input.target[`${side}InstanceId`];
    if (id === undefined) {
      findings.push(
        fail(`${side}.configured`, `the pair names no ${side} instance (pairs[].alibaba.${side})`),
      );
      return undefined;
    }
    const instance = await this.client.describeInstance(String(id), signal);
    if (!instance) {
      findings.push(fail(`${side}.exists`, `Alibaba Cloud knows no instance ${id}`));
      return undefined;
    }
    findings.push(
      instance.DBInstanceStatus === 'Running'
        ? pass(`${side}.running`, `${side} ${id} is Running`)
        : fail(`${side}.running`, `${side} ${id} is ${instance.DBInstanceStatus}, not Running`),
      (instance.LockMode ?? 'Unlock') === 'Unlock'
        ? pass(`${side}.unlocked`, `${side} ${id} is not locked`)
        : fail(
            `${side}.unlocked`,
            `${side} ${id} is locked (${instance.LockMode}${instance.LockReason ? `: ${instance.LockReason}` : ''})`,
          ),
    );
    return instance;
  }

  protected checkEngine(instance: AlibabaInstanceAttribute, engines: readonly string[], findings: Finding[]) {
    findings.push(
      engines.includes(instance.Engine)
        ? pass(
            'engine',
            `${instance.DBInstanceId} runs ${instance.Engine} ${instance.EngineVersion ?? ''}`.trim(),
          )
        : fail(
            'engine',
            `this operation is for ${engines.join(' or ')}; ${instance.DBInstanceId} runs ${instance.Engine}`,
          ),
    );
  }
}

/** activate-migration-target: cut a self-managed PostgreSQL over to its RDS destination. */
export class AlibabaActivateMigrationDriver extends AlibabaDriver {
  sideOf(): Side {
    return 'primary';
  }

  stepOf(input: OperationInput) {
    return {
      id: 'ActivateMigrationTargetInstance',
      name: `Switch workloads over to ${input.target.primaryInstanceId}`,
    };
  }

  /** The migration's stages as steps, then the switch task. */
  override plannedSteps(input: OperationInput): Step[] {
    return [...stageSteps('increment'), ...super.plannedSteps(input)];
  }

  async precheck(input: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const findings: Finding[] = [];
    const instance = await this.checkInstance(input, 'primary', findings, options.signal);
    if (!instance) return this.result(findings, input.target);
    this.checkEngine(instance, ['PostgreSQL'], findings);
    const { Items } = await this.client.describeCloudMigrationResult(instance.DBInstanceId, options.signal);
    const latest = [...Items].sort((a, b) => (b.GmtModified ?? '').localeCompare(a.GmtModified ?? ''))[0];
    if (!latest) {
      findings.push(fail('migration.task', `no cloud migration task targets ${instance.DBInstanceId}`));
      return this.result(findings, input.target);
    }
    findings.push(
      latest.MigrateStage === 'increment'
        ? pass('migration.stage', 'the migration is at stage increment: incremental sync is running')
        : fail(
            'migration.stage',
            `the migration is at stage "${latest.MigrateStage}"; activation needs stage "increment"`,
          ),
    );
    if (latest.ReplicationState && latest.ReplicationState !== 'streaming')
      findings.push(
        warn(
          'migration.replication',
          `replication from the source is "${latest.ReplicationState}", not streaming`,
        ),
      );
    findings.push(
      warn(
        'migration.switch',
        `workloads move from the self-managed source ${latest.SourceIpAddress ?? '?'}:${latest.SourcePort ?? '?'} to ${instance.DBInstanceId}${input.params.force === true ? '; ForceSwitch is set' : ''}`,
      ),
    );
    return this.result(findings, {
      ...input.target,
      migrationTask: String(latest.TaskId ?? latest.TaskName ?? ''),
    });
  }

  protected send(input: OperationInput, signal?: AbortSignal) {
    return this.client.activateMigrationTargetInstance(
      String(input.target.primaryInstanceId),
      input.params.force === true,
      signal,
    );
  }

  override async followJob(
    job: JobRef,
    input: OperationInput,
    options: CallOptions = {},
  ): Promise<JobStatus> {
    const { signal } = options;
    const switched = await this.followTask(job, input, signal);
    const { Items } = await this.client.describeCloudMigrationResult(
      String(input.target.primaryInstanceId),
      signal,
    );
    const migration = Items.find((i) => String(i.TaskId) === String(input.target.migrationTask)) ?? Items[0];
    const stage = migration?.MigrateStage ?? 'switch';
    const steps = [...stageSteps(stage), switched.step];
    // The cut-over is done when the migration says success; failure signalling there is undocumented, so the task's word decides.
    if (stage === 'success')
      return {
        status: 'succeeded',
        steps: stageSteps('success').concat({ ...switched.step, status: 'succeeded', progress: 100 }),
      };
    if (switched.status === 'failed')
      return {
        status: 'failed',
        steps,
        failedStep: switched.step.name,
        message: `${switched.step.message ?? 'the switch failed'}${migration?.Detail ? `; migration detail: ${migration.Detail.slice(0, 300)}` : ''}`,
      };
    return { status: 'running', steps };
  }
}

/** The migration's documented stages as steps: those before `current` done, `current` running. */
function stageSteps(current: string): Step[] {
  const at = MIGRATE_STAGES.indexOf(current as (typeof MIGRATE_STAGES)[number]);
  return MIGRATE_STAGES.map((stage, i) => ({
    id: `migration.${stage}`,
    name: `Migration stage ${stage}`,
    status:
      stage === 'success' && at === i ? 'succeeded' : i < at ? 'succeeded' : i === at ? 'running' : 'pending',
    upstreams: i > 0 ? [`migration.${MIGRATE_STAGES[i - 1]}`] : [],
    downstreams: i + 1 < MIGRATE_STAGES.length ? [`migration.${MIGRATE_STAGES[i + 1]}`] : [],
  }));
}

/** promote-standby: DeleteReplicationLink with PromoteToMaster on the DR/secondary instance. */
export class AlibabaPromoteDriver extends AlibabaDriver {
  sideOf(): Side {
    return 'standby';
  }

  stepOf(input: OperationInput) {
    return {
      id: 'DeleteReplicationLink',
      name: `Promote the standby ${input.target.standbyInstanceId} to primary`,
    };
  }

  async precheck(input: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const findings: Finding[] = [];
    const instance = await this.checkInstance(input, 'standby', findings, options.signal);
    if (!instance) return this.result(findings, input.target);
    this.checkEngine(instance, ['PostgreSQL', 'SQLServer'], findings);
    // The usage notes of Alibaba's promotion, said before anything is done.
    findings.push(
      warn(
        'data-loss',
        'data may be lost: writes the standby had not received are gone, and Alibaba Cloud reports no lag figure for this link',
      ),
      warn(
        'connections',
        'connections are briefly interrupted during the promotion; applications must reconnect',
      ),
      warn(
        'old-primary',
        `the original primary ${input.target.primaryInstanceId} leaves the pair; it is not released and keeps its data`,
      ),
    );
    return this.result(findings, input.target);
  }

  protected send(input: OperationInput, signal?: AbortSignal) {
    return this.client.deleteReplicationLink(this.instanceOf(input), signal);
  }

  /**
   * The primary as Alibaba reports it (DescribeDBInstanceAttribute; states from the instance state table,
   * https://www.alibabacloud.com/help/en/rds/apsaradb-rds-for-postgresql/instance-state-table). Alibaba has no
   * "unavailable" state: only Stopped says the primary takes no connections, and only Running without a lock
   * says it does; everything else (rebooting, a class change, a lock for an overdue bill) says nothing.
   * There is no lag figure for a DR link (providers.md 6.2), so the lag is always unknown here.
   */
  async observe(input: OperationInput, options: CallOptions = {}): Promise<Observation> {
    const lagDetail = 'Alibaba Cloud reports no lag figure for a DR link, so the lag is unknown';
    const asked = `DescribeDBInstanceAttribute for the primary ${input.target.primaryInstanceId}`;
    const observation = (answer: string, verdict: PrimaryVerdict, reached = true): Observation => ({
      primary: verdict,
      evidence: [{ observer: 'Alibaba', asked, answer, verdict, reached }],
      lagDetail,
    });
    try {
      const primary = await this.client.describeInstance(
        String(input.target.primaryInstanceId),
        options.signal,
      );
      if (!primary) return observation('no such instance, which a wrong id or region also gives', 'unknown');
      const locked = primary.LockMode !== undefined && primary.LockMode !== 'Unlock';
      const answer = `${primary.DBInstanceStatus}${locked ? `, locked (${primary.LockMode})` : ''}`;
      if (primary.DBInstanceStatus === 'Stopped') return observation(answer, 'down');
      return observation(answer, primary.DBInstanceStatus === 'Running' && !locked ? 'up' : 'unknown');
    } catch (error) {
      return observation(`no answer (${describeError(error)})`, 'unknown', false);
    }
  }

  readonly fencer: Fencer = new AlibabaStopFencer(this.client, this.now);

  /**
   * After DeleteReplicationLink with PromoteToMaster: DescribeDBInstanceAttribute reports the promoted instance as
   * DBInstanceType Primary, Running and not locked (a lock such as LockByDiskQuota makes it read-only), and the old
   * primary Stopped. Alibaba leaves the old primary as it was after a promotion ("it is not released and keeps its
   * data"), so only a stop fences it; Alibaba has no read-only switch for an RDS primary (providers.md §6).
   */
  async verify(input: OperationInput, options: CallOptions = {}): Promise<ProviderCheck[]> {
    const promotedId = String(input.target.standbyInstanceId);
    const oldId = String(input.target.primaryInstanceId);
    const promoted = this.client.describeInstance(promotedId, options.signal);
    // One question about the promoted instance answers both of its checks.
    promoted.catch(() => undefined);
    return Promise.all([
      checked('new-primary.role', async () => {
        const instance = await promoted;
        if (!instance) return { outcome: 'unknown', detail: `Alibaba Cloud knows no instance ${promotedId}` };
        return instance.DBInstanceType === 'Primary'
          ? { outcome: 'passed', detail: `${promotedId} is DBInstanceType Primary with no replication link` }
          : {
              outcome: instance.DBInstanceType ? 'failed' : 'unknown',
              detail: `${promotedId} is DBInstanceType ${instance.DBInstanceType ?? 'not given'}, not Primary`,
            };
      }),
      checked('new-primary.writable', async () => {
        const instance = await promoted;
        if (!instance) return { outcome: 'unknown', detail: `Alibaba Cloud knows no instance ${promotedId}` };
        // An answer without LockMode does not say the instance is unlocked.
        const locked = instance.LockMode !== undefined && instance.LockMode !== 'Unlock';
        const state = `${instance.DBInstanceStatus}${locked ? `, locked (${instance.LockMode})` : instance.LockMode ? ', not locked' : ', lock not reported'}`;
        if (instance.DBInstanceStatus === 'Running' && instance.LockMode === 'Unlock')
          return { outcome: 'passed', detail: `${promotedId} is ${state}` };
        return {
          outcome: locked || STOPPED.has(instance.DBInstanceStatus) ? 'failed' : 'unknown',
          detail: `${promotedId} is ${state}`,
        };
      }),
      checked('old-primary.fenced', async () => {
        const instance = await this.client.describeInstance(oldId, options.signal);
        if (!instance) return { outcome: 'unknown', detail: `Alibaba Cloud knows no instance ${oldId}` };
        if (instance.DBInstanceStatus === 'Stopped')
          return {
            outcome: 'passed',
            detail: `${oldId} is Stopped and takes no writes; Alibaba starts it again after 15 days at most unless a person retires it`,
          };
        if (instance.DBInstanceStatus === 'Running')
          return {
            outcome: 'failed',
            detail: `${oldId} is Running: Alibaba leaves the old primary as it was, so two primaries may take writes`,
          };
        return { outcome: 'unknown', detail: `${oldId} is ${instance.DBInstanceStatus}, which says neither` };
      }),
    ]);
  }

  /** Done when the task succeeded and the instance is Running again (DescribeDBInstanceAttribute). */
  override async followJob(
    job: JobRef,
    input: OperationInput,
    options: CallOptions = {},
  ): Promise<JobStatus> {
    const { signal } = options;
    const result = await super.followJob(job, input, options);
    if (result.status !== 'succeeded') return result;
    const instance = await this.client.describeInstance(this.instanceOf(input), signal);
    if (instance?.DBInstanceStatus === 'Running') return result;
    const step = {
      ...(result.steps[0] as Step),
      status: 'running' as const,
      message: `waiting for ${this.instanceOf(input)} to be Running`,
    };
    return { status: 'running', steps: [step] };
  }
}

/** upgrade-minor-version: UpgradeDBInstanceKernelVersion, now or in the maintenance window. */
export class AlibabaUpgradeDriver extends AlibabaDriver {
  sideOf(input: OperationInput): Side {
    return input.params.instance === 'dr' ? 'standby' : 'primary';
  }

  /** A finished upgrade says the minor version the instance now runs, as Alibaba reports it. */
  override async followJob(
    job: JobRef,
    input: OperationInput,
    options: CallOptions = {},
  ): Promise<JobStatus> {
    const status = await super.followJob(job, input, options);
    const current = () => this.client.describeInstance(this.instanceOf(input), options.signal);
    return withResult(status, async () => {
      const { DBInstanceId, CurrentKernelVersion } = (await current()) ?? {};
      return CurrentKernelVersion && `${DBInstanceId} now runs minor version ${CurrentKernelVersion}`;
    });
  }

  stepOf(input: OperationInput) {
    return {
      id: 'UpgradeDBInstanceKernelVersion',
      name: `Upgrade the minor version of ${this.instanceOf(input)}`,
    };
  }

  async precheck(input: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const findings: Finding[] = [];
    const side = this.sideOf(input);
    if (input.params.secondSwitch !== undefined)
      findings.push(
        fail(
          'second-switch.huawei-only',
          'secondSwitch is a Huawei RDS option; Alibaba Cloud has no such parameter',
        ),
      );
    const instance = await this.checkInstance(input, side, findings, options.signal);
    if (!instance) return this.result(findings, input.target);
    const target = input.params.targetMinorVersion;
    if (
      target === undefined &&
      instance.CurrentKernelVersion &&
      instance.CurrentKernelVersion === instance.LatestKernelVersion
    )
      findings.push(
        fail(
          'already-latest',
          `${instance.DBInstanceId} already runs the latest minor version ${instance.CurrentKernelVersion}`,
        ),
      );
    else
      findings.push(
        pass(
          'version',
          `${instance.DBInstanceId}: ${instance.CurrentKernelVersion ?? '?'} -> ${String(target ?? instance.LatestKernelVersion ?? 'latest')}`,
        ),
      );
    return this.result(findings, input.target);
  }

  protected send(input: OperationInput, signal?: AbortSignal) {
    const targetMinorVersion = input.params.targetMinorVersion;
    return this.client.upgradeKernelVersion(
      this.instanceOf(input),
      {
        upgradeTime: input.params.isDelayed === true ? 'MaintainTime' : 'Immediate',
        ...(typeof targetMinorVersion === 'string' ? { targetMinorVersion } : {}),
      },
      signal,
    );
  }
}

/**
 * Fences the old primary by stopping it, before the promotion (StopDBInstance,
 * https://www.alibabacloud.com/help/en/rds/developer-reference/api-rds-2014-08-15-stopdbinstance). It returns
 * no TaskId, so the fence is followed through the instance's own state until it is Stopped. Alibaba refuses it
 * for an instance with read-only instances, on local disks or subscription billing, and restarts a stopped
 * instance after 15 days at most: a person must retire it before then.
 */
class AlibabaStopFencer implements Fencer {
  readonly timing = 'before';

  constructor(
    private readonly client: AlibabaRdsClient,
    private readonly now: () => number,
  ) {}

  describe(input: OperationInput) {
    return `Alibaba StopDBInstance on the old primary ${input.target.primaryInstanceId}, before the promotion; it starts again after 15 days at most unless a person retires it`;
  }

  member(input: OperationInput) {
    return String(input.target.primaryInstanceId);
  }

  private jobOf(input: OperationInput): SubmittedJob {
    return {
      id: `StopDBInstance:${input.target.primaryInstanceId}`,
      name: `Fence the old primary ${input.target.primaryInstanceId}: stop it`,
    };
  }

  async fence(input: OperationInput, options: CallOptions = {}) {
    await this.client.stopDBInstance(String(input.target.primaryInstanceId), options.signal);
    return this.jobOf(input);
  }

  async findFence(input: OperationInput, options: CallOptions = {}) {
    const primary = await this.client.describeInstance(
      String(input.target.primaryInstanceId),
      options.signal,
    );
    return primary?.DBInstanceStatus === 'Stopping' || primary?.DBInstanceStatus === 'Stopped'
      ? this.jobOf(input)
      : undefined;
  }

  /**
   * StopDBInstance's conditions for PostgreSQL (its page): Running, no read-only instances, pay-as-you-go, cloud disks,
   * not Cluster Edition (the proxy condition is not in this answer, so it is not checked)
   * (DescribeDBInstanceAttribute's ReadOnlyDBInstanceIds, DBInstanceStorageType, PayType). A field the answer does
   * not carry makes it unknown.
   */
  permitted(input: OperationInput, options: CallOptions = {}): Promise<ProviderCheck> {
    return checked('fence.permitted', async () => {
      const id = String(input.target.primaryInstanceId);
      const instance = await this.client.describeInstance(id, options.signal);
      if (!instance) return { outcome: 'unknown', detail: `Alibaba Cloud knows no instance ${id}` };
      const { PayType, DBInstanceStorageType } = instance as {
        PayType?: string;
        DBInstanceStorageType?: string;
      };
      const readOnly = readOnlyIdsOf(instance);
      if (PayType === undefined || DBInstanceStorageType === undefined || readOnly === undefined)
        return {
          outcome: 'unknown',
          detail: `DescribeDBInstanceAttribute does not say ${id}'s billing, storage and read-only instances, so whether StopDBInstance would take it is unknown`,
        };
      const refusals = [
        PayType !== 'Postpaid'
          ? `it is billed ${PayType}, and only pay-as-you-go instances can be stopped`
          : undefined,
        CLOUD_DISKS.has(DBInstanceStorageType)
          ? undefined
          : `its storage is ${DBInstanceStorageType}, not a cloud disk`,
        instance.DBInstanceStatus !== 'Running'
          ? `it is ${instance.DBInstanceStatus}, not Running`
          : undefined,
        instance.Category === 'cluster' ? 'it is Cluster Edition' : undefined,
        readOnly.length > 0 ? `it has read-only instances (${readOnly.join(', ')})` : undefined,
      ].filter(Boolean);
      return refusals.length > 0
        ? { outcome: 'failed', detail: `Alibaba would refuse to stop ${id}: ${refusals.join('; ')}` }
        : {
            outcome: 'passed',
            detail: `${id} is pay-as-you-go on ${DBInstanceStorageType} with no read-only instances`,
          };
    });
  }

  async followFence(job: JobRef, input: OperationInput, options: CallOptions = {}): Promise<JobStatus> {
    const primary = await this.client.describeInstance(
      String(input.target.primaryInstanceId),
      options.signal,
    );
    const status = primary?.DBInstanceStatus ?? 'not listed';
    const step = jobStep(
      'StopDBInstance',
      job.name ?? this.jobOf(input).name ?? 'Fence the old primary',
      'running',
      {
        message: `the old primary is ${status}`,
      },
    );
    if (status === 'Stopped') return { status: 'succeeded', steps: [{ ...step, status: 'succeeded' }] };
    // Accepted a moment ago, the stop may not show yet: Running is a stop still starting, for a minute.
    const young = this.now() - Date.parse(job.submittedAt) < 60_000;
    if (status === 'Stopping' || (status === 'Running' && young)) return { status: 'running', steps: [step] };
    return {
      status: 'failed',
      steps: [{ ...step, status: 'failed' }],
      failedStep: step.name,
      message: `Alibaba accepted StopDBInstance but the old primary is ${status}, not Stopped`,
    };
  }
}

/** Cloud disk storage types (DescribeDBInstanceAttribute's DBInstanceStorageType); local_ssd is not one. */
const CLOUD_DISKS: ReadonlySet<string> = new Set([
  'cloud_ssd',
  'cloud_essd',
  'cloud_essd2',
  'cloud_essd3',
  'general_essd',
]);

/** ReadOnlyDBInstanceIds as DescribeDBInstanceAttribute nests it; undefined when the answer does not carry it. */
function readOnlyIdsOf(instance: AlibabaInstanceAttribute): string[] | undefined {
  const nested = (
    instance as { ReadOnlyDBInstanceIds?: { ReadOnlyDBInstanceId?: { DBInstanceId?: string }[] } }
  ).ReadOnlyDBInstanceIds;
  if (!nested) return undefined;
  return (nested.ReadOnlyDBInstanceId ?? []).map((r) => String(r.DBInstanceId));
}
