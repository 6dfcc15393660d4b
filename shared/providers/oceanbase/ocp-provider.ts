import type { Finding, JobRef, Step, StepStatus } from '../../domain/operation.js';
import { orderByDependencies } from '../../domain/steps.js';
import type {
  CallOptions,
  JobStatus,
  OperationDriver,
  OperationInput,
  PrecheckResult,
  Provider,
  Target,
} from '../provider.js';
import type { OcpClient, TenantPair } from './ocp-client.js';
import type { OcpSubtask, OcpTaskInstance } from './ocp-schemas.js';

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

class OcpSwitchoverDriver implements OperationDriver {
  constructor(private readonly client: OcpClient) {}

  async precheck({ target }: OperationInput, options: CallOptions = {}): Promise<PrecheckResult> {
    const asConfigured = await this.client.switchoverPreCheck(tenantPair(target), options.signal);
    if (asConfigured.valid)
      return { valid: true, findings: precheckFindings(asConfigured, 'ocp.switchoverPreCheck'), target };
    // After a switchover the configured "standby" is the primary. OCP knows the current roles, so ask it
    // the other way round rather than keep a copy of the roles that could drift.
    const flipped = reversed(target);
    const other = await this.client.switchoverPreCheck(tenantPair(flipped), options.signal);
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

  async findSubmitted({ target, since }: OperationInput & { since: string }, options: CallOptions = {}) {
    const page = await this.client.listTasks({ tenantId: Number(target.tenantId) }, options.signal);
    // Allow for clock skew between us and OCP when comparing start times.
    const earliest = Date.parse(since) - 60_000;
    const match = page.contents.find((task) => {
      const started = Date.parse(task.createTime ?? task.startTime ?? '');
      return /switchover/i.test(task.name) && Number.isFinite(started) && started >= earliest;
    });
    return match ? { id: String(match.id), name: match.name } : undefined;
  }

  async followJob(job: JobRef, _input: OperationInput, options: CallOptions = {}): Promise<JobStatus> {
    const task = await this.client.getTask(job.id, options.signal);
    return this.toJobStatus(task, options);
  }

  private async toJobStatus(task: OcpTaskInstance, options: CallOptions): Promise<JobStatus> {
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
}

/** OceanBase Cloud Platform behind the provider port. */
export class OceanBaseProvider implements Provider {
  readonly name = 'oceanbase' as const;
  readonly displayName = 'OceanBase OCP';
  readonly operations;
  readonly unsupported = {
    'configure-dr':
      'OceanBase OCP standby tenants are created in OCP itself; Switchyard does not configure them.',
    'activate-migration-target': 'Migration targets are an Alibaba Cloud RDS feature, not an OCP one.',
    'upgrade-minor-version':
      'Switchyard does not upgrade OceanBase clusters; OCP runs those upgrades itself.',
    'promote-standby': 'Promoting an OceanBase standby tenant (failover) is not offered yet.',
  };

  constructor(client: OcpClient) {
    this.operations = { switchover: new OcpSwitchoverDriver(client) };
  }
}
