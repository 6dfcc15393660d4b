import { createRequire } from 'node:module';
import {
  acs3Authorization,
  EMPTY_PAYLOAD_SHA256,
  rpcSignature,
} from '../shared/providers/alibaba/alibaba-signer.js';
import { huaweiSdkDate, signHuaweiRequest } from '../shared/providers/huawei/huawei-signer.js';
import { ocpAuthorization } from '../shared/providers/oceanbase/ocp-signer.js';
import { repeat, type Spread, spread } from './support/stats.js';

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: object, credential: object): Record<string, string> };
};
const OpenApiUtil = require('@alicloud/openapi-util').default as {
  getAuthorization(request: object, algorithm: string, payloadHash: string, ak: string, sk: string): string;
  getRPCSignature(params: Record<string, string>, method: string, secret: string): string;
};

/** Signatures per second of one signer, over a fixed wall-clock budget. */
function rate(sign: () => unknown, budgetMs: number): number {
  for (let i = 0; i < 1000; i++) sign();
  let count = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < 200; i++) sign();
    count += 200;
    elapsed = performance.now() - t0;
  }
  return (count * 1000) / elapsed;
}

const date = new Date('2026-11-21T09:00:00Z');
const huaweiKey = {
  accessKeyId: 'HPUABCDEFGHIJKLMNOPQ',
  secretAccessKey: 'sandboxHuaweiSecretAccessKey0000000000',
};
const huaweiUrl =
  'https://rds.cn-north-4.myhuaweicloud.com/v3/0483b6b16e954cb88930a360d2c4e663/instances/24c6678f474241fe89ee9c42f768022ein03/action';
const huaweiBody = { drreplica_to_master: {} };
const alibabaKey = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
const alibabaQuery = { DBInstanceName: 'pgm-bp1crm0migration01', SwitchTimeMode: '0' };
const alibabaHeaders = {
  host: 'rds.aliyuncs.com',
  'x-acs-action': 'ActivateMigrationTargetInstance',
  'x-acs-version': '2014-08-15',
  'x-acs-date': '2026-11-21T09:00:00Z',
  'x-acs-signature-nonce': '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  'x-acs-content-sha256': EMPTY_PAYLOAD_SHA256,
  accept: 'application/json',
};
const rpcParams = {
  ...alibabaQuery,
  Action: 'ActivateMigrationTargetInstance',
  Version: '2014-08-15',
  Format: 'JSON',
  AccessKeyId: 'testid',
  SignatureMethod: 'HMAC-SHA1',
  SignatureVersion: '1.0',
  SignatureNonce: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  Timestamp: '2026-11-21T09:00:00Z',
};

/** The same request signed by ours and, where one exists, by the provider's official npm SDK. */
const PAIRS: { signer: string; ours: () => unknown; official?: () => unknown; officialName?: string }[] = [
  {
    signer: 'Huawei SDK-HMAC-SHA256 (POST with body)',
    ours: () =>
      signHuaweiRequest(
        {
          method: 'POST',
          url: new URL(huaweiUrl),
          headers: { 'Content-Type': 'application/json', 'X-Sdk-Date': huaweiSdkDate(date) },
          body: JSON.stringify(huaweiBody),
        },
        huaweiKey,
        date,
      ),
    official: () =>
      AKSKSigner.sign(
        {
          method: 'POST',
          endpoint: huaweiUrl,
          headers: { 'Content-Type': 'application/json', 'X-Sdk-Date': huaweiSdkDate(date) },
          queryParams: {},
          data: huaweiBody,
        },
        { getAk: () => huaweiKey.accessKeyId, getSk: () => huaweiKey.secretAccessKey },
      ),
    officialName: '@huaweicloud/huaweicloud-sdk-core AKSKSigner.sign',
  },
  {
    signer: 'Alibaba ACS3-HMAC-SHA256 (V3)',
    ours: () =>
      acs3Authorization(
        {
          method: 'POST',
          pathname: '/',
          query: alibabaQuery,
          headers: alibabaHeaders,
          payloadHash: EMPTY_PAYLOAD_SHA256,
        },
        alibabaKey,
      ),
    official: () =>
      OpenApiUtil.getAuthorization(
        { method: 'POST', pathname: '/', query: alibabaQuery, headers: alibabaHeaders },
        'ACS3-HMAC-SHA256',
        EMPTY_PAYLOAD_SHA256,
        alibabaKey.accessKeyId,
        alibabaKey.accessKeySecret,
      ),
    officialName: '@alicloud/openapi-util getAuthorization',
  },
  {
    signer: 'Alibaba RPC HMAC-SHA1',
    ours: () => rpcSignature(rpcParams, 'POST', 'testsecret'),
    official: () => OpenApiUtil.getRPCSignature(rpcParams, 'POST', 'testsecret'),
    officialName: '@alicloud/openapi-util getRPCSignature',
  },
  {
    signer: 'OceanBase OCP-ACCESS-KEY-HMACSHA1',
    ours: () =>
      ocpAuthorization(
        {
          method: 'POST',
          pathWithQuery: '/api/v2/ob/clusters/1/tenants/1001/switchover',
          host: 'ocp.example.internal:8080',
          contentType: 'application/json',
          body: JSON.stringify({ standbyTenantId: 1002 }),
          date: 'Sat, 21 Nov 2026 09:00:00 GMT',
        } as Parameters<typeof ocpAuthorization>[0],
        { accessKeyId: 'ocp-ak', accessKeySecret: 'ocp-sk' },
      ),
  },
];

export interface SignerRow {
  signer: string;
  ours: Spread;
  official?: Spread;
  officialName?: string;
  /** Ours over official: above 1, ours signs faster. */
  ratio?: Spread;
}

export async function benchSigners(options: { runs: number; budgetMs: number }): Promise<SignerRow[]> {
  const rows: SignerRow[] = [];
  for (const pair of PAIRS) {
    // Alternate the two within each run, so drift on a shared machine hits both alike.
    const runs = await repeat(options.runs, async () => {
      const ours = rate(pair.ours, options.budgetMs);
      const official = pair.official ? rate(pair.official, options.budgetMs) : undefined;
      return { ours, official, ratio: official ? ours / official : undefined };
    });
    rows.push({
      signer: pair.signer,
      ours: spread(runs.map((r) => r.ours)),
      ...(pair.official
        ? {
            official: spread(runs.map((r) => r.official as number)),
            officialName: pair.officialName,
            ratio: spread(runs.map((r) => r.ratio as number)),
          }
        : {}),
    });
  }
  return rows;
}
