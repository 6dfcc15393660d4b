import { randomUUID, timingSafeEqual } from 'node:crypto';
import {
  huaweiCanonicalRequest,
  huaweiSignature,
  parseHuaweiAuthorization,
  parseHuaweiSdkDate,
} from '../shared/providers/huawei/huawei-signer.js';
import { type BookedJob, JobBook, jobPhase, percentDone } from './job-book.js';
import type { BaseSimulatorOptions, JsonAnswer, SimRequest, Simulator } from './simulator-kit.js';
import { jsonBody, MAX_SKEW_MS, sandboxMember, simulatorBasics, startSimulator } from './simulator-kit.js';

/**
 * A sandbox Huawei Cloud RDS (v3): instances, DR relations and asynchronous jobs with the documented
 * shapes, AK/SK SDK-HMAC-SHA256 verification, and the errors of API Gateway and RDS.
 *
 * Drills (sandbox control, not Huawei's API):
 *   PATCH /_sandbox/instances/{id}  changes an instance, e.g. {"status":"FAILED"} for a lost primary
 *   POST /_sandbox/jobs             jobs already running on an instance (benchmarks)
 *   POST /_sandbox/reset            restores the seed instances and relations (statuses too) and drops every job
 */

export const HUAWEI_SANDBOX_CREDENTIALS = {
  accessKeyId: 'SANDBOXHUAWEIAK00001',
  secretAccessKey: 'sandbox-huawei-secret-access-key-000000',
} as const;

/**
 * RDS error codes. DBS.201202 ("another operation in progress") is one of the codes terraform retries;
 * Huawei does not document the codes for the other refusals, so the sandbox's are its own.
 */
export const HUAWEI_SANDBOX_CODES = {
  busy: 'DBS.201202',
  notFound: 'DBS.280404',
  badState: 'DBS.280238',
  badRequest: 'DBS.280400',
  jobNotFound: 'DBS.280701',
} as const;

export interface SimInstance {
  id: string;
  name: string;
  projectId: string;
  region: string;
  status: string;
  type: 'Single' | 'Ha' | 'Replica';
  datastore: { type: 'PostgreSQL' | 'MySQL'; version: string; complete_version: string };
  cpu: string;
  mem: string;
  volume: { type: string; size: number };
  /** ListInstances' charge_info: postPaid (pay-per-use) or prePaid (yearly/monthly). */
  charge_info: { charge_mode: 'postPaid' | 'prePaid' };
  private_ips: string[];
  nodes: { id: string; name: string; role: string; status: string; availability_zone: string }[];
  /** What ShowDrReplicaStatus reports for a DR instance (drills change it). */
  lag?: { receiveMb: string; replayMb: string; replayMs: string };
  /** A drill: ShowDrReplicaStatus' replica_state ("-1": replication abnormal) whatever the instance's status. */
  replicaState?: '0' | '-1';
}

export interface SimRelation {
  id: string;
  master_instance_id: string;
  master_region: string;
  slave_instance_id: string;
  slave_region: string;
  build_process: 'master' | 'slave';
  // ListDrInfos' status enum is not documented beyond "failed"; the sandbox says "building" and "success".
  status: 'building' | 'success' | 'failed';
  time: number;
}

/** A job's own fields; its times, failure and outcome are the job book's. */
interface SimJob {
  id: string;
  name: string;
  instanceId: string;
  projectId: string;
  visibleAt: number;
  /** The instance's status once the job succeeds (ACTIVE unless the job stops it). */
  finalStatus?: string;
}

/** A job a write starts: its name, how long it runs, what it does if it succeeds, and the status it leaves. */
interface JobOrder {
  name: string;
  seconds: number;
  onSuccess?: () => void;
  finalStatus?: string;
}

/** ListJobInfo's job status in each phase of a job (a job starts at once: it is never scheduled ahead). */
const JOB_STATUS = {
  scheduled: 'Running',
  running: 'Running',
  failed: 'Failed',
  succeeded: 'Completed',
} as const;

const NORTH = '0483b6b16e954cb88930a360d2c4e663';
const EAST = '054b61972980d4552f0bc00ac8d3f5cd';
const SOUTH = '7d1f4fd4b5e54e39a0d1e6f3c2b8a901';

export function pgInstance(
  id: string,
  name: string,
  projectId: string,
  region: string,
  type: 'Single' | 'Ha',
  version: string,
  ip: string,
): SimInstance {
  const nodes = [
    {
      id: `${id.slice(0, 28)}no01`,
      name: `${name}_node0`,
      role: 'master',
      status: 'ACTIVE',
      availability_zone: `${region}a`,
    },
  ];
  if (type === 'Ha')
    nodes.push({
      id: `${id.slice(0, 28)}no02`,
      name: `${name}_node1`,
      role: 'slave',
      status: 'ACTIVE',
      availability_zone: `${region}b`,
    });
  return {
    id,
    name,
    projectId,
    region,
    status: 'ACTIVE',
    type,
    datastore: { type: 'PostgreSQL', version: version.split('.')[0] as string, complete_version: version },
    cpu: '4',
    mem: '16',
    volume: { type: 'CLOUDSSD', size: 100 },
    charge_info: { charge_mode: 'postPaid' },
    private_ips: [ip],
    nodes,
  };
}

/** orders: a primary and a DR instance with no relation yet; ledger: a pair whose DR relation is established. */
export const DEFAULT_HUAWEI_INSTANCES: readonly SimInstance[] = [
  pgInstance(
    '24c6678f474241fe89ee9c42f768022ein03',
    'orders-pg-primary',
    NORTH,
    'cn-north-4',
    'Ha',
    '14.8.0',
    '192.168.0.10',
  ),
  pgInstance(
    'c39bd176fb0540929f6add80b91b212cin03',
    'orders-pg-dr',
    EAST,
    'cn-east-3',
    'Single',
    '14.6.0',
    '192.168.3.238',
  ),
  pgInstance(
    '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03',
    'ledger-pg-primary',
    NORTH,
    'cn-north-4',
    'Ha',
    '15.4.0',
    '192.168.0.20',
  ),
  pgInstance(
    '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03',
    'ledger-pg-dr',
    SOUTH,
    'cn-south-1',
    'Single',
    '15.4.0',
    '10.20.0.20',
  ),
];

export const DEFAULT_RELATIONS: readonly Omit<SimRelation, 'time'>[] = [
  {
    id: 'd7e6f5a4b3c24d1e9f8a7b6c5d4e3f2a',
    master_instance_id: '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03',
    master_region: 'cn-north-4',
    slave_instance_id: '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03',
    slave_region: 'cn-south-1',
    build_process: 'slave',
    status: 'success',
  },
];

/** Seconds each action takes on a real RDS, roughly. */
const DURATIONS = {
  build_master_dr_relation: 120,
  build_slave_dr_relation: 300,
  drreplica_to_master: 90,
  upgrade: 600,
  stop: 60,
} as const;

/**
 * A stopped instance's status. ListSimplifiedInstances documents `shutdown` among its instance_status values
 * (huawei-cloud-api-definitions-RDS ListSimplifiedInstances.json); the ListInstances status list in the SDK
 * (providers.md §1.5) predates StopInstance and has no stopped state, so the sandbox says SHUTDOWN there.
 */
export const HUAWEI_STOPPED_STATUS = 'SHUTDOWN';
/** Storage types StopInstance takes (rds_05_0025): ultra-high I/O, cloud SSD, extreme SSD. */
const HUAWEI_STOPPABLE_VOLUMES: ReadonlySet<string> = new Set([
  'ULTRAHIGH',
  'ULTRAHIGHPRO',
  'CLOUDSSD',
  'ESSD',
]);

/** Statuses in which an instance does not answer. */
const UNAVAILABLE_STATUSES: ReadonlySet<string> = new Set(['FAILED', HUAWEI_STOPPED_STATUS]);
/** A job id becomes queryable a few seconds after it is returned (ListJobInfo constraints). */
const JOB_VISIBLE_AFTER_S = 5;

export interface HuaweiSimulatorOptions extends BaseSimulatorOptions {
  instances?: readonly SimInstance[];
  /** DR relations in place at start (default: ledger's). */
  relations?: readonly Omit<SimRelation, 'time'>[];
}

export interface HuaweiSimulator extends Simulator {
  instances: Map<string, SimInstance>;
  relations: SimRelation[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');

export async function startHuaweiSimulator(options: HuaweiSimulatorOptions = {}): Promise<HuaweiSimulator> {
  const basics = simulatorBasics(options);
  const { clock } = basics;
  const instances = new Map<string, SimInstance>();
  const relations: SimRelation[] = [];
  const jobs = new JobBook<string, SimJob>(basics, {
    idOf: (job) => job.id,
    onSettle: (job) => {
      const instance = instances.get(job.instanceId);
      if (instance) instance.status = (!job.failure && job.finalStatus) || 'ACTIVE';
    },
  });

  const reset = () => {
    instances.clear();
    for (const i of options.instances ?? DEFAULT_HUAWEI_INSTANCES) instances.set(i.id, structuredClone(i));
    relations.length = 0;
    for (const r of options.relations ?? DEFAULT_RELATIONS) relations.push({ ...r, time: clock.now() });
    jobs.reset();
  };
  reset();

  const error = (status: number, code: string, message: string): JsonAnswer => ({
    status,
    body: { error_code: code, error_msg: message },
    headers: { 'X-Request-Id': randomUUID() },
  });
  const ok = (body: unknown): JsonAnswer => ({
    status: 200,
    body,
    headers: { 'X-Request-Id': randomUUID() },
  });

  const settle = () => jobs.settle();

  const jobStatus = (job: BookedJob<SimJob>, now: number) => JOB_STATUS[jobPhase(job, now)];
  const runningJobOn = (instanceId: string, now: number) =>
    jobs.runningAt(now, (j) => j.instanceId === instanceId);
  const progress = (job: BookedJob<SimJob>, now: number) => `${percentDone(job, now)}%`;

  /** Starts a job on an instance, which is MODIFYING until the job ends. */
  const startJob = (request: SimRequest, instance: SimInstance, order: JobOrder): JsonAnswer => {
    const { name, seconds, onSuccess, finalStatus } = order;
    const now = clock.now();
    const job = jobs.start(
      {
        id: randomUUID(),
        name,
        instanceId: instance.id,
        projectId: instance.projectId,
        visibleAt: now + clock.scaled(JOB_VISIBLE_AFTER_S),
        ...(finalStatus ? { finalStatus } : {}),
      },
      { steps: [{ name, seconds }], acceptedAt: now, onSuccess },
      request,
    );
    instance.status = 'MODIFYING';
    return ok({ job_id: job.id });
  };

  const instanceView = (i: SimInstance) => {
    const { projectId: _p, ...rest } = i;
    return {
      ...rest,
      flavor_ref: `rds.pg.n1.xlarge.2${i.type === 'Ha' ? '.ha' : ''}`,
      port: 5432,
      ha: i.type === 'Ha' ? { replication_mode: 'async' } : undefined,
      created: iso(clock.now() - 86_400_000),
    };
  };

  const handle = (request: SimRequest): JsonAnswer => {
    settle();
    const now = clock.now();
    const parts = request.url.pathname.split('/');
    const projectId = parts[2] as string;
    const body = jsonBody(request.rawBody);
    if (body === undefined)
      return error(400, HUAWEI_SANDBOX_CODES.badRequest, 'The request body is not valid JSON.');
    const instanceIn = (id: string | undefined) => {
      const i = id ? instances.get(id) : undefined;
      return i && i.projectId === projectId ? i : undefined;
    };

    switch (request.route) {
      case 'listInstances': {
        const id = request.url.searchParams.get('id');
        const list = [...instances.values()].filter(
          (i) => i.projectId === projectId && (id === null || i.id === id),
        );
        return ok({ instances: list.map(instanceView), total_count: list.length });
      }
      case 'getJob': {
        const job = jobs.get(request.url.searchParams.get('id') ?? '');
        if (!job || job.projectId !== projectId || now < job.visibleAt)
          return error(400, HUAWEI_SANDBOX_CODES.jobNotFound, 'The job does not exist.');
        const status = jobStatus(job, now);
        const instance = instances.get(job.instanceId);
        return ok({
          job: {
            id: job.id,
            name: job.name,
            status,
            created: iso(job.createdAt),
            ...(status === 'Running' ? { process: progress(job, now) } : { ended: iso(job.endsAt) }),
            ...(status === 'Failed' ? { fail_reason: job.failure } : {}),
            instance: { id: job.instanceId, name: instance?.name },
          },
        });
      }
      case 'listTasks': {
        const instanceId = request.url.searchParams.get('instance_id');
        const status = request.url.searchParams.get('status');
        const tasks = jobs
          .all()
          .filter(
            (j) =>
              j.projectId === projectId &&
              (instanceId === null || j.instanceId === instanceId) &&
              now >= j.visibleAt,
          )
          .map((j) => ({
            id: j.id,
            name: j.name,
            instance_id: j.instanceId,
            instance_name: instances.get(j.instanceId)?.name,
            instance_status: instances.get(j.instanceId)?.status,
            status: jobStatus(j, now),
            process: jobStatus(j, now) === 'Running' ? progress(j, now) : '100%',
            create_time: iso(j.createdAt),
            ...(now >= j.endsAt ? { end_time: iso(j.endsAt) } : {}),
          }))
          .filter((t) => status === null || t.status === status)
          .sort((a, b) => b.create_time.localeCompare(a.create_time));
        return ok({ tasks, total_count: tasks.length });
      }
      case 'drReplicaStatus': {
        const instance = instanceIn(parts[4]);
        if (!instance) return error(404, HUAWEI_SANDBOX_CODES.notFound, 'The DB instance does not exist.');
        const relation = relations.find((r) => r.slave_instance_id === instance.id && r.status === 'success');
        if (!relation)
          return error(400, HUAWEI_SANDBOX_CODES.badState, 'The DB instance is not a DR instance.');
        return ok({
          replica_state: instance.replicaState ?? (instance.status === 'ACTIVE' ? '0' : '-1'),
          wal_write_receive_delay_in_mb: instance.lag?.receiveMb ?? '0.25',
          wal_write_replay_delay_in_mb: instance.lag?.replayMb ?? '0.5',
          wal_receive_replay_delay_in_ms: instance.lag?.replayMs ?? '120',
        });
      }
      case 'drInfos': {
        const list = relations.filter(
          (r) =>
            (body.master_instance_id === undefined || r.master_instance_id === body.master_instance_id) &&
            (body.slave_instance_id === undefined || r.slave_instance_id === body.slave_instance_id),
        );
        return ok({
          total_count: list.length,
          instance_dr_infos: list.map((r) => ({
            ...r,
            replica_state: '0',
            wal_write_receive_delay_in_mb: '0.25',
          })),
        });
      }
      default:
        return write(request, body, instanceIn(parts[4]), now);
    }
  };

  /** The four writes: each refuses what RDS refuses, then starts a job whose effect lands when it completes. */
  const write = (
    request: SimRequest,
    body: Record<string, unknown>,
    instance: SimInstance | undefined,
    now: number,
  ): JsonAnswer => {
    if (!instance) return error(404, HUAWEI_SANDBOX_CODES.notFound, 'The DB instance does not exist.');
    const running = runningJobOn(instance.id, now);
    if (running)
      return error(
        400,
        HUAWEI_SANDBOX_CODES.busy,
        `Another operation is being performed on the DB instance (job ${running.id}).`,
      );
    const args = (body[request.route] ?? {}) as Record<string, unknown>;
    switch (request.route) {
      case 'build_master_dr_relation': {
        const missing = [
          'target_instance_id',
          'target_project_id',
          'target_region',
          'target_ip',
          'target_subnet',
        ].filter((k) => !args[k]);
        if (missing.length)
          return error(400, HUAWEI_SANDBOX_CODES.badRequest, `Missing parameter: ${missing.join(', ')}`);
        // rds_12_0001's constraints: a primary/standby primary, a standalone DR instance, both normal. Huawei
        // documents no error code for them; the sandbox refuses with its generic bad-state code.
        const target = instances.get(String(args.target_instance_id));
        if (instance.type !== 'Ha' || instance.status !== 'ACTIVE')
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            `The primary DB instance must be a normal primary/standby instance; ${instance.id} is ${instance.type}, ${instance.status}.`,
          );
        if (target && (target.type !== 'Single' || target.status !== 'ACTIVE'))
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            `The DR instance must be a normal standalone instance; ${target.id} is ${target.type}, ${target.status}.`,
          );
        // Huawei documents no code for it (providers.md §1); the sandbox refuses a relation either instance has.
        if (relations.some((r) => r.slave_instance_id === args.target_instance_id))
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            'A DR relationship already exists for these instances.',
          );
        return startJob(request, instance, {
          name: 'build_master_dr_relation',
          seconds: DURATIONS.build_master_dr_relation,
          onSuccess: () => {
            relations.push({
              id: randomUUID().replace(/-/g, ''),
              master_instance_id: instance.id,
              master_region: instance.region,
              slave_instance_id: String(args.target_instance_id),
              slave_region: String(args.target_region),
              build_process: 'master',
              status: 'building',
              time: clock.now(),
            });
          },
        });
      }
      case 'build_slave_dr_relation': {
        const relation = relations.find(
          (r) => r.slave_instance_id === instance.id && r.master_instance_id === args.target_instance_id,
        );
        if (relation?.build_process === 'slave')
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            'A DR relationship already exists for these instances.',
          );
        if (!relation)
          return error(400, HUAWEI_SANDBOX_CODES.badState, 'Configure DR on the primary DB instance first.');
        return startJob(request, instance, {
          name: 'build_slave_dr_relation',
          seconds: DURATIONS.build_slave_dr_relation,
          onSuccess: () => {
            relation.build_process = 'slave';
            relation.status = 'success';
          },
        });
      }
      case 'drreplica_to_master': {
        const relation = relations.find((r) => r.slave_instance_id === instance.id && r.status === 'success');
        if (!relation)
          return error(400, HUAWEI_SANDBOX_CODES.badState, 'The DB instance is not a DR instance.');
        return startJob(request, instance, {
          name: 'drreplica_to_master',
          seconds: DURATIONS.drreplica_to_master,
          // The relation goes from the promoted instance; the old primary has to be cleaned up by hand.
          onSuccess: () => relations.splice(relations.indexOf(relation), 1),
        });
      }
      case 'db-upgrade': {
        const [major, minor] = instance.datastore.complete_version.split('.').map(Number) as [number, number];
        if (instance.datastore.type === 'PostgreSQL' && body.is_delayed === true)
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badRequest,
            'RDS for PostgreSQL does not support upgrading in the maintenance window.',
          );
        if (instance.datastore.type === 'PostgreSQL' && major === 11 && minor < 2)
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            'RDS for PostgreSQL 11 earlier than 11.2 cannot be upgraded.',
          );
        if (relations.some((r) => r.slave_instance_id === instance.id))
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            'A DR instance does not support minor version upgrades.',
          );
        return startJob(request, instance, {
          name: 'upgrade_db_version',
          seconds: DURATIONS.upgrade,
          onSuccess: () => {
            instance.datastore.complete_version = `${major}.${minor + 1}.0`;
          },
        });
      }
      // StopInstance, POST /v3/{project_id}/instances/{instance_id}/action/shutdown, body {}, answers {job_id}
      // (https://support.huaweicloud.com/api-rds/rds_05_0025.html). The page refuses it while the instance is
      // being created, rebooted, scaled, restored, changing class or port; it names no error code, and terraform
      // retries DBS.01280030 as "busy", so the sandbox answers its own bad-state code for any status but ACTIVE.
      // Not modelled: DCC instances, read replicas stopped along with it, the restart after 7 or 15 days.
      case 'StopInstance': {
        // rds_05_0025: only pay-per-use instances on ultra-high I/O, cloud SSD or extreme SSD storage.
        if (
          instance.charge_info.charge_mode !== 'postPaid' ||
          !HUAWEI_STOPPABLE_VOLUMES.has(instance.volume.type)
        )
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            'Only pay-per-use DB instances with ultra-high I/O, cloud SSD or extreme SSD storage can be stopped.',
          );
        if (instance.type === 'Replica')
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            'A read replica cannot be stopped on its own; stop its primary DB instance.',
          );
        if (instance.status !== 'ACTIVE')
          return error(
            400,
            HUAWEI_SANDBOX_CODES.badState,
            `The DB instance status is ${instance.status}: only an ACTIVE DB instance can be stopped.`,
          );
        return startJob(request, instance, {
          name: 'StopInstance',
          seconds: DURATIONS.stop,
          finalStatus: HUAWEI_STOPPED_STATUS,
        });
      }
      default:
        return error(
          404,
          'APIGW.0101',
          'The API does not exist or has not been published in the environment',
        );
    }
  };

  const authenticate = (request: SimRequest): JsonAnswer | undefined => {
    const denied = (message: string) =>
      error(401, 'APIGW.0301', `Incorrect IAM authentication information: ${message}`);
    const auth = parseHuaweiAuthorization(String(request.headers.authorization ?? ''));
    if (!auth) return denied('Authorization format incorrect');
    if (auth.accessKeyId !== HUAWEI_SANDBOX_CREDENTIALS.accessKeyId) return denied('ak not exist');
    const sdkDate = String(request.headers['x-sdk-date'] ?? '');
    const sent = parseHuaweiSdkDate(sdkDate);
    if (Number.isNaN(sent) || Math.abs(clock.now() - sent) > MAX_SKEW_MS)
      return denied('x-sdk-date is expired or invalid');
    if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-sdk-date'))
      return denied('host and x-sdk-date must be signed');
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) headers[name] = String(request.headers[name] ?? '');
    const canonical = huaweiCanonicalRequest(
      { method: request.method, url: request.url, headers, body: request.rawBody },
      auth.signedHeaders,
    );
    const expected = Buffer.from(
      huaweiSignature(canonical, sdkDate, HUAWEI_SANDBOX_CREDENTIALS.secretAccessKey),
    );
    const given = Buffer.from(auth.signature);
    return expected.length === given.length && timingSafeEqual(expected, given)
      ? undefined
      : denied('verify aksk signature fail');
  };

  const route = (method: string, url: URL, raw: Buffer) => {
    const p = url.pathname.replace(/\/$/, '');
    const m = /^\/v3\/([^/]+)\/(.+)$/.exec(p);
    if (!m) return undefined;
    const rest = m[2] as string;
    const instance = /^instances\/([^/]+)/.exec(rest)?.[1];
    const targets = instance ? [instance] : [];
    if (method === 'GET' && rest === 'instances')
      return { route: 'listInstances', targets: [url.searchParams.get('id') ?? ''] };
    if (method === 'GET' && rest === 'jobs') return { route: 'getJob', targets };
    if (method === 'GET' && rest === 'tasklist')
      return { route: 'listTasks', targets: [url.searchParams.get('instance_id') ?? ''] };
    if (method === 'POST' && rest === 'instances/disaster-recovery-infos')
      return { route: 'drInfos', targets };
    if (method === 'GET' && /^instances\/[^/]+\/disaster-recovery$/.test(rest))
      return { route: 'drReplicaStatus', targets };
    if (method === 'POST' && /^instances\/[^/]+\/db-upgrade$/.test(rest))
      return { route: 'db-upgrade', targets };
    if (method === 'POST' && /^instances\/[^/]+\/action\/shutdown$/.test(rest))
      return { route: 'StopInstance', targets };
    if (method === 'POST' && /^instances\/[^/]+\/action$/.test(rest)) {
      const action = Object.keys(jsonBody(raw) ?? {})[0];
      if (
        action === 'build_master_dr_relation' ||
        action === 'build_slave_dr_relation' ||
        action === 'drreplica_to_master'
      )
        return { route: action, targets };
    }
    return undefined;
  };

  const simulator = await startSimulator(basics, {
    route,
    authenticate,
    handle,
    errorAnswer: (status, message, code) =>
      error(
        status,
        code ??
          (status === 404 ? 'APIGW.0101' : status >= 500 ? 'DBS.111205' : HUAWEI_SANDBOX_CODES.badRequest),
        message,
      ),
    // APIG's words for a key IAM no longer knows (providers.md §1.7; the exact code for an expired one is not documented).
    credentialsRefused: () =>
      error(401, 'APIGW.0301', 'Incorrect IAM authentication information: ak not exist'),
    throttleAnswer: () =>
      error(
        429,
        'APIGW.0308',
        'The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second',
      ),
    state: () => {
      settle();
      const now = clock.now();
      return {
        instances: [...instances.values()],
        timeline: jobs.timeline(),
        members: [...instances.values()].map((i) => {
          // The DR side of an established relation is the standby; drreplica_to_master ends the relation, and
          // the old primary stays a primary (Huawei does not demote it). A read replica takes no writes either.
          const standby =
            i.type === 'Replica' ||
            relations.some((r) => r.slave_instance_id === i.id && r.status === 'success');
          return sandboxMember(
            i.id,
            standby ? 'standby' : 'primary',
            !UNAVAILABLE_STATUSES.has(i.status),
            i.status === HUAWEI_STOPPED_STATUS,
          );
        }),
        relations,
        jobs: jobs.all().map((j) => ({
          id: j.id,
          name: j.name,
          instanceId: j.instanceId,
          status: jobStatus(j, now),
        })),
      };
    },
    control: (method, path, raw) => {
      // Benchmarks: `count` jobs already running on an instance, without touching it (POST /_sandbox/jobs).
      if (method === 'POST' && path === '/jobs') {
        const { instanceId, count, seconds } = (jsonBody(raw) ?? {}) as Record<string, number | string>;
        const instance = instances.get(String(instanceId));
        if (!instance) return { status: 404, body: { error: `no instance ${instanceId}` } };
        const now = clock.now();
        const ids = Array.from({ length: Number(count) || 1 }, () => {
          // No request: no fault applies to a job seeded for a benchmark.
          const job = jobs.start(
            {
              id: randomUUID(),
              name: 'upgrade_db_version',
              instanceId: instance.id,
              projectId: instance.projectId,
              visibleAt: now,
            },
            { steps: [{ name: 'upgrade_db_version', seconds: Number(seconds) || 3600 }], acceptedAt: now },
          );
          return job.id;
        });
        return { status: 201, body: { jobIds: ids } };
      }
      const m = /^\/instances\/([^/]+)$/.exec(path);
      if (method !== 'PATCH' || !m) return undefined;
      const instance = instances.get(m[1] as string);
      if (!instance) return { status: 404, body: { error: `no instance ${m[1]}` } };
      Object.assign(instance, jsonBody(raw) ?? {});
      return { status: 200, body: instance };
    },
    reset,
  });
  return { ...simulator, instances, relations };
}
