import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { ocpSignature, parseOcpAuthorization } from '../shared/providers/oceanbase/ocp-signer.js';
import { type BookedJob, type BookedStep, JobBook, jobPhase } from './job-book.js';
import type { BaseSimulatorOptions, JsonAnswer, SimRequest, Simulator } from './simulator-kit.js';
import { jsonBody, MAX_SKEW_MS, sandboxMember, simulatorBasics, startSimulator } from './simulator-kit.js';

/**
 * A sandbox OceanBase Cloud Platform: the tenant switchover and failover APIs, tenant lock, task tracking and
 * AK/SK or Basic auth, with the envelope, subtask DAG and error shapes of the OCP v2 API reference.
 *
 * Drills (sandbox control, not OCP's API):
 *   PATCH /_sandbox/tenants/{id}  {"available": false} makes a tenant stop answering (a lost primary); any other
 *                                 tenant field (role, status, locked, primaryTenantId ...) may be set the same way.
 *   POST /_sandbox/reset          restores the seed tenants: available, unlocked, paired as seeded.
 */

export const OCP_SANDBOX_CREDENTIALS = {
  accessKeyId: 'sandbox-ocp-access-key',
  accessKeySecret: 'sandbox-ocp-secret-key-0000000000',
  username: 'admin',
  password: 'sandbox-ocp-password',
} as const;

/**
 * Error codes. OCP's numeric codes are known only from OCP Express (providers.md §3.1): 10001 illegal argument,
 * 20000 task not found, 30000 not authenticated, 60002 tenant not found. The code for "cannot reach the
 * cluster" was not found, so 60100 is the sandbox's own.
 */
export const OCP_SANDBOX_CODES = {
  illegalArgument: 10001,
  taskNotFound: 20000,
  notAuthenticated: 30000,
  tenantNotFound: 60002,
  clusterUnreachable: 60100,
} as const;

/** A standby has what its primary wrote up to this long ago (real time): the sandbox's replication delay. */
export const OCP_REPLICATION_DELAY_MS = 2000;

/** The seed's ten subtasks, in dependency order, with how long each takes on a real OCP (seconds). */
export const SWITCHOVER_SUBTASKS: readonly {
  name: string;
  seconds: number;
  timeout: number;
  prohibitRollback?: true;
}[] = [
  { name: 'Prepare switchover tenant', seconds: 5, timeout: 60 },
  { name: 'Create standby tenant read only user', seconds: 10, timeout: 1800 },
  { name: 'Wait all relation tenants accessible', seconds: 30, timeout: 3600 },
  { name: 'Switch primary tenant to standby', seconds: 60, timeout: 1800 },
  { name: 'Switchover standby tenant to primary', seconds: 60, timeout: 1800, prohibitRollback: true },
  { name: 'Reset log restore source', seconds: 20, timeout: 1800 },
  { name: 'Update log restore source', seconds: 20, timeout: 900 },
  { name: 'Restart tenant service name if started', seconds: 20, timeout: 600 },
  { name: 'Update tenant role in meta', seconds: 5, timeout: 120 },
  { name: 'Reset switchover tenant info', seconds: 5, timeout: 120 },
];

/** A tenant failover's subtasks (OCP does not publish them; these follow its switchover's naming). */
export const FAILOVER_SUBTASKS: readonly {
  name: string;
  seconds: number;
  timeout: number;
  prohibitRollback?: true;
}[] = [
  { name: 'Prepare failover tenant', seconds: 5, timeout: 60 },
  { name: 'Failover standby tenant to primary', seconds: 60, timeout: 1800, prohibitRollback: true },
  { name: 'Update tenant role in meta', seconds: 5, timeout: 120 },
];

export interface SimTenant {
  id: number;
  name: string;
  clusterId: number;
  clusterName: string;
  role: 'PRIMARY' | 'STANDBY';
  status: 'NORMAL' | 'MODIFYING';
  /** A standby's primary: the tenant it replicates from (none for a primary, or a promoted standby). */
  primaryTenantId?: number;
  /** Sandbox only: whether the tenant answers; a drill sets false for a lost primary. Absent: true. */
  available?: boolean;
  /** Sandbox only: when it stopped answering (ms since the epoch); its standby has what it wrote until then. */
  unavailableSince?: number;
  /** Locked through OCP's lock tenant: no new connections, so it takes no writes (the sandbox's fence). */
  locked?: boolean;
}

/** A subtask's own fields: the job book runs a task's subtasks as its steps, end to end. */
interface SubtaskPlan {
  id: number;
  name: string;
  seconds: number;
  seriesId: number;
  timeout: number;
  prohibitRollback: boolean;
  upstreams: number[];
  downstreams: number[];
}
type SimSubtask = BookedStep<SubtaskPlan>;

/** A task's own fields; its times, subtasks' times, failure and outcome are the job book's. */
interface OcpTask {
  id: number;
  name: string;
  clusterId: number;
  tenantId: number;
  tenantIds: number[];
  kind: 'switchover' | 'failover';
  /** Switchover: the two tenants swap; failover: the standby becomes primary (primary 0: none named). */
  roles: { primary: number; standby: number };
}
type SimTask = BookedJob<OcpTask, SubtaskPlan>;

/** A task's status in each phase of it (OCP starts a task at once: it is never scheduled ahead). */
const TASK_STATUS = {
  scheduled: 'RUNNING',
  running: 'RUNNING',
  failed: 'FAILED',
  succeeded: 'SUCCESSFUL',
} as const;

export const DEFAULT_OCP_TENANTS: readonly SimTenant[] = [
  { id: 1001, name: 'orders', clusterId: 1, clusterName: 'ob-hangzhou', role: 'PRIMARY', status: 'NORMAL' },
  {
    id: 1002,
    name: 'orders_standby',
    clusterId: 2,
    clusterName: 'ob-shanghai',
    role: 'STANDBY',
    status: 'NORMAL',
    primaryTenantId: 1001,
  },
  { id: 1003, name: 'payments', clusterId: 1, clusterName: 'ob-hangzhou', role: 'PRIMARY', status: 'NORMAL' },
  {
    id: 1004,
    name: 'payments_standby',
    clusterId: 2,
    clusterName: 'ob-shanghai',
    role: 'STANDBY',
    status: 'NORMAL',
    primaryTenantId: 1003,
  },
];

/** At speed 60 the four-minute switchover takes four seconds. */
export interface OcpSimulatorOptions extends BaseSimulatorOptions {
  tenants?: readonly SimTenant[];
}

export interface OcpSimulator extends Simulator {
  tenants: Map<number, SimTenant>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function startOcpSimulator(options: OcpSimulatorOptions = {}): Promise<OcpSimulator> {
  const basics = simulatorBasics(options);
  const { clock, faults } = basics;
  const tenants = new Map<number, SimTenant>();
  const tasks = new JobBook<number, OcpTask, SubtaskPlan>(basics, {
    idOf: (task) => task.id,
    onSettle: (task) => {
      if (task.failure === undefined) swapRoles(task);
      for (const id of task.tenantIds) (tenants.get(id) as SimTenant).status = 'NORMAL';
    },
  });
  let nextTaskId = 12_022_212;
  let nextSubtaskId = 13_025_739;
  const server = randomBytes(5).toString('hex');

  const reset = () => {
    tenants.clear();
    for (const t of options.tenants ?? DEFAULT_OCP_TENANTS)
      tenants.set(t.id, { available: true, locked: false, ...structuredClone(t) });
    tasks.reset();
  };
  reset();

  const envelope = (data: unknown, status = 200): JsonAnswer => ({
    status,
    body: {
      data,
      successful: true,
      timestamp: iso(clock.now()),
      duration: 3,
      status,
      traceId: traceId(),
      server,
    },
  });
  const errorAnswer = (
    status: number,
    message: string,
    code: number | string = status === 401
      ? OCP_SANDBOX_CODES.notAuthenticated
      : OCP_SANDBOX_CODES.illegalArgument,
  ) => ({
    status,
    body: {
      successful: false,
      status,
      timestamp: iso(clock.now()),
      duration: 1,
      traceId: traceId(),
      server,
      error: { code, message },
    },
  });

  /** A succeeded task's effect: the tenants swap roles. */
  const swapRoles = (task: SimTask) => {
    const primary = tenants.get(task.roles.primary);
    const standby = tenants.get(task.roles.standby);
    // A failover leaves the lost primary as it was: OceanBase does not demote a tenant it cannot reach.
    if (standby) {
      standby.role = 'PRIMARY';
      delete standby.primaryTenantId;
    }
    if (primary && task.kind === 'switchover') {
      primary.role = 'STANDBY';
      primary.primaryTenantId = standby?.id;
    }
  };
  const settleAll = () => tasks.settle();

  const subtaskStatus = (task: SimTask, subtask: SimSubtask, now: number) => {
    const failedBefore = task.steps.find(
      (s) => s.failure !== undefined && s.endsAt <= now && s.seriesId < subtask.seriesId,
    );
    if (failedBefore || now < subtask.startsAt)
      return now >= subtask.startsAt && !failedBefore ? 'READY' : 'PENDING';
    if (now < subtask.endsAt) return 'RUNNING';
    return subtask.failure === undefined ? 'SUCCESSFUL' : 'FAILED';
  };

  const taskStatus = (task: SimTask, now: number) => TASK_STATUS[jobPhase(task, now)];

  const taskView = (task: SimTask, now: number) => {
    const status = taskStatus(task, now);
    const finished = task.steps.filter((s) => now >= s.endsAt).map((s) => s.endsAt);
    const tenant = tenants.get(task.tenantId);
    return {
      id: task.id,
      name: task.name,
      clusterId: task.clusterId,
      tenantId: task.tenantId,
      creator: { id: 100, name: 'switchyard' },
      executor: '127.0.0.1',
      operation: 'EXECUTE',
      type: 'MANUAL',
      taskDefinitionId: -1,
      prohibitRollback: false,
      status,
      createTime: iso(task.createdAt),
      startTime: iso(task.createdAt),
      ...(status === 'RUNNING' ? {} : { finishTime: iso(Math.max(...finished)) }),
      tenant: tenant ? { id: tenant.id, name: tenant.name, mode: 'MYSQL' } : undefined,
      subtasks: task.steps.map((s) => {
        const st = subtaskStatus(task, s, now);
        return {
          id: s.id,
          name: s.name,
          description: s.name,
          seriesId: s.seriesId,
          nodeType: 'JAVA_TASK',
          operation: 'EXECUTE',
          parallelIdx: -1,
          prohibitRollback: s.prohibitRollback,
          runTime: 1,
          timeout: s.timeout,
          status: st,
          upstreams: s.upstreams,
          downstreams: s.downstreams,
          createTime: iso(task.createdAt),
          ...(st === 'PENDING' || st === 'READY'
            ? {}
            : { startTime: iso(s.startsAt), executor: '127.0.0.1' }),
          ...(st === 'SUCCESSFUL' || st === 'FAILED' ? { finishTime: iso(s.endsAt) } : {}),
        };
      }),
    };
  };

  const subtaskLog = (task: SimTask, subtask: SimSubtask, now: number) => {
    const st = subtaskStatus(task, subtask, now);
    if (st === 'PENDING' || st === 'READY') return '';
    const lines = [
      `############{EXECUTE}{${iso(subtask.startsAt)}}############`,
      `${iso(subtask.startsAt)}  INFO --- Run subtask, id=${subtask.id}, name=${subtask.name}`,
    ];
    if (st === 'SUCCESSFUL')
      lines.push(
        `${iso(subtask.endsAt)}  INFO --- Set state for subtask: ${subtask.id}, new state: SUCCESSFUL`,
      );
    if (st === 'FAILED') {
      lines.push(`${iso(subtask.endsAt)}  ERROR --- ${subtask.failure}`);
      lines.push(`${iso(subtask.endsAt)}  INFO --- Set state for subtask: ${subtask.id}, new state: FAILED`);
    }
    return lines.join('\n');
  };

  const runningTaskOn = (tenantId: number, now: number) =>
    tasks.runningAt(now, (t) => t.tenantIds.includes(tenantId));

  /** The problems OCP's pre-check would report for switching `primaryId` over to `standbyId`. */
  const switchoverProblems = (request: SimRequest, primaryId: number, standbyId: number, now: number) => {
    const problems: { checkItem: string; message: string }[] = [];
    const primary = tenants.get(primaryId);
    const standby = tenants.get(standbyId);
    if (!primary)
      problems.push({ checkItem: 'TENANT_EXISTS', message: `Tenant ${primaryId} does not exist` });
    if (!standby)
      problems.push({ checkItem: 'TENANT_EXISTS', message: `Tenant ${standbyId} does not exist` });
    if (primary && primary.role !== 'PRIMARY')
      problems.push({
        checkItem: 'PRIMARY_TENANT_ROLE',
        message: `Tenant ${primary.name} (${primary.id}) is not a primary tenant`,
      });
    if (standby && standby.role !== 'STANDBY')
      problems.push({
        checkItem: 'STANDBY_TENANT_ROLE',
        message: `Tenant ${standby.name} (${standby.id}) is not a standby tenant`,
      });
    if (
      primary &&
      standby?.role === 'STANDBY' &&
      standby.primaryTenantId !== undefined &&
      standby.primaryTenantId !== primary.id
    )
      problems.push({
        checkItem: 'STANDBY_OF_PRIMARY',
        message: `Tenant ${standby.name} (${standby.id}) is not a standby of ${primary.name} (${primary.id})`,
      });
    // A switchover demotes the primary and promotes the standby in turn: OCP has to reach both tenants.
    for (const [side, tenant] of [
      ['primary', primary],
      ['standby', standby],
    ] as const)
      if (tenant && !isAvailable(tenant))
        problems.push({
          checkItem: 'TENANT_AVAILABLE',
          message: `the ${side} tenant ${tenant.name} (${tenant.id}) is unavailable; a switchover needs both tenants${side === 'primary' ? ', a failover is for a lost primary' : ''}`,
        });
    for (const id of [primaryId, standbyId]) {
      const running = runningTaskOn(id, now);
      if (running)
        problems.push({
          checkItem: 'NO_RUNNING_TASK',
          message: `Tenant ${id} has a running task: ${running.name} (id ${running.id})`,
        });
    }
    const injected = faults.take('precheck', request);
    if (injected) problems.push({ checkItem: 'SANDBOX_FAULT', message: injected.message });
    return { primary, standby, problems };
  };

  const isAvailable = (tenant: SimTenant) => tenant.available !== false;
  const primaryOf = (standby: SimTenant) =>
    standby.primaryTenantId === undefined ? undefined : tenants.get(standby.primaryTenantId);

  /**
   * The standby's sync SCN: an OceanBase 4.x SCN is nanoseconds since the Unix epoch (OceanBase src/share/scn.cpp;
   * providers.md §6.3), here the moment up to which the standby has its primary's log: the primary's last
   * available moment (now, while it answers) less the replication delay. A JSON number, as OCP (Java) writes a
   * long; the client schema takes a number or a string.
   */
  const syncScn = (standby: SimTenant, now: number) => {
    const primary = primaryOf(standby);
    const lastSeen = primary && !isAvailable(primary) ? (primary.unavailableSince ?? now) : now;
    return (lastSeen - OCP_REPLICATION_DELAY_MS) * 1_000_000;
  };

  const pathIds = (url: URL) => /^\/api\/v2\/ob\/clusters\/(\d+)\/tenants\/(\d+)/.exec(url.pathname);

  const handle = (request: SimRequest): JsonAnswer => {
    const now = clock.now();
    settleAll();
    const { url } = request;
    const body = jsonBody(request.rawBody);
    if (body === undefined) return errorAnswer(400, 'Request body is not valid JSON');
    switch (request.route) {
      case 'switchoverPreCheck':
      case 'switchover': {
        const ids = pathIds(url) as RegExpExecArray;
        const clusterId = Number(ids[1]);
        const pathTenant = Number(ids[2]);
        const primaryId = Number(body.tenantId);
        const standbyId = Number(body.standbyTenantId);
        if (!Number.isInteger(primaryId) || !Number.isInteger(standbyId))
          return errorAnswer(
            400,
            'tenantId and standbyTenantId are required',
            OCP_SANDBOX_CODES.illegalArgument,
          );
        const pathTenantRecord = tenants.get(pathTenant);
        if (!pathTenantRecord || pathTenantRecord.clusterId !== clusterId)
          return errorAnswer(404, `Tenant not found: id=${pathTenant}`, OCP_SANDBOX_CODES.tenantNotFound);
        const { primary, standby, problems } = switchoverProblems(request, primaryId, standbyId, now);
        if (request.route === 'switchoverPreCheck') {
          return envelope({
            valid: problems.length === 0,
            tenantId: primary?.id ?? primaryId,
            name: primary?.name,
            clusterId: primary?.clusterId,
            clusterName: primary?.clusterName,
            standbyCheckResults: {
              valid: problems.length === 0,
              tenantId: standby?.id ?? standbyId,
              name: standby?.name,
              clusterId: standby?.clusterId,
              clusterName: standby?.clusterName,
              syncScn: standby ? syncScn(standby, now) : undefined,
              primaryTenantServiceName: primary ? `${primary.name}_svc` : undefined,
              checkResults: problems.map((p) => ({ ...p, valid: false })),
            },
          });
        }
        if (problems.length > 0)
          return errorAnswer(
            400,
            problems.map((p) => p.message).join('; '),
            OCP_SANDBOX_CODES.illegalArgument,
          );
        return envelope(
          taskView(createTask('switchover', primary as SimTenant, standby as SimTenant, request, now), now),
        );
      }
      case 'failoverPreCheck':
      case 'failover': {
        const clusterId = Number(url.pathname.split('/')[5]);
        const items = Array.isArray(body.failoverTenantItemList)
          ? (body.failoverTenantItemList as { tenantId?: unknown }[])
          : [];
        const standbyId = Number(items[0]?.tenantId);
        const standby = tenants.get(standbyId);
        if (items.length !== 1 || !standby || standby.clusterId !== clusterId)
          return errorAnswer(
            400,
            'failoverTenantItemList must name one tenant of this cluster',
            OCP_SANDBOX_CODES.illegalArgument,
          );
        const problems: { checkItem: string; message: string }[] = [];
        if (standby.role !== 'STANDBY')
          problems.push({
            checkItem: 'STANDBY_TENANT_ROLE',
            message: `Tenant ${standby.name} (${standby.id}) is not a standby tenant`,
          });
        const running = runningTaskOn(standby.id, now);
        if (running)
          problems.push({
            checkItem: 'NO_RUNNING_TASK',
            message: `Tenant ${standby.id} has a running task: ${running.name} (id ${running.id})`,
          });
        // OCP's failover is for a lost primary (providers.md §3.3; common-ocp-10000000002169822 does not list the
        // checks the pre-check runs, so this one is the sandbox's reading): while the primary answers, the way to
        // change roles is a switchover, and a failover would leave two primaries taking writes.
        const primary = primaryOf(standby);
        if (primary && isAvailable(primary))
          problems.push({
            checkItem: 'PRIMARY_TENANT_UNAVAILABLE',
            message: `the primary tenant ${primary.name} (${primary.id}) is available; a failover is for a lost primary, use a switchover`,
          });
        if (!isAvailable(standby))
          problems.push({
            checkItem: 'STANDBY_TENANT_AVAILABLE',
            message: `the standby tenant ${standby.name} (${standby.id}) is unavailable; OCP cannot promote it`,
          });
        const injected = faults.take('precheck', request);
        if (injected) problems.push({ checkItem: 'SANDBOX_FAULT', message: injected.message });
        if (request.route === 'failoverPreCheck')
          return envelope({
            valid: problems.length === 0,
            tenantId: standby.id,
            name: standby.name,
            clusterId: standby.clusterId,
            clusterName: standby.clusterName,
            syncScn: syncScn(standby, now),
            primaryTenantServiceName: `${standby.name.replace(/_standby$/, '')}_svc`,
            checkResults: problems.map((p) => ({ ...p, valid: false })),
          });
        if (problems.length > 0)
          return errorAnswer(
            400,
            problems.map((p) => p.message).join('; '),
            OCP_SANDBOX_CODES.illegalArgument,
          );
        // A failover names only the standby: the lost primary is left as it is.
        const task = createTask('failover', undefined, standby, request, now);
        return envelope({
          contents: [taskView(task, now)],
          page: { totalElements: 1, totalPages: 1, number: 1, size: 1 },
        });
      }
      case 'getTask': {
        const task = tasks.get(Number(url.pathname.split('/')[5]));
        if (!task) return errorAnswer(404, 'Task instance not found', OCP_SANDBOX_CODES.taskNotFound);
        return envelope(taskView(task, now));
      }
      case 'listTasks': {
        const tenantId = url.searchParams.get('tenantId');
        const statuses = url.searchParams.get('status')?.split(',');
        const contents = tasks
          .all()
          .filter((t) => tenantId === null || t.tenantIds.includes(Number(tenantId)))
          .map((t) => taskView(t, now))
          .filter((t) => !statuses || statuses.includes(t.status))
          .map(({ subtasks: _subtasks, ...rest }) => rest)
          .sort((a, b) => b.id - a.id);
        return envelope({
          contents,
          page: { totalElements: contents.length, totalPages: 1, number: 1, size: 100 },
        });
      }
      case 'subtaskLog': {
        const parts = url.pathname.split('/');
        const task = tasks.get(Number(parts[5]));
        const subtask = task?.steps.find((s) => s.id === Number(parts[7]));
        if (!task || !subtask)
          return errorAnswer(404, 'Subtask instance not found', OCP_SANDBOX_CODES.taskNotFound);
        return envelope({ log: subtaskLog(task, subtask, now) });
      }
      case 'getTenant': {
        const ids = pathIds(url) as RegExpExecArray;
        const tenant = tenants.get(Number(ids[2]));
        if (!tenant || tenant.clusterId !== Number(ids[1]))
          return errorAnswer(404, `Tenant not found: id=${ids[2]}`, OCP_SANDBOX_CODES.tenantNotFound);
        return envelope({
          id: tenant.id,
          name: tenant.name,
          clusterId: tenant.clusterId,
          clusterName: tenant.clusterName,
          clusterType: tenant.role,
          mode: 'MYSQL',
          status: tenant.status,
          locked: tenant.locked === true,
          readonly: false,
        });
      }
      // Lock tenant, POST /api/v2/ob/clusters/{id}/tenants/{tenantId}/lock, no body, synchronous
      // (common-ocp-10000000002169821; providers.md §6.3). Its answer's data is not documented: none is sent.
      case 'lockTenant': {
        const ids = pathIds(url) as RegExpExecArray;
        const tenant = tenants.get(Number(ids[2]));
        if (!tenant || tenant.clusterId !== Number(ids[1]))
          return errorAnswer(404, `Tenant not found: id=${ids[2]}`, OCP_SANDBOX_CODES.tenantNotFound);
        // OCP locks a tenant by running SQL on its cluster, so it cannot while the tenant does not answer.
        if (!isAvailable(tenant))
          return errorAnswer(
            500,
            `Failed to lock tenant ${tenant.name}: cannot connect to the OceanBase cluster ${tenant.clusterName} (id ${tenant.clusterId})`,
            OCP_SANDBOX_CODES.clusterUnreachable,
          );
        tenant.locked = true;
        return envelope(undefined);
      }
      default:
        return errorAnswer(404, `No API at ${request.method} ${url.pathname}`);
    }
  };

  /** The subtask DAG of a task: a chain, each subtask downstream of the one before. */
  const subtaskPlans = (kind: OcpTask['kind']): SubtaskPlan[] => {
    const defs = kind === 'switchover' ? SWITCHOVER_SUBTASKS : FAILOVER_SUBTASKS;
    const plans: SubtaskPlan[] = [];
    for (const [index, def] of defs.entries()) {
      const id = nextSubtaskId++;
      const previous = plans.at(-1);
      if (previous) previous.downstreams.push(id);
      plans.push({
        id,
        name: def.name,
        seconds: def.seconds,
        seriesId: index,
        timeout: def.timeout,
        prohibitRollback: def.prohibitRollback ?? false,
        upstreams: previous ? [previous.id] : [],
        downstreams: [],
      });
    }
    return plans;
  };

  /** Starts a switchover or failover task; its tenants are MODIFYING until it ends. */
  const createTask = (
    kind: OcpTask['kind'],
    primary: SimTenant | undefined,
    standby: SimTenant,
    request: SimRequest,
    now: number,
  ): SimTask => {
    const task = tasks.start(
      {
        id: nextTaskId++,
        name: kind === 'switchover' ? 'Switchover ob tenant for network mode' : 'Failover ob tenant',
        kind,
        clusterId: standby.clusterId,
        tenantId: standby.id,
        tenantIds: primary ? [primary.id, standby.id] : [standby.id],
        roles: { primary: primary?.id ?? 0, standby: standby.id },
      },
      { steps: subtaskPlans(kind), acceptedAt: now },
      request,
    );
    if (primary) primary.status = 'MODIFYING';
    standby.status = 'MODIFYING';
    return task;
  };

  const authenticate = (request: SimRequest): JsonAnswer | undefined => {
    const header = request.headers.authorization ?? '';
    if (header.startsWith('Basic ')) {
      const expected = Buffer.from(
        `${OCP_SANDBOX_CREDENTIALS.username}:${OCP_SANDBOX_CREDENTIALS.password}`,
      ).toString('base64');
      return header.slice(6) === expected ? undefined : errorAnswer(401, 'Bad credentials');
    }
    const parsed = parseOcpAuthorization(header);
    if (!parsed) return errorAnswer(401, 'Full authentication is required to access this resource');
    if (parsed.accessKeyId !== OCP_SANDBOX_CREDENTIALS.accessKeyId)
      return errorAnswer(401, 'Invalid access key');
    const date = request.headers.date;
    const sent = date ? Date.parse(date) : Number.NaN;
    // OCP's AK/SK rules want the Date "less than 15 minutes" from its own clock.
    if (Number.isNaN(sent) || Math.abs(clock.now() - sent) >= MAX_SKEW_MS)
      return errorAnswer(
        401,
        'Request date is missing or differs from the server time by 15 minutes or more',
      );
    const expected = ocpSignature(
      {
        method: request.method,
        pathWithQuery: request.url.pathname + request.url.search,
        host: request.headers.host ?? '',
        contentType: request.headers['content-type'] ?? '',
        date: date as string,
        headers: request.headers,
        body: request.rawBody,
      },
      OCP_SANDBOX_CREDENTIALS.accessKeySecret,
    );
    const a = Buffer.from(expected);
    const b = Buffer.from(parsed.signature);
    return a.length === b.length && timingSafeEqual(a, b)
      ? undefined
      : errorAnswer(401, 'Signature does not match');
  };

  const route = (method: string, url: URL, raw: Buffer) => {
    const p = url.pathname;
    const body = jsonBody(raw) ?? {};
    const bodyIds = [body.tenantId, body.standbyTenantId].filter((v) => v !== undefined).map(String);
    const tenantPath = pathIds(url);
    const targets = [...(tenantPath ? [tenantPath[2] as string] : []), ...bodyIds];
    if (method === 'POST' && /^\/api\/v2\/ob\/clusters\/\d+\/tenants\/failoverPreCheck$/.test(p))
      return { route: 'failoverPreCheck', targets: failoverTargets(body) };
    if (method === 'POST' && /^\/api\/v2\/ob\/clusters\/\d+\/tenants\/failover$/.test(p))
      return { route: 'failover', targets: failoverTargets(body) };
    if (method === 'POST' && /^\/api\/v2\/ob\/clusters\/\d+\/tenants\/\d+\/switchoverPreCheck$/.test(p))
      return { route: 'switchoverPreCheck', targets };
    if (method === 'POST' && /^\/api\/v2\/ob\/clusters\/\d+\/tenants\/\d+\/switchover$/.test(p))
      return { route: 'switchover', targets };
    if (method === 'GET' && /^\/api\/v2\/ob\/clusters\/\d+\/tenants\/\d+$/.test(p))
      return { route: 'getTenant', targets };
    if (method === 'POST' && /^\/api\/v2\/ob\/clusters\/\d+\/tenants\/\d+\/lock$/.test(p))
      return { route: 'lockTenant', targets };
    if (method === 'GET' && p === '/api/v2/tasks/instances') return { route: 'listTasks', targets: [] };
    if (method === 'GET' && /^\/api\/v2\/tasks\/instances\/\d+$/.test(p)) {
      const task = tasks.get(Number(p.split('/')[5]));
      return { route: 'getTask', targets: task ? task.tenantIds.map(String) : [] };
    }
    if (method === 'GET' && /^\/api\/v2\/tasks\/instances\/\d+\/subtasks\/\d+\/log$/.test(p))
      return { route: 'subtaskLog', targets: [] };
    return undefined;
  };

  const simulator = await startSimulator(basics, {
    route,
    authenticate,
    handle,
    errorAnswer: (status, message, code) => errorAnswer(status, message, code),
    credentialsRefused: () => errorAnswer(401, 'Invalid access key'),
    throttleAnswer: (retryAfterSeconds) => ({
      ...errorAnswer(
        429,
        'Excessive number of requests. You have exceeded the request limit for the current throttling window.',
        0,
      ),
      headers: {
        'RateLimit-Limit': '10',
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': String(retryAfterSeconds),
      },
    }),
    state: () => {
      settleAll();
      return {
        tenants: [...tenants.values()],
        timeline: tasks.timeline(),
        // A failover leaves the lost primary PRIMARY: once it answers again, only its lock keeps it from writes.
        members: [...tenants.values()].map((t) =>
          sandboxMember(
            String(t.id),
            t.role === 'PRIMARY' ? 'primary' : 'standby',
            isAvailable(t),
            t.locked === true,
          ),
        ),
        tasks: tasks.all().map((t) => taskView(t, clock.now())),
      };
    },
    control: (method, path, raw) => {
      const m = /^\/tenants\/(\d+)$/.exec(path);
      if (method !== 'PATCH' || !m) return undefined;
      const tenant = tenants.get(Number(m[1]));
      if (!tenant) return { status: 404, body: { error: `no tenant ${m[1]}` } };
      const parsed = TenantPatchSchema.safeParse(jsonBody(raw));
      if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
      settleAll();
      const change = parsed.data;
      // The moment a tenant stops answering is what its standby has synced up to; a body may set it itself.
      if (change.available === false && isAvailable(tenant)) tenant.unavailableSince = clock.now();
      if (change.available === true) delete tenant.unavailableSince;
      Object.assign(tenant, change);
      if (change.primaryTenantId === null) delete tenant.primaryTenantId;
      return { status: 200, body: tenant };
    },
    reset,
  });
  return { ...simulator, tenants };
}

/** What a drill may change on a tenant (PATCH /_sandbox/tenants/{id}); primaryTenantId null unpairs it. */
const TenantPatchSchema = z
  .object({
    name: z.string(),
    role: z.enum(['PRIMARY', 'STANDBY']),
    status: z.enum(['NORMAL', 'MODIFYING']),
    primaryTenantId: z.number().int().nullable(),
    available: z.boolean(),
    unavailableSince: z.number(),
    locked: z.boolean(),
  })
  .partial()
  .strict();

function failoverTargets(body: Record<string, unknown>): string[] {
  const items = Array.isArray(body.failoverTenantItemList)
    ? (body.failoverTenantItemList as { tenantId?: unknown }[])
    : [];
  return items.map((i) => String(i.tenantId));
}

function traceId() {
  return randomBytes(8).toString('hex');
}
