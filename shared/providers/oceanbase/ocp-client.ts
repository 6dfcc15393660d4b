import type * as z from 'zod';
import { ProviderError } from '../../domain/errors.js';
import type { Deferred } from '../../domain/secret-ref.js';
import {
  errorBody,
  type PreparedRequest,
  type ProviderClientOptions,
  type ProviderHttp,
  type ProviderResponse,
  providerHttp,
  providerRefusal,
  retryAfterMs,
} from '../provider-http.js';
import {
  OcpErrorBodySchema,
  OcpFailoverPreCheckSchema,
  OcpNoDataSchema,
  OcpSubtaskLogSchema,
  OcpSwitchoverPreCheckSchema,
  OcpTaskInstanceSchema,
  OcpTaskListSchema,
  OcpTaskPageSchema,
  OcpTenantSchema,
  ocpEnvelope,
} from './ocp-schemas.js';
import { type OcpAccessKey, ocpAuthorization } from './ocp-signer.js';

export type OcpAuth =
  | ({ type: 'aksk' } & OcpAccessKey)
  // Documented, but OCP itself warns that Basic auth may leak the password: prefer AK/SK.
  | { type: 'basic'; username: string; password: string };

export interface OcpClientOptions extends ProviderClientOptions {
  endpoint: string;
  auth: Deferred<OcpAuth>;
}

const CONTENT_TYPE = 'application/json';

/** OCP answers 4xx for requests it refused (its codes are not documented); a 5xx may have been applied. */
export function ocpError(response: ProviderResponse, knownSecrets?: readonly string[]): ProviderError {
  const { code, message } = errorBody(response, OcpErrorBodySchema, (body) => ({
    code: body.error?.code === undefined ? undefined : String(body.error.code),
    message: body.error?.message,
  }));
  return providerRefusal('oceanbase', response, {
    summary: `OCP answered ${response.status}${message ? `: ${message}` : ''}`,
    code,
    message,
    knownSecrets,
    // RateLimit-Reset is the countdown, in seconds, to the end of OCP's throttling window.
    retryAfterMs: retryAfterMs(response.headers, ['ratelimit-reset', 'retry-after']),
  });
}

/** OCP v2 REST API: the calls Switchyard uses, signed with AK/SK (or Basic auth). */
export class OcpClient {
  private readonly http: ProviderHttp<OcpAuth>;
  private readonly base: URL;
  private readonly now: () => Date;

  constructor(options: OcpClientOptions) {
    this.base = new URL(options.endpoint);
    this.now = options.now ?? (() => new Date());
    this.http = providerHttp('oceanbase', options, ocpError);
  }

  /** Asks OCP whether the tenant switchover would go through; changes nothing. */
  switchoverPreCheck(input: TenantPair, signal?: AbortSignal) {
    return this.tenantAction('switchoverPreCheck', input, OcpSwitchoverPreCheckSchema, true, signal);
  }

  /** Starts the tenant switchover: an OCP task whose subtasks swap the roles. Never retried blindly. */
  switchover(input: TenantPair, signal?: AbortSignal) {
    return this.tenantAction('switchover', input, OcpTaskInstanceSchema, false, signal);
  }

  private tenantAction<T extends z.ZodType>(
    action: string,
    input: TenantPair,
    schema: T,
    idempotent: boolean,
    signal?: AbortSignal,
  ) {
    return this.call(
      'POST',
      `/api/v2/ob/clusters/${input.clusterId}/tenants/${input.tenantId}/${action}`,
      schema,
      {
        idempotent,
        signal,
        body: { tenantId: input.tenantId, standbyTenantId: input.standbyTenantId },
      },
    );
  }

  /**
   * Tenant failoverPreCheck on the standby's cluster. Its body is not documented; we send the failover's
   * own item list, which names the tenant to check.
   */
  failoverPreCheck(standby: { clusterId: number; tenantId: number }, signal?: AbortSignal) {
    return this.call(
      'POST',
      `/api/v2/ob/clusters/${standby.clusterId}/tenants/failoverPreCheck`,
      OcpFailoverPreCheckSchema,
      {
        idempotent: true,
        signal,
        body: { failoverTenantItemList: [{ tenantId: standby.tenantId }] },
      },
    );
  }

  /** Tenant failover: the standby becomes primary. No single-tenant path is documented, so the batch API with one item. */
  async failover(standby: { clusterId: number; tenantId: number }, signal?: AbortSignal) {
    const page = await this.call(
      'POST',
      `/api/v2/ob/clusters/${standby.clusterId}/tenants/failover`,
      OcpTaskListSchema,
      {
        idempotent: false,
        signal,
        body: { failoverTenantItemList: [{ tenantId: standby.tenantId }] },
      },
    );
    const [task] = page.contents;
    if (!task)
      throw new ProviderError('OCP accepted the failover but returned no task', {
        provider: 'oceanbase',
        outcome: 'unknown',
        retryable: false,
      });
    return task;
  }

  getTask(taskId: string | number, signal?: AbortSignal) {
    return this.call('GET', `/api/v2/tasks/instances/${taskId}`, OcpTaskInstanceSchema, {
      idempotent: true,
      signal,
    });
  }

  listTasks(
    query: { tenantId?: number; clusterId?: number; name?: string; status?: string },
    signal?: AbortSignal,
  ) {
    const search = new URLSearchParams({ size: '100', sort: 'id,desc' });
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    return this.call('GET', `/api/v2/tasks/instances?${search}`, OcpTaskPageSchema, {
      idempotent: true,
      signal,
    });
  }

  getSubtaskLog(taskId: string | number, subtaskId: string | number, signal?: AbortSignal) {
    return this.call(
      'GET',
      `/api/v2/tasks/instances/${taskId}/subtasks/${subtaskId}/log`,
      OcpSubtaskLogSchema,
      {
        idempotent: true,
        signal,
      },
    );
  }

  getTenant(clusterId: number, tenantId: number, signal?: AbortSignal) {
    return this.call('GET', `/api/v2/ob/clusters/${clusterId}/tenants/${tenantId}`, OcpTenantSchema, {
      idempotent: true,
      signal,
    });
  }

  /**
   * Lock tenant: POST /api/v2/ob/clusters/{id}/tenants/{tenantId}/lock, no body, synchronous
   * (common-ocp-10000000002169821). A locked tenant takes no new connections; those already open stay. Locking
   * a locked tenant changes nothing, so it may be retried.
   */
  async lockTenant(clusterId: number, tenantId: number, signal?: AbortSignal): Promise<void> {
    await this.call('POST', `/api/v2/ob/clusters/${clusterId}/tenants/${tenantId}/lock`, OcpNoDataSchema, {
      idempotent: true,
      signal,
    });
  }

  private async call<T extends z.ZodType>(
    method: PreparedRequest['method'],
    pathWithQuery: string,
    dataSchema: T,
    options: { idempotent: boolean; signal?: AbortSignal; body?: unknown },
  ): Promise<z.infer<T>> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const answer = await this.http.read(
      (auth) => this.prepare(method, pathWithQuery, body, auth),
      ocpEnvelope(dataSchema),
      {
        ...options,
        what: `OCP ${method} ${pathWithQuery.split('?')[0]}`,
      },
    );
    return (answer as { data: z.infer<T> }).data;
  }

  private prepare(
    method: PreparedRequest['method'],
    pathWithQuery: string,
    body: string | undefined,
    auth: OcpAuth,
  ): PreparedRequest {
    const url = new URL(pathWithQuery, this.base);
    const date = this.now().toUTCString();
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPE,
      date,
      accept: 'application/json',
    };
    if (auth.type === 'aksk') {
      headers.authorization = ocpAuthorization(
        {
          method,
          pathWithQuery: url.pathname + url.search,
          host: url.host,
          contentType: CONTENT_TYPE,
          date,
          headers,
          body,
        },
        auth,
      );
    } else {
      const { username, password } = auth;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    return { method, url, headers, body };
  }
}

/** The path ids of a tenant switchover and the body's tenant pair (OCP 4.3 tenant switchover). */
export interface TenantPair {
  clusterId: number;
  tenantId: number;
  standbyTenantId: number;
}
