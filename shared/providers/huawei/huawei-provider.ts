import { describeError, ProviderError } from '../../domain/errors.js';
import type { Finding, JobRef } from '../../domain/operation.js';
import { checked, fail, JobPerPhaseDriver, jobStep, pass, startedSince, withResult } from '../driver-base.js';
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
import type { HuaweiInstanceRef, HuaweiRdsClient } from './huawei-client.js';
import type { HuaweiInstance, HuaweiJob } from './huawei-schemas.js';

/** A Huawei primary and its DR instance, as configured. */
export interface HuaweiPairIds {
  primary: HuaweiInstanceRef & { subnetCidr?: string };
  dr: HuaweiInstanceRef & { subnetCidr?: string };
}

export function huaweiTarget(ids: HuaweiPairIds): Target {
  const target: Target = {
    primaryInstanceId: ids.primary.instanceId,
    primaryProjectId: ids.primary.projectId,
    primaryRegion: ids.primary.region,
    drInstanceId: ids.dr.instanceId,
    drProjectId: ids.dr.projectId,
    drRegion: ids.dr.region,
  };
  if (ids.primary.subnetCidr) target.primarySubnet = ids.primary.subnetCidr;
  if (ids.dr.subnetCidr) target.drSubnet = ids.dr.subnetCidr;
  return target;
}

type Side = 'primary' | 'dr';

function ref(target: Target, side: Side): HuaweiInstanceRef {
  return {
    instanceId: String(target[`${side}InstanceId`]),
    projectId: String(target[`${side}ProjectId`]),
    region: String(target[`${side}Region`]),
  };
}

/** A Huawei job id is not queryable for a few seconds after it is returned (ListJobInfo constraints). */
const JOB_VISIBILITY_GRACE_MS = 120_000;

const majorOf = (instance: HuaweiInstance) => Number.parseInt(instance.datastore.version, 10);
const fullVersion = (instance: HuaweiInstance) =>
  instance.datastore.complete_version ?? instance.datastore.version;
const isPostgres = (instance: HuaweiInstance) => /^postgresql$/i.test(instance.datastore.type);
const isMySql = (instance: HuaweiInstance) => /^mysql$/i.test(instance.datastore.type);

function progressOf(process: string | undefined): number | undefined {
  const n = Number.parseFloat(process ?? '');
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : undefined;
}

/** What every Huawei driver shares: which instance each phase acts on, its step, and the common checks. */
abstract class HuaweiDriver extends JobPerPhaseDriver<Side> {
  constructor(
    protected readonly client: HuaweiRdsClient,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** The action sent for a phase, on the instance `sideOf(input)` names. */
  protected abstract send(input: OperationInput, signal?: AbortSignal): Promise<{ job_id: string }>;

  async submit(input: OperationInput, options: CallOptions = {}): Promise<SubmittedJob> {
    const { job_id } = await this.send(input, options.signal);
    return { id: job_id, name: this.stepOf(input).name };
  }

  async findSubmitted(input: OperationInput & { since: string }, options: CallOptions = {}) {
    // Huawei does not document the job names of these actions, so any job started on the instance since
    // our submission counts; the pair lock and the precheck's no-running-job rule make a stranger's unlikely.
    const tasks = await this.client.listTasks(
      ref(input.target, this.sideOf(input)),
      undefined,
      options.signal,
    );
    const match = tasks.find((t) => startedSince(input.since, t.create_time));
    return match ? { id: match.id, name: match.name } : undefined;
  }

  /** The job as a step; an id that is not queryable yet is a job still starting, not a failure. */
  async followJob(job: JobRef, input: OperationInput, options: CallOptions = {}): Promise<JobStatus> {
    const { signal } = options;
    const { id, name } = this.stepOf(input);
    const instance = ref(input.target, this.sideOf(input));
    let found: HuaweiJob;
    try {
      found = await this.client.getJob(instance, job.id, signal);
    } catch (error) {
      const young = this.now() - Date.parse(job.submittedAt) < JOB_VISIBILITY_GRACE_MS;
      // Which code ListJobInfo gives for a job not yet visible is not documented: any refusal will do.
      if (
        young &&
        error instanceof ProviderError &&
        error.outcome === 'not-applied' &&
        (error.httpStatus ?? 0) < 500
      )
        return {
          status: 'running',
          steps: [jobStep(id, name, 'running', { message: `job ${job.id} not queryable yet` })],
        };
      throw error;
    }
    const status =
      found.status === 'Completed' ? 'succeeded' : found.status === 'Failed' ? 'failed' : 'running';
    const step = jobStep(id, name, status, {
      startedAt: found.created,
      finishedAt: found.ended,
      progress: found.status === 'Completed' ? 100 : progressOf(found.process),
      message: found.fail_reason,
    });
    if (found.status === 'Running') return { status: 'running', steps: [step] };
    if (found.status === 'Completed') return { status: 'succeeded', steps: [step] };
    return {
      status: 'failed',
      steps: [step],
      failedStep: name,
      message: found.fail_reason ?? `Huawei job ${found.id} failed`,
    };
  }

  /** Both instances (or one), with a finding for each that cannot be found. */
  protected async load(target: Target, sides: Side[], findings: Finding[], signal?: AbortSignal) {
    const loaded: Partial<Record<Side, HuaweiInstance>> = {};
    for (const side of sides) {
      const r = ref(target, side);
      const instance = await this.client.getInstance(r, signal);
      if (instance) loaded[side] = instance;
      else
        findings.push(
          fail(
            `${side}.exists`,
            `no ${side} instance ${r.instanceId} in project ${r.projectId} (${r.region})`,
          ),
        );
    }
    return loaded;
  }

  protected checkActive(side: Side, instance: HuaweiInstance, findings: Finding[]) {
    findings.push(
      instance.status === 'ACTIVE'
        ? pass(`${side}.active`, `${side} ${instance.id} is ACTIVE`)
        : fail(`${side}.active`, `${side} ${instance.id} is ${instance.status}, not ACTIVE`),
    );
  }

  /** RDS runs one operation at a time per instance: refuse while a job is running there. */
  protected async checkNoRunningJob(target: Target, side: Side, findings: Finding[], signal?: AbortSignal) {
    const running = await this.client.listTasks(ref(target, side), 'Running', signal);
    findings.push(
      running.length === 0
        ? pass(`${side}.no-running-job`, `no job running on the ${side} instance`)
        : fail(
            `${side}.no-running-job`,
            `${side} instance is busy with job ${running[0]?.id}${running[0]?.name ? ` (${running[0].name})` : ''}`,
          ),
    );
  }

  protected checkPostgres12(side: Side, instance: HuaweiInstance, findings: Finding[]) {
    findings.push(
      isPostgres(instance) && majorOf(instance) >= 12
        ? pass(`${side}.postgresql-12`, `${side} runs PostgreSQL ${fullVersion(instance)}`)
        : fail(
            `${side}.postgresql-12`,
            `cross-region DR needs RDS for PostgreSQL 12 or later; the ${side} runs ${instance.datastore.type} ${fullVersion(instance)}`,
          ),
    );
  }
}

/** configure-dr: build_master_dr_relation on the primary, then build_slave_dr_relation on the DR instance. */
export class HuaweiConfigureDrDriver extends HuaweiDriver {
  override readonly phases = 2;

  sideOf(input: OperationInput): Side {
    return input.phase === 0 ? 'primary' : 'dr';
  }

  stepOf(input: OperationInput) {
    return input.phase === 0
      ? {
          id: 'build_master_dr_relation',
          name: `Configure DR on the primary ${input.target.primaryInstanceId}`,
        }
      : {
          id: 'build_slave_dr_relation',
          name: `Configure DR on the DR instance ${input.target.drInstanceId}`,
        };
  }

  async precheck({ target, phase }: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const findings: Finding[] = [];
    const { primary, dr } = await this.load(target, ['primary', 'dr'], findings, options.signal);
    if (!primary || !dr) return this.result(findings, target);
    // Past the primary side the relation is this operation's own: only a new configuration must find none.
    if (phase === 0) findings.push(await this.relationFinding(target, options.signal));
    this.checkPostgres12('primary', primary, findings);
    this.checkPostgres12('dr', dr, findings);
    findings.push(
      primary.type === 'Ha'
        ? pass('primary.ha', 'the primary is primary/standby (Ha)')
        : fail('primary.ha', `the primary must be primary/standby (Ha); ${primary.id} is ${primary.type}`),
      dr.type === 'Single'
        ? pass('dr.single', 'the DR instance is standalone (Single)')
        : fail('dr.single', `the DR instance must be standalone (Single); ${dr.id} is ${dr.type}`),
    );
    for (const [what, p, d, unit] of [
      ['vCPUs', Number(primary.cpu), Number(dr.cpu), ''],
      ['memory', Number(primary.mem), Number(dr.mem), ' GB'],
      ['storage', primary.volume?.size ?? Number.NaN, dr.volume?.size ?? Number.NaN, ' GB'],
    ] as const) {
      findings.push(
        d >= p
          ? pass(`dr.${what}`, `DR ${what} ${d}${unit} >= primary's ${p}${unit}`)
          : fail(
              `dr.${what}`,
              `the DR instance's ${what} (${d}${unit}) must be at least the primary's (${p}${unit})`,
            ),
      );
    }
    findings.push(
      majorOf(primary) === majorOf(dr)
        ? pass('same-major-version', `both run major version ${majorOf(primary)}`)
        : fail(
            'same-major-version',
            `DR cannot cross major versions: primary ${majorOf(primary)}, DR ${majorOf(dr)}`,
          ),
    );
    this.checkActive('primary', primary, findings);
    this.checkActive('dr', dr, findings);
    // The regions RDS reports, not the configured ones: the provider is the truth.
    const primaryRegion = primary.region ?? target.primaryRegion;
    const drRegion = dr.region ?? target.drRegion;
    findings.push(
      primaryRegion !== drRegion
        ? pass('different-regions', `primary in ${primaryRegion}, DR in ${drRegion}`)
        : fail(
            'different-regions',
            `primary and DR instance are both in ${primaryRegion}; DR must cross regions or clouds`,
          ),
    );
    await this.checkNoRunningJob(target, 'primary', findings, options.signal);
    await this.checkNoRunningJob(target, 'dr', findings, options.signal);
    const drIp = dr.private_ips[0];
    const primaryIp = primary.private_ips[0];
    if (!target.drSubnet)
      findings.push(
        fail(
          'dr.subnet-configured',
          "build_master_dr_relation needs the DR instance's subnet CIDR: set pairs[].huawei.dr.subnetCidr",
        ),
      );
    if (!drIp || !primaryIp)
      findings.push(fail('private-ips', 'both instances need a private IP for the DR relation'));
    return this.result(findings, {
      ...target,
      ...(drIp ? { drIp } : {}),
      ...(primaryIp ? { primaryIp } : {}),
    });
  }

  /**
   * A pair whose instances already have a DR relation, built or half-built, is refused before anything is sent.
   * ListDrInfos (providers.md §1, "List DR relations with build status") lists them, failed builds included (its
   * doc sample is `"status":"failed"`), and a failed one stays until DeleteDisasterRecovery removes it; Huawei
   * documents no code for building a relation that exists, so the build's refusal cannot be relied on.
   */
  private async relationFinding(target: Target, signal?: AbortSignal): Promise<Finding> {
    const primary = ref(target, 'primary');
    const dr = ref(target, 'dr');
    const [fromPrimary, fromDr] = await Promise.all([
      this.client.drInfos(primary, { master_instance_id: primary.instanceId }, signal),
      this.client.drInfos(dr, { slave_instance_id: dr.instanceId }, signal),
    ]);
    if (!fromPrimary.instance_dr_infos || !fromDr.instance_dr_infos)
      return fail(
        'dr.no-existing-relation',
        'Huawei ListDrInfos answered without its instance_dr_infos list, so whether a DR relation exists is unknown',
      );
    const existing = new Map(
      [...fromPrimary.instance_dr_infos, ...fromDr.instance_dr_infos]
        .filter((r) => r.master_instance_id === primary.instanceId || r.slave_instance_id === dr.instanceId)
        .map((r) => [r.id ?? `${r.master_instance_id}>${r.slave_instance_id}`, r]),
    );
    if (existing.size === 0) return pass('dr.no-existing-relation', 'neither instance has a DR relation yet');
    const named = [...existing.values()]
      .map((r) => `${r.master_instance_id} -> ${r.slave_instance_id} (${r.status ?? 'status not reported'})`)
      .join(', ');
    return fail(
      'dr.no-existing-relation',
      `a DR relation already exists: ${named}; remove it (DeleteDisasterRecovery) before configuring DR again`,
    );
  }

  protected send({ target, phase }: OperationInput, signal?: AbortSignal) {
    if (phase === 0)
      return this.client.action(
        ref(target, 'primary'),
        {
          build_master_dr_relation: {
            target_instance_id: target.drInstanceId,
            target_project_id: target.drProjectId,
            target_region: target.drRegion,
            target_ip: target.drIp,
            target_subnet: target.drSubnet,
          },
        },
        signal,
      );
    // The DR side names the primary. Terraform sends no target_subnet here, and the DR-side doc does not list one.
    return this.client.action(
      ref(target, 'dr'),
      {
        build_slave_dr_relation: {
          target_instance_id: target.primaryInstanceId,
          target_project_id: target.primaryProjectId,
          target_region: target.primaryRegion,
          target_ip: target.primaryIp,
        },
      },
      signal,
    );
  }

  failureAdvice({ target }: OperationInput, failedPhase: number) {
    if (failedPhase === 0) return `Nothing was configured on the DR instance ${target.drInstanceId}.`;
    return (
      `The primary side is configured (build_master_dr_relation on ${target.primaryInstanceId}); before trying again, ` +
      `remove it: DELETE /v3/${target.primaryProjectId}/instances/${target.primaryInstanceId}/delete-disaster-recovery ` +
      `with is_master: true and the DR instance's ids.`
    );
  }
}

/** promote-standby: drreplica_to_master on the DR instance, with the replication lag stated first. */
export class HuaweiPromoteDriver extends HuaweiDriver {
  sideOf(): Side {
    return 'dr';
  }

  stepOf(input: OperationInput) {
    return {
      id: 'drreplica_to_master',
      name: `Promote the DR instance ${input.target.drInstanceId} to primary`,
    };
  }

  async precheck({ target }: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const findings: Finding[] = [];
    const { dr } = await this.load(target, ['dr'], findings, options.signal);
    if (!dr) return this.result(findings, target);
    this.checkPostgres12('dr', dr, findings);
    this.checkActive('dr', dr, findings);
    await this.checkNoRunningJob(target, 'dr', findings, options.signal);
    findings.push(await this.relationFinding(target, options.signal));
    findings.push(await this.lagFinding(target, options.signal));
    return this.result(findings, target);
  }

  /**
   * drreplica_to_master promotes a DR instance (rds_12_0003): one that ListDrInfos lists as the DR side of a
   * relation, whatever the relation's status (the action is meant for a relation that has become abnormal).
   */
  private async relationFinding(target: Target, signal?: AbortSignal): Promise<Finding> {
    const relation = await this.relationOf(target, signal);
    if (relation === undefined)
      return fail(
        'dr.relation',
        'Huawei ListDrInfos answered without its instance_dr_infos list, so whether this is a DR instance is unknown',
      );
    return relation
      ? pass(
          'dr.relation',
          `${target.drInstanceId} is the DR instance of ${relation.master_instance_id ?? 'a primary'} (relation ${relation.status ?? 'status not reported'})`,
        )
      : fail(
          'dr.relation',
          `${target.drInstanceId} is no DR instance: ListDrInfos lists no relation with it as the DR side, and only a DR instance can be promoted`,
        );
  }

  /** The relation with the pair's DR instance as its DR side; null when none is listed, undefined when no list came. */
  private async relationOf(target: Target, signal?: AbortSignal) {
    const dr = ref(target, 'dr');
    const { instance_dr_infos } = await this.client.drInfos(dr, { slave_instance_id: dr.instanceId }, signal);
    if (!instance_dr_infos) return undefined;
    return instance_dr_infos.find((r) => r.slave_instance_id === dr.instanceId) ?? null;
  }

  /** Replication lag read just before promoting: data written on the primary after it is lost. */
  private async lagFinding(target: Target, signal?: AbortSignal): Promise<Finding> {
    try {
      const status = await this.client.drReplicaStatus(ref(target, 'dr'), signal);
      const state =
        status.replica_state === '0' ? 'normal' : status.replica_state === '-1' ? 'abnormal' : 'unknown';
      return {
        rule: 'dr.replication-lag',
        passed: true,
        warning: true,
        message:
          `data may be lost: before promotion the DR instance was ${status.wal_write_receive_delay_in_mb ?? '?'} MB behind in receiving WAL ` +
          `and ${status.wal_write_replay_delay_in_mb ?? '?'} MB (${status.wal_receive_replay_delay_in_ms ?? '?'} ms) behind in replaying it; replication ${state}`,
      };
    } catch (error) {
      return {
        rule: 'dr.replication-lag',
        passed: true,
        warning: true,
        message: `data may be lost: the replication lag is unknown (${describeError(error)})`,
      };
    }
  }

  protected send({ target }: OperationInput, signal?: AbortSignal) {
    return this.client.action(ref(target, 'dr'), { drreplica_to_master: {} }, signal);
  }

  /**
   * The primary as Huawei reports it: FAILED (the console's "Abnormal") or SHUTDOWN is down, ACTIVE is up, and
   * every other state (rebooting, modifying, frozen, storage full ...) or no answer at all says nothing.
   * Instance status values: ListInstances (https://support.huaweicloud.com/api-rds/rds_01_0004.html) and
   * ListSimplifiedInstances for `shutdown`; the lag: ShowDrReplicaStatus (rds_12_0004).
   */
  async observe({ target }: OperationInput, options: CallOptions = {}): Promise<Observation> {
    const asked = `ListInstances for the primary ${target.primaryInstanceId} (${target.primaryRegion})`;
    const [primary, replica] = await Promise.allSettled([
      this.client.getInstance(ref(target, 'primary'), options.signal),
      this.client.drReplicaStatus(ref(target, 'dr'), options.signal),
    ]);
    const evidence =
      primary.status === 'rejected'
        ? {
            answer: `no answer (${describeError(primary.reason)})`,
            verdict: 'unknown' as const,
            reached: false,
          }
        : !primary.value
          ? {
              answer: 'no such instance listed, which a wrong id or project also gives',
              verdict: 'unknown' as const,
            }
          : {
              answer: `status ${primary.value.status}`,
              verdict: HUAWEI_STATUS_VERDICT[primary.value.status] ?? 'unknown',
            };
    const observation = { primary: evidence.verdict, evidence: [{ observer: 'Huawei', asked, ...evidence }] };
    if (replica.status === 'rejected') {
      // No replication status: a relation that is gone says why; any other failure says nothing.
      const relation = await this.relationOf(target, options.signal).catch(() => undefined);
      return relation === null
        ? {
            ...observation,
            drRelation: 'absent' as const,
            lagDetail: `ListDrInfos lists no DR relation with ${target.drInstanceId} as its DR instance: it replicates from nothing`,
          }
        : { ...observation, lagDetail: `the lag is unknown (${describeError(replica.reason)})` };
    }
    const status = replica.value;
    const receiveMb = figure(status.wal_write_receive_delay_in_mb);
    const replayMb = figure(status.wal_write_replay_delay_in_mb);
    const replayMs = figure(status.wal_receive_replay_delay_in_ms);
    // What the DR instance has not received or not replayed, in MB: Huawei gives no lag in time, as its only
    // time figure is the replay delay of WAL already received (rds_12_0004), not the data a promotion loses.
    const mb = receiveMb !== undefined && replayMb !== undefined ? Math.max(receiveMb, replayMb) : undefined;
    const state =
      status.replica_state === '0' ? 'normal' : status.replica_state === '-1' ? 'abnormal' : 'unknown';
    return {
      ...observation,
      ...(mb !== undefined ? { lag: { mb } } : {}),
      // ShowDrReplicaStatus' replica_state: "0" normal, "-1" abnormal; anything else says nothing.
      ...(state !== 'unknown' ? { replicating: state === 'normal' } : {}),
      lagDetail: `the DR instance is ${mb !== undefined ? `${mb} MB` : 'an unknown amount'} behind${replayMs !== undefined ? ` (it replays ${replayMs} ms behind what it received)` : ''}; replication ${state}`,
    };
  }

  /**
   * After drreplica_to_master: the promoted instance is ACTIVE and no longer the DR side of any relation (Huawei
   * removes the relation from it, rds_12_0003 and rds_pg_02_0051), and the old primary is stopped. Huawei reports
   * no read-only flag for an RDS instance, so "takes writes" is its ACTIVE status here; only an application check
   * can confirm the write path itself. ListDrInfos documents no status values beyond "failed": any relation listed
   * with the promoted instance as its DR side is taken to be one.
   */
  async verify({ target }: OperationInput, options: CallOptions = {}): Promise<ProviderCheck[]> {
    const { signal } = options;
    const promoted = ref(target, 'dr');
    const old = ref(target, 'primary');
    return Promise.all([
      checked('new-primary.role', async () => {
        const { instance_dr_infos } = await this.client.drInfos(
          promoted,
          { slave_instance_id: promoted.instanceId },
          signal,
        );
        if (!instance_dr_infos)
          return { outcome: 'unknown', detail: 'ListDrInfos answered without its instance_dr_infos list' };
        const still = instance_dr_infos.find((r) => r.slave_instance_id === promoted.instanceId);
        return still
          ? {
              outcome: 'failed',
              detail: `ListDrInfos still lists ${promoted.instanceId} as the DR instance of ${still.master_instance_id ?? 'a primary'} (status ${still.status ?? 'not given'})`,
            }
          : {
              outcome: 'passed',
              detail: `ListDrInfos lists no DR relation with ${promoted.instanceId} as its DR instance: it stands alone as a primary`,
            };
      }),
      checked('new-primary.writable', async () => {
        const instance = await this.client.getInstance(promoted, signal);
        if (!instance)
          return { outcome: 'unknown', detail: `ListInstances does not list ${promoted.instanceId}` };
        const verdict = HUAWEI_STATUS_VERDICT[instance.status];
        return {
          outcome: verdict === 'up' ? 'passed' : verdict === 'down' ? 'failed' : 'unknown',
          detail: `ListInstances reports ${promoted.instanceId} ${instance.status} (Huawei gives no read-only flag: ACTIVE is its word that the instance takes connections)`,
        };
      }),
      checked('old-primary.fenced', async () => {
        const instance = await this.client.getInstance(old, signal);
        if (!instance) return { outcome: 'unknown', detail: `ListInstances does not list ${old.instanceId}` };
        if (instance.status === HUAWEI_STOPPED_STATUS)
          return {
            outcome: 'passed',
            detail: `${old.instanceId} is stopped (SHUTDOWN) and takes no writes; Huawei starts it again after 7 to 15 days unless a person retires it`,
          };
        if (instance.status === 'ACTIVE' || instance.status === 'FAILED')
          return {
            outcome: 'failed',
            detail: `${old.instanceId} is ${instance.status}, not stopped: it stands alone after the promotion${instance.status === 'ACTIVE' ? ' and takes writes' : ', and would take writes as a second primary if it recovered'}`,
          };
        return { outcome: 'unknown', detail: `${old.instanceId} is ${instance.status}, which says neither` };
      }),
    ]);
  }

  readonly fencer: Fencer;

  constructor(client: HuaweiRdsClient, now: () => number = Date.now) {
    super(client, now);
    this.fencer = new HuaweiStopFencer(client, now);
  }
}

/** A figure Huawei sends as a string; an empty or odd one is unknown, never zero. */
function figure(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : undefined;
}

/** StopInstance's end state (ListSimplifiedInstances' `shutdown`, ListInstances' SHUTDOWN). */
const HUAWEI_STOPPED_STATUS = 'SHUTDOWN';

/** Which Huawei instance states say the primary is down or up; any other says nothing. */
const HUAWEI_STATUS_VERDICT: Record<string, PrimaryVerdict> = {
  ACTIVE: 'up',
  FAILED: 'down',
  SHUTDOWN: 'down',
};

/**
 * Fences the old primary by stopping it (StopInstance, https://support.huaweicloud.com/api-rds/rds_05_0025.html).
 * Only after the promotion: drreplica_to_master lists "primary and DR instance status normal" among its
 * constraints (rds_12_0003), so a primary stopped first would block the promotion. StopInstance is for
 * pay-per-use instances on SSD storage, is refused while the instance reboots, scales or restores, and the
 * instance starts itself again after 7 or 15 days; a person must take it out of service before then.
 */
class HuaweiStopFencer extends HuaweiDriver implements Fencer {
  readonly timing = 'after';

  sideOf(): Side {
    return 'primary';
  }

  stepOf(input: OperationInput) {
    return { id: 'StopInstance', name: `Fence the old primary ${input.target.primaryInstanceId}: stop it` };
  }

  describe(input: OperationInput) {
    return `Huawei StopInstance on the old primary ${input.target.primaryInstanceId}, after the promotion (Huawei refuses a promotion once the primary is stopped); it restarts itself after 7 to 15 days unless a person retires it`;
  }

  member(input: OperationInput) {
    return String(input.target.primaryInstanceId);
  }

  async precheck(input: OperationInput): Promise<PrecheckResult> {
    return this.result([], input.target);
  }

  protected send({ target }: OperationInput, signal?: AbortSignal) {
    return this.client.stopInstance(ref(target, 'primary'), signal);
  }

  fence(input: OperationInput, options?: CallOptions) {
    return this.submit(input, options);
  }

  findFence(input: OperationInput & { since: string }, options?: CallOptions) {
    return this.findSubmitted(input, options);
  }

  followFence(job: JobRef, input: OperationInput, options?: CallOptions) {
    return this.followJob(job, input, options);
  }

  /**
   * StopInstance's documented conditions (rds_05_0025): a pay-per-use instance on ultra-high I/O, cloud SSD or
   * extreme SSD storage, not in a DCC (which ListInstances does not report, so it is not checked). The storage
   * names are ListInstances' volume types as Huawei's SDK lists them; the page names them in words only.
   */
  permitted({ target }: OperationInput, options: CallOptions = {}): Promise<ProviderCheck> {
    return checked('fence.permitted', async () => {
      const id = String(target.primaryInstanceId);
      const instance = await this.client.getInstance(ref(target, 'primary'), options.signal);
      if (!instance) return { outcome: 'unknown', detail: `ListInstances does not list ${id}` };
      const charge = instance.charge_info?.charge_mode;
      const volume = instance.volume?.type;
      if (charge === undefined || volume === undefined)
        return {
          outcome: 'unknown',
          detail: `ListInstances reports no ${charge === undefined ? 'charge mode' : 'storage type'} for ${id}, so whether StopInstance would take it is unknown`,
        };
      const refusals = [
        instance.status !== 'ACTIVE'
          ? `it is ${instance.status}, and only an ACTIVE instance can be stopped`
          : undefined,
        charge !== 'postPaid'
          ? `it is billed ${charge}, and only pay-per-use instances can be stopped`
          : undefined,
        STOPPABLE_VOLUMES.has(volume)
          ? undefined
          : `its storage is ${volume}, which StopInstance does not take`,
      ].filter(Boolean);
      return refusals.length > 0
        ? { outcome: 'failed', detail: `Huawei would refuse to stop ${id}: ${refusals.join('; ')}` }
        : {
            outcome: 'passed',
            detail: `${id} is pay-per-use on ${volume} storage, which StopInstance takes`,
          };
    });
  }
}

/** Storage types StopInstance takes: ultra-high I/O, cloud SSD, extreme SSD (rds_05_0025). */
const STOPPABLE_VOLUMES: ReadonlySet<string> = new Set(['ULTRAHIGH', 'ULTRAHIGHPRO', 'CLOUDSSD', 'ESSD']);

/** upgrade-minor-version: db-upgrade on the primary (or, where allowed, the DR instance). */
export class HuaweiUpgradeDriver extends HuaweiDriver {
  sideOf(input: OperationInput): Side {
    return input.params.instance === 'dr' ? 'dr' : 'primary';
  }

  /** A finished upgrade says the version the instance now runs, as Huawei reports it. */
  override async followJob(
    job: JobRef,
    input: OperationInput,
    options: CallOptions = {},
  ): Promise<JobStatus> {
    return withResult(await super.followJob(job, input, options), async () => {
      const instance = await this.client.getInstance(ref(input.target, this.sideOf(input)), options.signal);
      return instance && `${instance.id} now runs ${instance.datastore.type} ${fullVersion(instance)}`;
    });
  }

  stepOf(input: OperationInput) {
    const side = this.sideOf(input);
    return {
      id: 'db-upgrade',
      name: `Upgrade the minor version of the ${side} ${input.target[`${side}InstanceId`]}`,
    };
  }

  async precheck(input: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const { target, params } = input;
    const side = this.sideOf(input);
    const findings: Finding[] = [];
    const { [side]: instance } = await this.load(target, [side], findings, options.signal);
    if (!instance) return this.result(findings, target);
    const version = fullVersion(instance);
    if (!isPostgres(instance) && !isMySql(instance))
      findings.push(
        fail(
          'engine',
          `minor upgrades are for RDS for MySQL and PostgreSQL only; this is ${instance.datastore.type}`,
        ),
      );
    this.checkActive(side, instance, findings);
    if (isPostgres(instance)) {
      if (params.isDelayed === true)
        findings.push(
          fail(
            'postgresql.immediate-only',
            'RDS for PostgreSQL upgrades immediately only, not in the maintenance window',
          ),
        );
      const [major, minor] = version.split('.').map((n) => Number.parseInt(n, 10));
      if (major === 11 && (minor ?? 0) < 2)
        findings.push(
          fail(
            'postgresql.11-below-11.2',
            `RDS for PostgreSQL 11 below 11.2 cannot be upgraded; this is ${version}`,
          ),
        );
      const abnormal = instance.nodes.filter((n) => n.status !== undefined && n.status !== 'ACTIVE');
      findings.push(
        abnormal.length === 0
          ? pass('postgresql.nodes-normal', 'every node is ACTIVE')
          : fail(
              'postgresql.nodes-normal',
              `an instance with abnormal nodes cannot be upgraded: ${abnormal.map((n) => `${n.role ?? n.id} ${n.status}`).join(', ')}`,
            ),
      );
    }
    if (params.secondSwitch !== undefined && !(isMySql(instance) && instance.type === 'Ha'))
      findings.push(
        fail(
          'second-switch.mysql-ha-only',
          `second_switch applies to RDS for MySQL primary/standby only; this is ${instance.datastore.type} ${instance.type}`,
        ),
      );
    if (side === 'dr') {
      const relations = await this.client.drInfos(
        ref(target, 'dr'),
        { slave_instance_id: instance.id },
        options.signal,
      );
      if (!relations.instance_dr_infos || relations.instance_dr_infos.length > 0)
        findings.push(
          fail(
            'dr.no-minor-upgrade',
            relations.instance_dr_infos
              ? 'a DR instance cannot take a minor version upgrade once DR is set up'
              : 'Huawei ListDrInfos answered without its instance_dr_infos list, so whether this is an established DR instance is unknown',
          ),
        );
    }
    await this.checkNoRunningJob(target, side, findings, options.signal);
    findings.push(pass('version', `${side} runs ${instance.datastore.type} ${version}`));
    return this.result(findings, target);
  }

  protected send(input: OperationInput, signal?: AbortSignal) {
    const { params } = input;
    return this.client.upgradeMinorVersion(
      ref(input.target, this.sideOf(input)),
      {
        is_delayed: params.isDelayed === true,
        ...(params.secondSwitch === undefined ? {} : { second_switch: params.secondSwitch === true }),
      },
      signal,
    );
  }
}
