import { randomBytes } from 'node:crypto';
import type * as z from 'zod';
import { ProviderError } from '../../domain/errors.js';
import type { Deferred } from '../../domain/secret-ref.js';
import { batchedReads } from '../batched-reads.js';
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
  AlibabaCloudMigrationResultSchema,
  AlibabaErrorBodySchema,
  type AlibabaHistoryTask,
  AlibabaHistoryTaskItemsSchema,
  AlibabaHistoryTaskSchema,
  AlibabaHistoryTasksSchema,
  AlibabaInstanceAttributeResponseSchema,
  AlibabaRequestIdSchema,
  AlibabaTaskIdSchema,
} from './alibaba-schemas.js';
import {
  type AlibabaAccessKey,
  acs3Authorization,
  alibabaTimestamp,
  EMPTY_PAYLOAD_SHA256,
  rpcSignature,
} from './alibaba-signer.js';

export const RDS_API_VERSION = '2014-08-15';

/** DescribeHistoryTasks' TaskId takes a comma-separated list of at most 30 (its page holds up to 100). */
export const HISTORY_TASK_IDS_PER_CALL = 30;

interface HistoryTaskFilter {
  taskIds?: string[];
  instanceId?: string;
  regionId?: string;
  from: Date;
  to: Date;
}

function historyTaskParams(filter: HistoryTaskFilter): Record<string, string> {
  const params: Record<string, string> = {
    FromStartTime: alibabaTimestamp(filter.from),
    ToStartTime: alibabaTimestamp(filter.to),
    PageSize: '100',
  };
  if (filter.taskIds) params.TaskId = filter.taskIds.join(',');
  if (filter.instanceId) params.InstanceId = filter.instanceId;
  if (filter.regionId) params.RegionId = filter.regionId;
  return params;
}

/** One listed task by its id, or the reason it cannot be read; an item without an id is no one's. */
function historyTaskItem(item: unknown): [string, AlibabaHistoryTask | Error] {
  const parsed = AlibabaHistoryTaskSchema.safeParse(item);
  if (parsed.success) return [String(parsed.data.TaskId), parsed.data];
  const id = (item as { TaskId?: unknown } | null)?.TaskId;
  return [
    typeof id === 'string' || typeof id === 'number' ? String(id) : '',
    new ProviderError(
      `Alibaba RDS DescribeHistoryTasks answered task ${String(id)} in a shape we do not recognise`,
      {
        provider: 'alibaba',
        httpStatus: 200,
        outcome: 'not-applied',
        retryable: false,
        cause: parsed.error,
      },
    ),
  ];
}

/** Refusals that never succeed on a retry: our credentials or signature are wrong. */
const AUTH_CODES = new Set([
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'SignatureNonceUsed',
  'InvalidTimeStamp.Expired',
  'InvalidTimeStamp.Format',
  'Forbidden.RAM',
]);

/** Refusals because of the instance's state (409, as every provider's). */
const STATE_CODES =
  /^(IncorrectDBInstanceState|IncorrectDBInstanceLockMode|IncorrectDBInstance|InvalideStatus\.Format|OperationDenied\.)/;

/** Reads the RPC error body: Alibaba's codes say which refusals are throttling, credentials or state. */
export function alibabaError(response: ProviderResponse, knownSecrets?: readonly string[]): ProviderError {
  const { code, message } = errorBody(response, AlibabaErrorBodySchema, (body) => ({
    code: body.Code,
    message: body.Message,
  }));
  const throttled = code !== undefined && (code.includes('Throttling') || code === 'ServiceUnavailable');
  // The SDK hands x-acs-retry-after to its retry policy, which counts milliseconds.
  const retryAfter = Number.parseInt(String(response.headers['x-acs-retry-after'] ?? ''), 10);
  return providerRefusal('alibaba', response, {
    summary: `Alibaba RDS answered ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
    code,
    message,
    knownSecrets,
    throttled,
    auth: code !== undefined && AUTH_CODES.has(code),
    state: code !== undefined && STATE_CODES.test(code),
    // A throttled ServiceUnavailable was turned away, not half done.
    mayHaveApplied: response.status >= 500 && !throttled,
    retryAfterMs: Number.isFinite(retryAfter) ? retryAfter : undefined,
  });
}

export interface AlibabaClientOptions extends ProviderClientOptions {
  endpoint: string;
  auth: Deferred<AlibabaAccessKey>;
  signature?: 'v3' | 'rpc';
}

/** ApsaraDB RDS RPC API 2014-08-15: POST / with the parameters in the query, signed V3 (default) or RPC. */
export class AlibabaRdsClient {
  private readonly http: ProviderHttp<AlibabaAccessKey>;
  private readonly now: () => Date;
  private readonly base: URL;
  /** Each instance's region, once read: an instance never moves, and StopDBInstance must name it. */
  private readonly regions = new Map<string, string>();
  /**
   * One task by id, read together with the others asked for at the same moment: DescribeHistoryTasks takes up to
   * 30 TaskIds a call (https://www.alibabacloud.com/help/en/rds/developer-reference/api-rds-2014-08-15-describehistorytasks),
   * so the follow-ups of many operations on this account cost one call.
   */
  readonly historyTask: (
    query: { taskId: string; from: Date; to: Date },
    signal?: AbortSignal,
  ) => Promise<AlibabaHistoryTask | undefined>;

  constructor(private readonly options: AlibabaClientOptions) {
    this.base = new URL(options.endpoint);
    this.now = options.now ?? (() => new Date());
    this.http = providerHttp('alibaba', options, alibabaError);
    this.historyTask = batchedReads({
      max: HISTORY_TASK_IDS_PER_CALL,
      key: (query) => query.taskId,
      read: async (queries, signal) => {
        const { Items } = await this.call(
          'DescribeHistoryTasks',
          historyTaskParams({
            taskIds: [...new Set(queries.map((query) => query.taskId))],
            from: new Date(Math.min(...queries.map((query) => query.from.getTime()))),
            to: new Date(Math.max(...queries.map((query) => query.to.getTime()))),
          }),
          AlibabaHistoryTaskItemsSchema,
          { idempotent: true, signal },
        );
        return new Map(Items.map(historyTaskItem));
      },
      // A refusal of the request itself (a 4xx that is neither throttling nor our credentials) may be one id's
      // doing: each is asked alone.
      isolate: (error) =>
        error instanceof ProviderError &&
        !error.retryable &&
        (error.httpStatus ?? 0) >= 400 &&
        (error.httpStatus ?? 0) < 500 &&
        error.httpStatus !== 401 &&
        error.httpStatus !== 403,
    });
  }

  /** The instance, or undefined when Alibaba says it does not exist. */
  async describeInstance(instanceId: string, signal?: AbortSignal) {
    try {
      const out = await this.call(
        'DescribeDBInstanceAttribute',
        { DBInstanceId: instanceId },
        AlibabaInstanceAttributeResponseSchema,
        {
          idempotent: true,
          signal,
        },
      );
      return out.Items.DBInstanceAttribute[0];
    } catch (error) {
      if (error instanceof ProviderError && /NotFound/.test(error.providerCode ?? '')) return undefined;
      throw error;
    }
  }

  describeCloudMigrationResult(instanceName: string, signal?: AbortSignal) {
    return this.call(
      'DescribeCloudMigrationResult',
      { DBInstanceName: instanceName },
      AlibabaCloudMigrationResultSchema,
      {
        idempotent: true,
        signal,
      },
    );
  }

  /** SwitchTimeMode 0 (immediately, the only documented value); ForceSwitch only when asked. */
  activateMigrationTargetInstance(instanceName: string, force: boolean, signal?: AbortSignal) {
    return this.call(
      'ActivateMigrationTargetInstance',
      { DBInstanceName: instanceName, SwitchTimeMode: '0', ...(force ? { ForceSwitch: '1' } : {}) },
      AlibabaTaskIdSchema,
      { idempotent: false, signal },
    );
  }

  /** Deletes a DR instance's replication link and promotes it to primary. */
  deleteReplicationLink(instanceId: string, signal?: AbortSignal) {
    return this.call(
      'DeleteReplicationLink',
      { DBInstanceId: instanceId, PromoteToMaster: 'true' },
      AlibabaTaskIdSchema,
      {
        idempotent: false,
        signal,
      },
    );
  }

  upgradeKernelVersion(
    instanceId: string,
    options: { upgradeTime: 'Immediate' | 'MaintainTime'; targetMinorVersion?: string },
    signal?: AbortSignal,
  ) {
    return this.call(
      'UpgradeDBInstanceKernelVersion',
      {
        DBInstanceId: instanceId,
        UpgradeTime: options.upgradeTime,
        ...(options.targetMinorVersion ? { TargetMinorVersion: options.targetMinorVersion } : {}),
      },
      AlibabaTaskIdSchema,
      { idempotent: false, signal },
    );
  }

  /**
   * StopDBInstance (DBInstanceId and RegionId, both required; answers only a RequestId, no TaskId)
   * (https://www.alibabacloud.com/help/en/rds/developer-reference/api-rds-2014-08-15-stopdbinstance). The other
   * actions name no region, so the instance's own is read first (DescribeDBInstanceAttribute), once per
   * instance. Follow the stop through the instance's status: Stopping, then Stopped.
   */
  async stopDBInstance(instanceId: string, signal?: AbortSignal): Promise<void> {
    let regionId = this.regions.get(instanceId);
    if (regionId === undefined) {
      const instance = await this.describeInstance(instanceId, signal);
      if (!instance?.RegionId)
        throw new ProviderError(`Alibaba RDS lists no region for the instance ${instanceId}`, {
          provider: 'alibaba',
          providerCode: instance ? undefined : 'InvalidDBInstanceId.NotFound',
          outcome: 'not-applied',
          retryable: false,
          answerStatus: 422,
        });
      regionId = instance.RegionId;
      this.regions.set(instanceId, regionId);
    }
    await this.call(
      'StopDBInstance',
      { DBInstanceId: instanceId, RegionId: regionId },
      AlibabaRequestIdSchema,
      { idempotent: false, signal },
    );
  }

  /** Tasks of the last 30 days, by ids (up to 30) or by instance, started within the window. */
  async describeHistoryTasks(filter: HistoryTaskFilter, signal?: AbortSignal) {
    return (
      await this.call('DescribeHistoryTasks', historyTaskParams(filter), AlibabaHistoryTasksSchema, {
        idempotent: true,
        signal,
      })
    ).Items;
  }

  private async call<T extends z.ZodType>(
    action: string,
    params: Record<string, string>,
    schema: T,
    options: { idempotent: boolean; signal?: AbortSignal },
  ): Promise<z.infer<T>> {
    return this.http.read((auth) => this.prepare(action, params, auth), schema, {
      ...options,
      what: `Alibaba RDS ${action}`,
    });
  }

  private prepare(action: string, params: Record<string, string>, auth: AlibabaAccessKey): PreparedRequest {
    const nonce = randomBytes(16).toString('hex');
    const timestamp = alibabaTimestamp(this.now());
    const { accessKeyId, accessKeySecret } = auth;
    const url = new URL('/', this.base);
    if (this.options.signature === 'rpc') {
      const query: Record<string, string> = {
        ...params,
        Action: action,
        Version: RDS_API_VERSION,
        Format: 'JSON',
        AccessKeyId: accessKeyId,
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
        SignatureNonce: nonce,
        Timestamp: timestamp,
      };
      query.Signature = rpcSignature(query, 'POST', accessKeySecret);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      return { method: 'POST', url, headers: { accept: 'application/json' } };
    }
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      host: url.host,
      'x-acs-action': action,
      'x-acs-version': RDS_API_VERSION,
      'x-acs-date': timestamp,
      'x-acs-signature-nonce': nonce,
      'x-acs-content-sha256': EMPTY_PAYLOAD_SHA256,
      accept: 'application/json',
    };
    headers.authorization = acs3Authorization(
      { method: 'POST', pathname: '/', query: params, headers, payloadHash: EMPTY_PAYLOAD_SHA256 },
      auth,
    );
    return { method: 'POST', url, headers };
  }
}
