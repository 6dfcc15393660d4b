import { describeError } from '../../domain/errors.js';
import type { Finding, JobRef, Step, StepStatus } from '../../domain/operation.js';
import { orderByDependencies } from '../../domain/steps.js';
import { checked, jobStep, startedSince } from '../driver-base.js';
import type {
  CallOptions,
  Fencer,
  JobStatus,
  Observation,
  OperationDriver,
  OperationInput,
  PrecheckResult,
  ProviderCheck,
  Target,
} from '../provider.js';
import type { OcpClient, TenantPair } from './ocp-client.js';
import type { OcpSubtask } from './ocp-schemas.js';

/** A pair of OceanBase tenants in a primary/standby relationship, as configured. */
export interface OceanBasePairIds {
  primary: { clusterId: number; tenantId: number };
  standby: { clusterId: number; tenantId: number };
}

export function oceanBaseTarget(ids: OceanBasePairIds): Target {
  return {
    clusterId: ids.primary.clusterId,
    tenantId: ids.primary.tenantId,
    standbyClusterId: ids.standby.clusterId,
    standbyTenantId: ids.standby.tenantId,
  };
}

function reversed(target: Target): Target {
  return {
    clusterId: target.standbyClusterId as number,
    tenantId: target.standbyTenantId as number,
    standbyClusterId: target.clusterId as number,
    standbyTenantId: target.tenantId as number,
  };
}

function tenantPair(target: Target): TenantPair {
  return {
    clusterId: Number(target.clusterId),
    tenantId: Number(target.tenantId),
    standbyTenantId: Number(target.standbyTenantId),
  };
}

const SUBTASK_STATUS: Record<OcpSubtask['status'], StepStatus> = {
  PENDING: 'pending',
  READY: 'pending',
  RUNNING: 'running',
  CANCELING: 'running',
  FAILED: 'failed',
  SUCCESSFUL: 'succeeded',
};

/** OCP subtasks as steps, upstreams before downstreams. A skipped subtask is marked SUCCESSFUL by OCP. */
export function subtasksToSteps(subtasks: readonly OcpSubtask[]): Step[] {
  return orderByDependencies(
    subtasks.map((s) => ({
      id: String(s.id),
      name: s.description ?? s.name,
      status: s.status === 'SUCCESSFUL' && s.operation === 'SKIP' ? 'skipped' : SUBTASK_STATUS[s.status],
      upstreams: s.upstreams.map(String),
      downstreams: s.downstreams.map(String),
      startedAt: s.startTime,
      finishedAt: s.finishTime,
    })),
  );
}

/** The message part of an OCP log line: after "---", past the "[thread] logger :" prefix when present. */
function logMessage(line: string): string {
  const afterMarker = line.includes('---') ? line.slice(line.indexOf('---') + 3).trim() : line;
  const logger = /^\[[^\]]*\]\s+\S+\s+:\s+(.*)$/.exec(afterMarker);
  return (logger ? (logger[1] as string) : afterMarker).slice(0, 500);
}

/** The most telling line of a subtask log: the last ERROR-level line, else the last exception, else the last line. */
export function lastErrorLine(log: string): string | undefined {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('####'));
  const line =
    lines.findLast((l) => /\s(ERROR|FATAL)\s/.test(l)) ??
    lines.findLast((l) => /Exception|Error:/.test(l)) ??
    lines.at(-1);
  return line === undefined ? undefined : logMessage(line);
}

function precheckFindings(
  result: Awaited<ReturnType<OcpClient['switchoverPreCheck']>>,
  label: string,
): Finding[] {
  const findings: Finding[] = [];
  for (const message of result.messages ?? []) findings.push({ rule: label, passed: false, message });
  for (const item of result.standbyCheckResults?.checkResults ?? []) {
    const passed = item.valid ?? item.passed ?? true;
    const message = item.message ?? item.name ?? item.checkItem ?? JSON.stringify(item);
    findings.push({ rule: `${label}.${item.checkItem ?? item.name ?? 'standby'}`, passed, message });
  }
  if (result.standbyCheckResults && !result.standbyCheckResults.valid && findings.every((f) => f.passed))
    findings.push({
      rule: `${label}.standby`,
      passed: false,
      message: 'OCP reports the standby tenant is not ready',
    });
  if (findings.length === 0)
    findings.push({
      rule: label,
      passed: result.valid,
      message: result.valid
        ? 'OCP switchover pre-check passed'
        : 'OCP switchover pre-check failed without a reason',
    });
  return findings;
}

/** What both OCP drivers share: an OCP task followed subtask by subtask, found again by its name. */
abstract class OcpTaskDriver implements OperationDriver {
  constructor(protected readonly client: OcpClient) {}

  /** Matches the task name of this driver's operation in OCP's task list. */
  protected abstract readonly taskName: RegExp;
  /** The tenant whose task list holds this operation's task. */
  protected abstract tenantOf(target: Target): number;
  abstract precheck(input: OperationInput, options?: CallOptions): Promise<PrecheckResult>;
  abstract submit(input: OperationInput, options?: CallOptions): Promise<{ id: string; name?: string }>;

  async findSubmitted({ target, since }: OperationInput & { since: string }, options: CallOptions = {}) {
    const page = await this.client.listTasks({ tenantId: this.tenantOf(target) }, options.signal);
    const match = page.contents.find(
      (task) => this.taskName.test(task.name) && startedSince(since, task.createTime ?? task.startTime),
    );
    return match ? { id: String(match.id), name: match.name } : undefined;
  }

  async followJob(job: JobRef, _input: OperationInput, options: CallOptions = {}): Promise<JobStatus> {
    const task = await this.client.getTask(job.id, options.signal);
    const steps = subtasksToSteps(task.subtasks);
    if (task.status === 'RUNNING') return { status: 'running', steps };
    if (task.status === 'SUCCESSFUL') return { status: 'succeeded', steps };
    const failed = task.subtasks.find((s) => s.status === 'FAILED');
    if (!failed) return { status: 'failed', steps, message: `OCP task ${task.id} failed` };
    const log = await this.client.getSubtaskLog(task.id, failed.id, options.signal).catch(() => undefined);
    const reason = log ? lastErrorLine(log.log) : undefined;
    const name = failed.description ?? failed.name;
    const failedStep = steps.find((s) => s.id === String(failed.id));
    if (failedStep && reason) failedStep.message = reason;
    return { status: 'failed', steps, failedStep: name, message: reason ?? `subtask "${name}" failed` };
  }

  /**
   * After a switchover or failover, OCP's tenant details (tenant-details: clusterType PRIMARY or STANDBY, status,
   * locked, readonly): the promoted tenant is PRIMARY, NORMAL, neither locked nor read-only; the old primary is a
   * STANDBY now (a switchover demotes it) or locked (the fence). The page calls clusterType "the type of the cluster
   * to which the tenant belongs"; with tenant-level standbys (OceanBase 4.x) Switchyard reads it as the tenant's
   * role, which is what OCP's switchover and failover change. A lock leaves open sessions open (lock-tenant page).
   */
  async verify({ target }: OperationInput, options: CallOptions = {}): Promise<ProviderCheck[]> {
    const tenant = (cluster: unknown, id: unknown) =>
      this.client.getTenant(Number(cluster), Number(id), options.signal);
    const promoted = tenant(target.standbyClusterId, target.standbyTenantId);
    promoted.catch(() => undefined);
    const promotedName = `tenant ${target.standbyTenantId}`;
    const oldName = `tenant ${target.tenantId}`;
    return Promise.all([
      checked('new-primary.role', async () => {
        const { clusterType } = await promoted;
        return {
          outcome: clusterType === 'PRIMARY' ? 'passed' : clusterType === 'STANDBY' ? 'failed' : 'unknown',
          detail: `OCP lists ${promotedName} as ${clusterType ?? 'no clusterType'}`,
        };
      }),
      checked('new-primary.writable', async () => {
        const found = await promoted;
        const state = `${found.status ?? 'no status'}, ${found.locked ? 'locked' : 'not locked'}, ${found.readonly ? 'read-only' : 'not read-only'}`;
        if (found.locked || found.readonly)
          return { outcome: 'failed', detail: `OCP lists ${promotedName} as ${state}` };
        return {
          outcome:
            found.status === 'NORMAL' && found.locked === false && found.readonly === false
              ? 'passed'
              : 'unknown',
          detail: `OCP lists ${promotedName} as ${state}`,
        };
      }),
      checked('old-primary.fenced', async () => {
        const found = await tenant(target.clusterId, target.tenantId);
        if (found.clusterType === 'STANDBY')
          return { outcome: 'passed', detail: `OCP lists ${oldName} as STANDBY: it was demoted` };
        if (found.locked)
          return {
            outcome: 'passed',
            detail: `OCP lists ${oldName} as locked: it takes no new connections, though sessions already open stay until they end`,
          };
        return {
          outcome: found.clusterType === 'PRIMARY' ? 'failed' : 'unknown',
          detail: `OCP lists ${oldName} as ${found.clusterType ?? 'no clusterType'} and not locked${found.clusterType === 'PRIMARY' ? ': two primary tenants may take writes' : ''}`,
        };
      }),
    ]);
  }
}

/** switchover: switchoverPreCheck, then the tenant switchover; roles learned from OCP. */
export class OcpSwitchoverDriver extends OcpTaskDriver {
  protected readonly taskName = /switchover/i;

  protected tenantOf(target: Target) {
    return Number(target.tenantId);
  }

  async precheck({ target, params }: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const asConfigured = await this.client.switchoverPreCheck(tenantPair(target), options.signal);
    if (asConfigured.valid)
      return { valid: true, findings: precheckFindings(asConfigured, 'ocp.switchoverPreCheck'), target };
    // After a switchover the configured "standby" is the primary. OCP knows the current roles, so ask it
    // the other way round rather than keep a copy of the roles that could drift.
    const flipped = reversed(target);
    const other = await this.client.switchoverPreCheck(tenantPair(flipped), options.signal);
    // A switchover that must go one way (a drill's leg) is refused rather than turned round when OCP disagrees.
    if (other.valid && params.fromRecordedPrimary !== undefined)
      return {
        valid: false,
        findings: [
          {
            rule: 'ocp.roles',
            passed: false,
            message: `OCP says tenant ${flipped.tenantId} is the primary, not tenant ${target.tenantId} as Switchyard's record says: this switchover must go from tenant ${target.tenantId}, so it is not sent`,
          },
        ],
        target,
      };
    if (other.valid) {
      const note: Finding = {
        rule: 'ocp.roles',
        passed: true,
        message: `tenant ${flipped.tenantId} is the primary now; switching over to tenant ${flipped.standbyTenantId}`,
      };
      return {
        valid: true,
        findings: [note, ...precheckFindings(other, 'ocp.switchoverPreCheck')],
        target: flipped,
      };
    }
    return { valid: false, findings: precheckFindings(asConfigured, 'ocp.switchoverPreCheck'), target };
  }

  async submit({ target }: OperationInput, options: CallOptions = {}) {
    // The path names the primary tenant and its cluster; the body repeats the primary and names the standby.
    // The doc's sample does not say which tenant the path's {tenantId} is: we send the primary, as the body does.
    const task = await this.client.switchover(tenantPair(target), options.signal);
    return { id: String(task.id), name: task.name };
  }
}

/** promote-standby: tenant failover of the standby (OCP's batch API with one item), after failoverPreCheck. */
export class OcpFailoverDriver extends OcpTaskDriver {
  protected readonly taskName = /failover/i;

  protected tenantOf(target: Target) {
    return Number(target.standbyTenantId);
  }

  async precheck({ target }: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const standby = { clusterId: Number(target.standbyClusterId), tenantId: Number(target.standbyTenantId) };
    let result = await this.client.failoverPreCheck(standby, options.signal);
    let chosen = target;
    if (!result.valid) {
      // After a switchover the configured primary is the standby: ask OCP about the other tenant too.
      const other = await this.client.failoverPreCheck(
        { clusterId: Number(target.clusterId), tenantId: Number(target.tenantId) },
        options.signal,
      );
      if (other.valid) {
        result = other;
        chosen = reversed(target);
      }
    }
    // The tenant pre-check carries its check results itself, where the switchover's nests them under the standby.
    const findings = precheckFindings(
      { valid: result.valid, standbyCheckResults: result },
      'ocp.failoverPreCheck',
    );
    findings.push({
      rule: 'data-loss',
      passed: true,
      warning: true,
      message: `data may be lost: the standby tenant ${chosen.standbyTenantId} has what reached it up to SCN ${result.syncScn ?? 'unknown'}; OCP gives no lag in seconds`,
    });
    return { valid: result.valid, findings, target: chosen };
  }

  async submit({ target }: OperationInput, options: CallOptions = {}) {
    const task = await this.client.failover(
      { clusterId: Number(target.standbyClusterId), tenantId: Number(target.standbyTenantId) },
      options.signal,
    );
    return { id: String(task.id), name: task.name };
  }

  /**
   * OCP's own word on the primary is its failover pre-check of the standby: it decides "whether a failover can be
   * performed" (cluster-2700.failover-pre-check), and OCP allows a failover only for a lost primary. The page
   * does not list the checks it runs, so a pre-check that does not pass is not read as "up": it says nothing,
   * and a person decides. A tenant's status (NORMAL, MODIFYING ...) is its lifecycle, not whether it answers.
   */
  async observe({ target }: OperationInput, options: CallOptions = {}): Promise<Observation> {
    const ask = async (t: Target) => {
      const asked = `failoverPreCheck for the standby tenant ${t.standbyTenantId}`;
      try {
        const result = await this.client.failoverPreCheck(
          { clusterId: Number(t.standbyClusterId), tenantId: Number(t.standbyTenantId) },
          options.signal,
        );
        const failed = result.checkResults
          .filter((c) => (c.valid ?? c.passed) === false)
          .map((c) => c.message ?? c.checkItem ?? 'a check failed');
        const answer = result.valid
          ? `passed: OCP would fail tenant ${t.tenantId} over, as it does only for a lost primary`
          : `not passed${failed.length ? ` (${failed.join('; ')})` : ''}`;
        return {
          result,
          evidence: { observer: 'OCP', asked, answer, verdict: result.valid ? 'down' : 'unknown' } as const,
        };
      } catch (error) {
        return {
          evidence: {
            observer: 'OCP',
            asked,
            answer: `no answer (${describeError(error)})`,
            verdict: 'unknown',
            reached: false,
          } as const,
        };
      }
    };
    let seen = await ask(target);
    // After a switchover the configured primary is the standby: ask about the other tenant too, as the precheck does.
    if (seen.evidence.verdict !== 'down' && seen.result) {
      const other = await ask(reversed(target));
      if (other.evidence.verdict === 'down') seen = other;
    }
    const lag = lagFromScn(seen.result?.syncScn, Date.now());
    return {
      primary: seen.evidence.verdict,
      evidence: [seen.evidence],
      ...(lag !== undefined ? { lag: { seconds: lag } } : {}),
      lagDetail:
        lag !== undefined
          ? `the standby has everything up to ${lag.toFixed(1)} s ago (its sync SCN); what the primary wrote after that is lost`
          : `the lag is unknown (OCP gave the sync SCN ${seen.result?.syncScn ?? 'no value'}, not an OceanBase 4.x timestamp)`,
    };
  }

  readonly fencer: Fencer = new OcpLockFencer(this.client);
}

/** The "max SCN" sentinel OceanBase uses for an invalid position. */
const MAX_SCN = 4_611_686_018_427_387_903n;

/**
 * Seconds since the standby's sync SCN, when it is an OceanBase 4.x SCN: nanoseconds since the Unix epoch
 * (OceanBase's src/share/scn.cpp; TIMESTAMP_TO_SCN('2023-02-21 00:00:01') = 1676908801000000000). Measured
 * against now, it is at least the data lost, never less: the primary may have stopped writing before now.
 */
export function lagFromScn(scn: number | string | undefined, nowMs: number): number | undefined {
  if (scn === undefined || !/^\d{1,20}$/.test(String(scn))) return undefined;
  const value = BigInt(String(scn));
  // Before 2020 or at the sentinel: not a timestamp (an OceanBase 3.x SCN, or no position at all).
  if (value < 1_577_836_800_000_000_000n || value >= MAX_SCN) return undefined;
  const lag = (nowMs - Number(value / 1_000_000n)) / 1000;
  // A position ahead of our clock is a skew between clocks, not a lag of zero: it says nothing.
  return lag < 0 ? undefined : lag;
}

/**
 * Fences the old primary tenant by locking it (POST /api/v2/ob/clusters/{id}/tenants/{tenantId}/lock,
 * common-ocp-10000000002169821), before the promotion. A locked tenant takes no new connections, but the
 * sessions already open stay until they end (OceanBase's lock-tenant page): OCP offers no way to end them.
 */
class OcpLockFencer implements Fencer {
  readonly timing = 'before';

  constructor(private readonly client: OcpClient) {}

  describe(input: OperationInput) {
    return `OCP lock of the old primary tenant ${input.target.tenantId}, before the promotion: no new connections, though sessions already open stay until they end`;
  }

  member(input: OperationInput) {
    return `tenant ${input.target.tenantId}`;
  }

  private jobOf(input: OperationInput) {
    return {
      id: `lock:${input.target.tenantId}`,
      name: `Fence the old primary tenant ${input.target.tenantId}: lock it`,
    };
  }

  async fence(input: OperationInput, options: CallOptions = {}) {
    await this.client.lockTenant(
      Number(input.target.clusterId),
      Number(input.target.tenantId),
      options.signal,
    );
    return this.jobOf(input);
  }

  async findFence(input: OperationInput, options: CallOptions = {}) {
    const tenant = await this.client.getTenant(
      Number(input.target.clusterId),
      Number(input.target.tenantId),
      options.signal,
    );
    return tenant.locked ? this.jobOf(input) : undefined;
  }

  /**
   * OCP's lock-tenant page names no condition on locking a tenant, so the fence is taken to be permitted when OCP
   * answers for the tenant at all (with the credentials Switchyard holds).
   */
  permitted(input: OperationInput, options: CallOptions = {}): Promise<ProviderCheck> {
    return checked('fence.permitted', async () => {
      const tenant = await this.client.getTenant(
        Number(input.target.clusterId),
        Number(input.target.tenantId),
        options.signal,
      );
      return {
        outcome: 'passed',
        detail: `OCP answers for tenant ${tenant.name} (${tenant.locked ? 'locked already' : 'not locked'}), and documents no condition on locking it`,
      };
    });
  }

  /** The lock is synchronous: the tenant's own `locked` flag says whether it took. */
  async followFence(job: JobRef, input: OperationInput, options: CallOptions = {}): Promise<JobStatus> {
    const tenant = await this.client.getTenant(
      Number(input.target.clusterId),
      Number(input.target.tenantId),
      options.signal,
    );
    const step = jobStep(
      'lock-tenant',
      job.name ?? this.jobOf(input).name,
      tenant.locked ? 'succeeded' : 'failed',
      {
        message: `OCP lists tenant ${tenant.name} as ${tenant.locked ? 'locked' : 'not locked'}`,
      },
    );
    return tenant.locked
      ? { status: 'succeeded', steps: [step] }
      : {
          status: 'failed',
          steps: [step],
          failedStep: step.name,
          message: `OCP accepted the lock but tenant ${tenant.name} is not locked`,
        };
  }
}
