import type * as z from 'zod';
import type { ProviderError } from '../../domain/errors.js';
import type { Deferred } from '../../domain/secret-ref.js';
import {
  errorBody,
  type PreparedRequest,
  type ProviderClientOptions,
  type ProviderHttp,
  type ProviderResponse,
  providerHttp,
  providerRefusal,
} from '../provider-http.js';
import {
  HuaweiDrInfosSchema,
  HuaweiDrReplicaStatusSchema,
  HuaweiErrorBodySchema,
  HuaweiInstanceListSchema,
  HuaweiJobIdSchema,
  HuaweiJobSchema,
  HuaweiTaskListSchema,
} from './huawei-schemas.js';
import { type HuaweiAccessKey, signHuaweiRequest } from './huawei-signer.js';

/**
 * Codes that say "the instance is busy with another operation" (terraform-provider-huaweicloud's RDS
 * retry list): the request was not applied and may be sent again later.
 */
export const HUAWEI_BUSY_CODES: ReadonlySet<string> = new Set([
  'DBS.201202',
  'DBS.200011',
  'DBS.200018',
  'DBS.200019',
  'DBS.200047',
  'DBS.200076',
  'DBS.200611',
  'DBS.200080',
  'DBS.200463',
  'DBS.201015',
  'DBS.201206',
  'DBS.212033',
  'DBS.280011',
  'DBS.280343',
  'DBS.280816',
  'DBS.01010337',
  'DBS.01280030',
]);

/** The API Gateway's throttling code ("The throttling threshold has been reached"). */
const THROTTLED_CODES = new Set(['APIGW.0308']);

/** Maps RDS and API Gateway error bodies to the error taxonomy. */
export function huaweiError(response: ProviderResponse, knownSecrets?: readonly string[]): ProviderError {
  const { code, message } = errorBody(response, HuaweiErrorBodySchema, (body) => ({
    code: body.error_code ?? body.errCode,
    message: body.error_msg ?? body.externalMessage,
  }));
  return providerRefusal('huawei', response, {
    summary: `Huawei RDS answered ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
    code,
    message,
    knownSecrets,
    throttled: response.status === 429 || (code !== undefined && THROTTLED_CODES.has(code)),
    // Huawei documents no codes for "the instance is not in a state for this"; busy is the one list known.
    busy: code !== undefined && HUAWEI_BUSY_CODES.has(code),
    // DBS.111205 is "service timeout": the request may still complete.
    mayHaveApplied: response.status >= 500 || code === 'DBS.111205',
  });
}

/** Which instance a call is about: its id, and the project and region it lives in. */
export interface HuaweiInstanceRef {
  instanceId: string;
  projectId: string;
  region: string;
}

export interface HuaweiClientOptions extends ProviderClientOptions {
  /** `{region}` in it is replaced by the instance's region. */
  endpoint: string;
  auth: Deferred<HuaweiAccessKey>;
}

/** Huawei Cloud RDS v3: the calls Switchyard makes, signed with AK/SK. */
export class HuaweiRdsClient {
  private readonly http: ProviderHttp<HuaweiAccessKey>;
  private readonly now: () => Date;

  constructor(private readonly options: HuaweiClientOptions) {
    this.now = options.now ?? (() => new Date());
    this.http = providerHttp('huawei', options, huaweiError);
  }

  /** ListInstances by exact id: undefined when no such instance in that project. */
  async getInstance(ref: HuaweiInstanceRef, signal?: AbortSignal) {
    const list = await this.call('GET', ref, `/v3/${ref.projectId}/instances`, HuaweiInstanceListSchema, {
      idempotent: true,
      signal,
      query: { id: ref.instanceId },
    });
    return list.instances.find((i) => i.id === ref.instanceId);
  }

  /** `POST .../instances/{id}/action` with one action object (build_master_dr_relation, drreplica_to_master ...). */
  action(ref: HuaweiInstanceRef, body: Record<string, unknown>, signal?: AbortSignal) {
    return this.call(
      'POST',
      ref,
      `/v3/${ref.projectId}/instances/${ref.instanceId}/action`,
      HuaweiJobIdSchema,
      {
        idempotent: false,
        signal,
        body,
      },
    );
  }

  /** UpgradeDbVersionNew. */
  upgradeMinorVersion(
    ref: HuaweiInstanceRef,
    body: { is_delayed?: boolean; second_switch?: boolean },
    signal?: AbortSignal,
  ) {
    return this.call(
      'POST',
      ref,
      `/v3/${ref.projectId}/instances/${ref.instanceId}/db-upgrade`,
      HuaweiJobIdSchema,
      {
        idempotent: false,
        signal,
        body,
      },
    );
  }

  /**
   * StopInstance: POST .../instances/{id}/action/shutdown with body {}, answers {job_id}
   * (https://support.huaweicloud.com/api-rds/rds_05_0025.html). Pay-per-use instances only; the instance starts
   * itself again after 7 or 15 days.
   */
  stopInstance(ref: HuaweiInstanceRef, signal?: AbortSignal): Promise<{ job_id: string }> {
    return this.call(
      'POST',
      ref,
      `/v3/${ref.projectId}/instances/${ref.instanceId}/action/shutdown`,
      HuaweiJobIdSchema,
      { idempotent: false, signal, body: {} },
    );
  }

  /** ListJobInfo. The job's project and region are those of the instance it was started on. */
  async getJob(ref: Omit<HuaweiInstanceRef, 'instanceId'>, jobId: string, signal?: AbortSignal) {
    return (
      await this.call('GET', ref, `/v3/${ref.projectId}/jobs`, HuaweiJobSchema, {
        idempotent: true,
        signal,
        query: { id: jobId },
      })
    ).job;
  }

  /** ListTasks for one instance, optionally only Running ones. */
  async listTasks(ref: HuaweiInstanceRef, status?: 'Running' | 'Completed' | 'Failed', signal?: AbortSignal) {
    const query: Record<string, string> = { instance_id: ref.instanceId, limit: '50' };
    if (status) query.status = status;
    return (
      await this.call('GET', ref, `/v3/${ref.projectId}/tasklist`, HuaweiTaskListSchema, {
        idempotent: true,
        signal,
        query,
      })
    ).tasks;
  }

  /** ShowDrReplicaStatus, asked of the DR instance. */
  drReplicaStatus(ref: HuaweiInstanceRef, signal?: AbortSignal) {
    return this.call(
      'GET',
      ref,
      `/v3/${ref.projectId}/instances/${ref.instanceId}/disaster-recovery`,
      HuaweiDrReplicaStatusSchema,
      {
        idempotent: true,
        signal,
      },
    );
  }

  /** ListDrInfos, filtered (a POST that only reads). */
  drInfos(ref: Omit<HuaweiInstanceRef, 'instanceId'>, filter: Record<string, string>, signal?: AbortSignal) {
    return this.call(
      'POST',
      ref,
      `/v3/${ref.projectId}/instances/disaster-recovery-infos`,
      HuaweiDrInfosSchema,
      {
        idempotent: true,
        signal,
        body: filter,
      },
    );
  }

  private async call<T extends z.ZodType>(
    method: PreparedRequest['method'],
    ref: Omit<HuaweiInstanceRef, 'instanceId'>,
    path: string,
    schema: T,
    options: { idempotent: boolean; signal?: AbortSignal; body?: unknown; query?: Record<string, string> },
  ): Promise<z.infer<T>> {
    const url = new URL(path, this.options.endpoint.replace('{region}', ref.region));
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const body = options.body === undefined ? '' : JSON.stringify(options.body);
    return this.http.read((auth) => this.prepare(method, url, ref.projectId, body, auth), schema, {
      ...options,
      what: `Huawei RDS ${method} ${url.pathname}`,
    });
  }

  private prepare(
    method: PreparedRequest['method'],
    url: URL,
    projectId: string,
    body: string,
    auth: HuaweiAccessKey,
  ): PreparedRequest {
    // Exactly application/json, so the body is signed rather than UNSIGNED-PAYLOAD.
    const headers = signHuaweiRequest(
      { method, url, headers: { 'Content-Type': 'application/json', 'X-Project-Id': projectId }, body },
      auth,
      this.now(),
    );
    return { method, url, headers, body: body === '' ? undefined : body };
  }
}
