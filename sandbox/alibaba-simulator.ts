import { randomUUID, timingSafeEqual } from 'node:crypto';
import {
  acs3CanonicalRequest,
  acs3Signature,
  alibabaTimestamp,
  parseAcs3Authorization,
  rpcSignature,
  sha256Hex,
} from '../shared/providers/alibaba/alibaba-signer.js';
import { type BookedJob, JobBook, jobPhase, percentDone, remainingMs } from './job-book.js';
import type { BaseSimulatorOptions, JsonAnswer, SimRequest, Simulator } from './simulator-kit.js';
import { MAX_SKEW_MS, sandboxMember, simulatorBasics, startSimulator } from './simulator-kit.js';

/**
 * A sandbox ApsaraDB RDS RPC endpoint (API 2014-08-15): `POST /` with the action in x-acs-action (V3) or
 * the Action parameter (RPC signature), JSON answers in Alibaba's shapes and error envelope. It serves
 * the official @alicloud/rds20140815 client unchanged.
 *
 * Drills (sandbox control, not Alibaba's API):
 *   PATCH /_sandbox/instances/{id}   changes an instance: {"DBInstanceStatus":"Stopped"}, {"available":false} (a
 *                                    primary that Alibaba still lists as Running but that does not answer: Alibaba
 *                                    has no Unavailable status), {"readOnlyInstances":["pgr-..."]} ...
 *   PATCH /_sandbox/migrations/{instance}  changes a cloud migration
 *   POST /_sandbox/reset             restores the seed instances (statuses, availability), links and migrations
 */

export const ALIBABA_SANDBOX_CREDENTIALS = {
  accessKeyId: 'LTAI5tSandboxAccessKey01',
  accessKeySecret: 'sandboxAlibabaAccessKeySecret000000',
} as const;

export interface SimRdsInstance {
  DBInstanceId: string;
  RegionId: string;
  Engine: 'PostgreSQL' | 'MySQL' | 'SQLServer';
  EngineVersion: string;
  DBInstanceStatus: string;
  DBInstanceType: 'Primary' | 'Readonly' | 'Guard';
  LockMode: string;
  Category: string;
  /** Postpaid (pay-as-you-go) or Prepaid (subscription). */
  PayType: 'Postpaid' | 'Prepaid';
  /** local_ssd, cloud_ssd, cloud_essd ... */
  DBInstanceStorageType: string;
  CurrentKernelVersion: string;
  LatestKernelVersion: string;
  /** Its read-only instances' ids (DescribeDBInstanceAttribute's ReadOnlyDBInstanceIds). */
  readOnlyInstances?: string[];
  /** Sandbox only: false for an instance marked down by a drill though its status says otherwise. */
  available?: boolean;
}

interface SimMigration {
  TaskId: number;
  TaskName: string;
  TargetInstanceName: string;
  SourceIpAddress: string;
  SourcePort: number;
  SourceCategory: string;
  MigrateStage: string;
  ReplicationState: string;
  Detail: string;
  GmtCreated: string;
  GmtModified: string;
}

/** A task's own fields; its times, failure and outcome are the job book's. */
interface SimTask {
  TaskId: string;
  TaskType: string;
  InstanceId: string;
  RegionId: string;
  stepName: string;
}

/**
 * A task a write starts: its TaskType and step, how long it runs (after a wait, for the maintenance window), what it
 * does if it succeeds, and the status the instance is in meanwhile (none: it stays Running).
 */
interface TaskOrder {
  type: string;
  stepName: string;
  seconds: number;
  delaySeconds?: number;
  onSuccess: () => void;
  busyStatus?: string;
}

/** DescribeHistoryTasks' task status in each phase of a task. */
const TASK_STATUS = {
  scheduled: 'Scheduled',
  running: 'Running',
  failed: 'Failed',
  succeeded: 'Succeed',
} as const;

const instance = (
  id: string,
  region: string,
  version: string,
  kernel: string,
  latest: string,
): SimRdsInstance => ({
  DBInstanceId: id,
  RegionId: region,
  Engine: 'PostgreSQL',
  EngineVersion: version,
  DBInstanceStatus: 'Running',
  DBInstanceType: 'Primary',
  LockMode: 'Unlock',
  Category: 'HighAvailability',
  PayType: 'Postpaid',
  DBInstanceStorageType: 'cloud_essd',
  CurrentKernelVersion: kernel,
  LatestKernelVersion: latest,
  readOnlyInstances: [],
});

/** crm: a cloud migration target in incremental sync; billing: a primary with a DR instance in Beijing. */
export const DEFAULT_ALIBABA_INSTANCES: readonly SimRdsInstance[] = [
  instance(
    'pgm-bp1crm0migration01',
    'cn-hangzhou',
    '15.0',
    'rds_postgres_1500_20250430',
    'rds_postgres_1500_20250430',
  ),
  instance(
    'pgm-bp1billing0primary',
    'cn-hangzhou',
    '14.0',
    'rds_postgres_1400_20240830',
    'rds_postgres_1400_20250430',
  ),
  instance(
    'pgm-2zebilling0standby',
    'cn-beijing',
    '14.0',
    'rds_postgres_1400_20240830',
    'rds_postgres_1400_20250430',
  ),
];

const DEFAULT_MIGRATIONS: readonly Omit<SimMigration, 'GmtCreated' | 'GmtModified'>[] = [
  {
    TaskId: 440913675,
    TaskName: 'crm-to-rds',
    TargetInstanceName: 'pgm-bp1crm0migration01',
    SourceIpAddress: '172.16.20.15',
    SourcePort: 5432,
    SourceCategory: 'ecsOnVpc',
    MigrateStage: 'increment',
    ReplicationState: 'streaming',
    Detail: 'incremental sync running',
  },
];

/** DR instance -> the instance it replicates from. */
const DEFAULT_LINKS: Readonly<Record<string, string>> = {
  'pgm-2zebilling0standby': 'pgm-bp1billing0primary',
};

/** Seconds each task takes on a real RDS, roughly. */
const DURATIONS = { switch: 120, promote: 90, upgrade: 300, maintenanceWait: 30, stop: 60 } as const;

/** Statuses in which an instance is stopped, or on its way there: it takes no writes. */
const STOPPED_STATUSES: ReadonlySet<string> = new Set(['Stopping', 'Stopped']);

export interface AlibabaSimulatorOptions extends BaseSimulatorOptions {
  instances?: readonly SimRdsInstance[];
}

export interface AlibabaSimulator extends Simulator {
  instances: Map<string, SimRdsInstance>;
  migrations: SimMigration[];
  links: Map<string, string>;
}

export async function startAlibabaSimulator(
  options: AlibabaSimulatorOptions = {},
): Promise<AlibabaSimulator> {
  const basics = simulatorBasics(options);
  const { clock } = basics;
  const instances = new Map<string, SimRdsInstance>();
  const migrations: SimMigration[] = [];
  const links = new Map<string, string>();
  const tasks = new JobBook<string, SimTask>(basics, {
    idOf: (task) => task.TaskId,
    onSettle: (task) => {
      const i = instances.get(task.InstanceId);
      if (i) i.DBInstanceStatus = 'Running';
    },
  });
  /** DR instances not promoted: the DR side of a link, or left standing alone by a link deleted without promotion. */
  const standbys = new Set<string>();
  /** StopDBInstance answers no TaskId: an instance Stopping becomes Stopped (or, failing, Running) when it ends. */
  const stops = new JobBook<string, { instanceId: string }>(basics, {
    idOf: (stop) => stop.instanceId,
    onSettle: (stop) => {
      const i = instances.get(stop.instanceId);
      if (i?.DBInstanceStatus === 'Stopping')
        i.DBInstanceStatus = stop.failure === undefined ? 'Stopped' : 'Running';
    },
  });
  const nonces = new Map<string, number>();
  let nextTaskId = 900_000_001;

  const reset = () => {
    instances.clear();
    for (const i of options.instances ?? DEFAULT_ALIBABA_INSTANCES)
      instances.set(i.DBInstanceId, structuredClone(i));
    const stamp = alibabaTimestamp(new Date(clock.now()));
    migrations.length = 0;
    for (const m of DEFAULT_MIGRATIONS) migrations.push({ ...m, GmtCreated: stamp, GmtModified: stamp });
    links.clear();
    for (const [dr, source] of Object.entries(DEFAULT_LINKS)) links.set(dr, source);
    standbys.clear();
    for (const dr of links.keys()) standbys.add(dr);
    stops.reset();
    tasks.reset();
    nonces.clear();
  };
  reset();

  const error = (status: number, code: string, message: string): JsonAnswer => {
    const requestId = randomUUID().toUpperCase();
    return {
      status,
      body: {
        RequestId: requestId,
        HostId: 'rds.aliyuncs.com',
        Code: code,
        Message: message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=Rds&requestId=${requestId}`,
      },
    };
  };
  const ok = (body: Record<string, unknown>): JsonAnswer => ({
    status: 200,
    body: { RequestId: randomUUID().toUpperCase(), ...body },
  });

  const taskStatus = (t: BookedJob<SimTask>, now: number) => TASK_STATUS[jobPhase(t, now)];

  const settle = () => {
    tasks.settle();
    stops.settle();
  };

  /** Starts a task on an instance. */
  const startTask = (request: SimRequest, target: SimRdsInstance, order: TaskOrder) => {
    const task = tasks.start(
      {
        TaskId: String(nextTaskId++),
        TaskType: order.type,
        InstanceId: target.DBInstanceId,
        RegionId: target.RegionId,
        stepName: order.stepName,
      },
      {
        steps: [{ name: order.stepName, seconds: order.seconds }],
        delaySeconds: order.delaySeconds,
        onSuccess: order.onSuccess,
      },
      request,
    );
    if (order.busyStatus) target.DBInstanceStatus = order.busyStatus;
    return task;
  };

  const taskView = (t: BookedJob<SimTask>, now: number) => {
    const status = taskStatus(t, now);
    const running = status === 'Running';
    return {
      TaskId: t.TaskId,
      TaskType: t.TaskType,
      Status: status,
      Progress: status === 'Succeed' ? 100 : running ? percentDone(t, now) : 0,
      RemainTime: running ? Math.ceil(remainingMs(t, now) / 1000) : 0,
      CurrentStepName: status === 'Succeed' ? 'finished' : t.stepName,
      StartTime: alibabaTimestamp(new Date(t.createdAt)),
      ...(status === 'Succeed' || status === 'Failed'
        ? { EndTime: alibabaTimestamp(new Date(t.endsAt)) }
        : {}),
      InstanceId: t.InstanceId,
      InstanceName: t.InstanceId,
      InstanceType: 'Instance',
      DbType: instances.get(t.InstanceId)?.Engine ?? 'PostgreSQL',
      Product: 'rds',
      RegionId: t.RegionId,
      ReasonCode: status === 'Failed' ? 'TaskFailed' : '',
      TaskDetail: status === 'Failed' ? JSON.stringify({ errorMessage: t.failure }) : '{}',
      ActionInfo: '{}',
      CallerSource: 'Api',
    };
  };

  /** Refuses what Alibaba refuses for any action on an instance: missing, not Running, locked. */
  const usable = (id: string | undefined): SimRdsInstance | JsonAnswer => {
    const target = id ? instances.get(id) : undefined;
    if (!target) return error(404, 'InvalidDBInstanceName.NotFound', 'The database instance does not exist.');
    if (target.LockMode !== 'Unlock')
      return error(
        404,
        'IncorrectDBInstanceLockMode',
        'Current DB instance lock mode does not support this operation.',
      );
    if (target.DBInstanceStatus !== 'Running')
      return error(
        400,
        'IncorrectDBInstanceState',
        'The current instance state does not support this operation.',
      );
    return target;
  };

  const handle = (request: SimRequest): JsonAnswer => {
    settle();
    const now = clock.now();
    const p = request.params;
    switch (request.route) {
      case 'DescribeDBInstanceAttribute': {
        const found = instances.get(p.DBInstanceId ?? '');
        if (!found)
          return error(
            400,
            'InvalidDBInstanceId.NotFound',
            'The DBInstanceId provided does not exist in records.',
          );
        const { readOnlyInstances, available: _available, ...attribute } = found;
        return ok({
          Items: {
            DBInstanceAttribute: [
              {
                ...attribute,
                MasterInstanceId: links.get(found.DBInstanceId) ?? '',
                ReadOnlyDBInstanceIds: {
                  ReadOnlyDBInstanceId: (readOnlyInstances ?? []).map((id) => ({ DBInstanceId: id })),
                },
              },
            ],
          },
        });
      }
      case 'DescribeCloudMigrationResult': {
        const items = migrations.filter(
          (m) => m.TargetInstanceName === p.DBInstanceName && (!p.TaskId || String(m.TaskId) === p.TaskId),
        );
        return ok({ TotalSize: items.length, PageNumber: 1, PageSize: 30, Items: items });
      }
      case 'DescribeHistoryTasks': {
        if (!p.FromStartTime || !p.ToStartTime)
          return error(400, 'MissingParameter', 'FromStartTime and ToStartTime are required.');
        const from = Date.parse(p.FromStartTime);
        const to = Date.parse(p.ToStartTime);
        const ids = p.TaskId?.split(',');
        // The documented bounds: at most 30 TaskIds, pages of 10 to 100 (providers.md §2.3). What the real API
        // answers beyond them is not documented; the simulator refuses rather than allow it.
        if (ids && ids.length > 30)
          return error(400, 'InvalidParameter', 'The specified parameter TaskId is not valid.');
        const pageSize = Number(p.PageSize ?? 10);
        if (!Number.isInteger(pageSize) || pageSize < 10 || pageSize > 100)
          return error(400, 'InvalidParameter', 'The specified parameter PageSize is not valid.');
        const instanceIds = p.InstanceId?.split(',');
        const items = tasks
          .all()
          .filter((t) => t.createdAt >= from - 1000 && t.createdAt <= to)
          .filter(
            (t) => (!ids || ids.includes(t.TaskId)) && (!instanceIds || instanceIds.includes(t.InstanceId)),
          )
          .sort((a, b) => b.createdAt - a.createdAt)
          .map((t) => taskView(t, now));
        return ok({
          TotalCount: items.length,
          PageNumber: 1,
          PageSize: pageSize,
          Items: items.slice(0, pageSize),
        });
      }
      case 'ActivateMigrationTargetInstance': {
        const target = usable(p.DBInstanceName);
        if ('status' in target) return target;
        if (target.Engine !== 'PostgreSQL')
          return error(
            403,
            'IncorrectDBInstanceType',
            'The database instance type does not support the operation.',
          );
        const migration = migrations.find(
          (m) => m.TargetInstanceName === target.DBInstanceId && m.MigrateStage !== 'success',
        );
        if (!migration) return error(400, 'InvalidMigrateTask', 'No running migrate task found.');
        if (migration.MigrateStage !== 'increment' && p.ForceSwitch !== '1')
          return error(
            400,
            'InvalidMigrateStatus',
            'The migrate target instance is not synced with source instance.',
          );
        const task = startTask(request, target, {
          type: 'migrate_switch',
          stepName: 'switch',
          seconds: DURATIONS.switch,
          onSuccess: () => {
            migration.MigrateStage = 'success';
            migration.ReplicationState = 'finish';
            migration.Detail = 'switched over to the RDS instance';
            migration.GmtModified = alibabaTimestamp(new Date(clock.now()));
          },
        });
        migration.MigrateStage = 'switch';
        migration.GmtModified = alibabaTimestamp(new Date(now));
        return ok({
          DBInstanceName: target.DBInstanceId,
          TaskId: Number(task.TaskId),
          SourceIpAddress: migration.SourceIpAddress,
          SourcePort: migration.SourcePort,
        });
      }
      case 'DeleteReplicationLink': {
        const target = usable(p.DBInstanceId);
        if ('status' in target) return target;
        if (!links.has(target.DBInstanceId))
          return error(400, 'InvalidReplicationLink.NotFound', 'The instance has no replication link.');
        const promote = p.PromoteToMaster === 'true';
        const task = startTask(request, target, {
          type: 'delete_replication_link',
          stepName: promote ? 'promote_to_master' : 'delete_link',
          seconds: DURATIONS.promote,
          onSuccess: () => {
            // The link goes and the DR instance stands alone; the old primary is left as it was.
            links.delete(target.DBInstanceId);
            if (promote) {
              target.DBInstanceType = 'Primary';
              standbys.delete(target.DBInstanceId);
            }
          },
          busyStatus: 'GuardSwitching',
        });
        return ok({
          DBInstanceId: target.DBInstanceId,
          TaskId: Number(task.TaskId),
          TaskName: task.TaskType,
        });
      }
      case 'UpgradeDBInstanceKernelVersion': {
        const target = usable(p.DBInstanceId);
        if ('status' in target) return target;
        const version = p.TargetMinorVersion || target.LatestKernelVersion;
        const delayed = p.UpgradeTime === 'MaintainTime';
        const task = startTask(request, target, {
          type: 'minor_version_upgrade',
          stepName: 'upgrade_kernel',
          seconds: DURATIONS.upgrade,
          delaySeconds: delayed ? DURATIONS.maintenanceWait : 0,
          onSuccess: () => {
            target.CurrentKernelVersion = version;
          },
          busyStatus: delayed ? undefined : 'EngineVersionUpgrading',
        });
        return ok({ DBInstanceName: target.DBInstanceId, TargetMinorVersion: version, TaskId: task.TaskId });
      }
      // StopDBInstance (DBInstanceId, RegionId; answers only a RequestId)
      // (https://www.alibabacloud.com/help/en/rds/developer-reference/api-rds-2014-08-15-stopdbinstance). For
      // PostgreSQL the page asks for Running, no read-only instances, pay-as-you-go, cloud disks, no proxy and not
      // Cluster Edition; the sandbox checks all but the proxy. The page gives no
      // code for a missing or foreign RegionId: the sandbox answers Alibaba's usual MissingRegionId and NotFound.
      case 'StopDBInstance': {
        if (!p.RegionId) return error(400, 'MissingRegionId', 'RegionId is mandatory for this action.');
        const found = instances.get(p.DBInstanceId ?? '');
        if (found && found.RegionId !== p.RegionId)
          return error(
            404,
            'InvalidDBInstanceId.NotFound',
            `The instance ${found.DBInstanceId} is not in the region ${p.RegionId}.`,
          );
        const target = usable(p.DBInstanceId);
        if ('status' in target) return target;
        if ((target.readOnlyInstances ?? []).length > 0)
          return error(
            400,
            'InstanceHasReadOnlyInstanceNotSupportStop',
            'The instance has read-only instances and cannot be stopped.',
          );
        // Only pay-as-you-go instances on cloud disks can be stopped; Alibaba's exact codes for these are not
        // documented on the StopDBInstance page, so the sandbox answers its own.
        if (
          target.DBInstanceStatus !== 'Running' ||
          target.PayType !== 'Postpaid' ||
          target.DBInstanceStorageType.startsWith('local') ||
          target.Category === 'cluster'
        )
          return error(
            400,
            'IncorrectDBInstanceType',
            'Only a Running pay-as-you-go instance on cloud disks, not Cluster Edition, can be stopped.',
          );
        stops.start(
          { instanceId: target.DBInstanceId },
          { steps: [{ name: 'stop', seconds: DURATIONS.stop }], acceptedAt: now },
          request,
        );
        target.DBInstanceStatus = 'Stopping';
        return ok({});
      }
      default:
        return error(
          404,
          'InvalidAction.NotFound',
          `Specified api ${request.route} is not found, please check your url and method.`,
        );
    }
  };

  /** V3 (Authorization header) or RPC (Signature parameter), with Alibaba's codes for each refusal. */
  const authenticate = (request: SimRequest): JsonAnswer | undefined => {
    const now = clock.now();
    // Alibaba rejects a timestamp more than 15 minutes off, and a nonce seen within that time.
    for (const [nonce, seen] of nonces) if (now - seen > MAX_SKEW_MS) nonces.delete(nonce);
    const header = String(request.headers.authorization ?? '');
    const p = request.params;
    let accessKeyId: string;
    let timestamp: string;
    let nonce: string;
    let valid: boolean;
    if (header.startsWith('ACS3-HMAC-SHA256')) {
      const auth = parseAcs3Authorization(header);
      if (!auth)
        return error(
          400,
          'IncompleteSignature',
          'The request signature does not conform to Aliyun standards.',
        );
      accessKeyId = auth.accessKeyId;
      timestamp = String(request.headers['x-acs-date'] ?? '');
      nonce = String(request.headers['x-acs-signature-nonce'] ?? '');
      const headers: Record<string, string> = {};
      for (const name of auth.signedHeaders) headers[name] = String(request.headers[name] ?? '');
      const payloadHash = String(request.headers['x-acs-content-sha256'] ?? '');
      const query = Object.fromEntries(request.url.searchParams);
      const expected = acs3Signature(
        acs3CanonicalRequest(
          { method: request.method, pathname: request.url.pathname, query, headers, payloadHash },
          auth.signedHeaders,
        ),
        ALIBABA_SANDBOX_CREDENTIALS.accessKeySecret,
      );
      const mustSign = [
        'host',
        'x-acs-action',
        'x-acs-date',
        'x-acs-signature-nonce',
        'x-acs-content-sha256',
      ];
      valid =
        mustSign.every((h) => auth.signedHeaders.includes(h)) &&
        payloadHash === sha256Hex(request.rawBody) &&
        safeEqual(expected, auth.signature);
    } else if (p.Signature) {
      accessKeyId = p.AccessKeyId ?? '';
      timestamp = p.Timestamp ?? '';
      nonce = p.SignatureNonce ?? '';
      valid = safeEqual(
        rpcSignature(p, request.method, ALIBABA_SANDBOX_CREDENTIALS.accessKeySecret),
        p.Signature,
      );
    } else {
      return error(
        400,
        'MissingSignature',
        'The input parameter "Signature" that is mandatory for processing this request is not supplied.',
      );
    }
    if (accessKeyId !== ALIBABA_SANDBOX_CREDENTIALS.accessKeyId)
      return error(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const sent = Date.parse(timestamp);
    if (Number.isNaN(sent) || Math.abs(now - sent) > MAX_SKEW_MS)
      return error(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (!valid)
      return error(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    if (!nonce || nonces.has(nonce))
      return error(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.set(nonce, now);
    return undefined;
  };

  const route = (
    method: string,
    url: URL,
    raw: Buffer,
    headers?: Record<string, string | string[] | undefined>,
  ) => {
    if (url.pathname !== '/' || (method !== 'POST' && method !== 'GET')) return undefined;
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    // RPC callers may send parameters as a form body too; they are signed with the query's.
    if (raw.length > 0 && String(headers?.['content-type'] ?? '').includes('x-www-form-urlencoded'))
      Object.assign(params, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
    const action = String(headers?.['x-acs-action'] ?? params.Action ?? '');
    if (!action) return undefined;
    const targets = [params.DBInstanceId, params.DBInstanceName, params.InstanceId].filter((v): v is string =>
      Boolean(v),
    );
    return { route: action, targets, params };
  };

  const simulator = await startSimulator(basics, {
    route,
    authenticate,
    handle,
    errorAnswer: (status, message, code) =>
      error(status, code ?? (status >= 500 ? 'InternalError' : 'InvalidParameter'), message),
    // Alibaba's code for a disabled key; its HTTP status is not re-verified (providers.md §2.5).
    credentialsRefused: () => error(403, 'InvalidAccessKeyId.Inactive', 'Specified access key is disabled.'),
    throttleAnswer: (retryAfterSeconds) => ({
      ...error(400, 'Throttling.User', 'Request was denied due to user flow control.'),
      // Milliseconds, as the SDK reads it.
      headers: { 'x-acs-retry-after': String(Math.round(retryAfterSeconds * 1000)) },
    }),
    state: () => {
      settle();
      const now = clock.now();
      return {
        instances: [...instances.values()],
        timeline: tasks.timeline(),
        // A DR instance is the standby until DeleteReplicationLink with PromoteToMaster completes; the old
        // primary stays a primary (Alibaba leaves it as it was).
        members: [...instances.values()].map((i) =>
          sandboxMember(
            i.DBInstanceId,
            standbys.has(i.DBInstanceId) ? 'standby' : 'primary',
            !STOPPED_STATUSES.has(i.DBInstanceStatus) && i.available !== false,
            STOPPED_STATUSES.has(i.DBInstanceStatus),
          ),
        ),
        migrations,
        links: Object.fromEntries(links),
        tasks: tasks.all().map((t) => taskView(t, now)),
      };
    },
    control: (method, path, raw) => {
      const m = /^\/(instances|migrations)\/([^/]+)$/.exec(path);
      if (method !== 'PATCH' || !m) return undefined;
      const change = JSON.parse(raw.toString('utf8') || '{}');
      const record =
        m[1] === 'instances'
          ? instances.get(m[2] as string)
          : migrations.find((x) => x.TargetInstanceName === m[2]);
      if (!record) return { status: 404, body: { error: `no ${m[1]} ${m[2]}` } };
      Object.assign(record, change);
      return { status: 200, body: record };
    },
    reset,
  });
  return { ...simulator, instances, migrations, links };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
