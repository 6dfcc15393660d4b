import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  acs3Authorization,
  acs3CanonicalRequest,
  acs3SignedHeaders,
  EMPTY_PAYLOAD_SHA256,
  parseAcs3Authorization,
  rpcSignature,
  sha256Hex,
} from '../../../../shared/providers/alibaba/alibaba-signer.js';
import { readFixture } from '../../../support/fixtures.js';

// The official signing functions every case below is compared with.
const OpenApiUtil = createRequire(import.meta.url)('@alicloud/openapi-util').default as {
  getAuthorization(request: object, algorithm: string, payloadHash: string, ak: string, sk: string): string;
  getRPCSignature(params: Record<string, string>, method: string, secret: string): string;
};

interface Acs3Vector {
  method: string;
  pathname: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  access_key_id: string;
  access_key_secret: string;
  canonical_request_sha256: string;
  signed_headers: string;
  signature: string;
}
interface RpcVector {
  params: Record<string, string>;
  secret: string;
  signature_get: string;
  signature_post: string;
}
const vectors = readFixture<{ alibaba_acs3_hmac_sha256: Acs3Vector[]; alibaba_rpc_hmac_sha1: RpcVector[] }>(
  'signing-vectors.json',
);

describe('Alibaba V3 ACS3-HMAC-SHA256', () => {
  it('reproduces the official fixed-value example', () => {
    const v = vectors.alibaba_acs3_hmac_sha256[0] as Acs3Vector;
    const request = {
      method: v.method,
      pathname: v.pathname,
      query: v.query,
      headers: v.headers,
      payloadHash: EMPTY_PAYLOAD_SHA256,
    };
    const auth = parseAcs3Authorization(
      acs3Authorization(request, { accessKeyId: v.access_key_id, accessKeySecret: v.access_key_secret }),
    );
    expect(auth?.signedHeaders.join(';')).toBe(v.signed_headers);
    expect(auth?.signature).toBe(v.signature);
    expect(sha256Hex(acs3CanonicalRequest(request, acs3SignedHeaders(v.headers)))).toBe(
      v.canonical_request_sha256,
    );
  });

  it.each<{ action: string; query: Record<string, string> }>([
    {
      action: 'ActivateMigrationTargetInstance',
      query: { DBInstanceName: 'pgm-bp102g323jd4****', SwitchTimeMode: '0', ForceSwitch: '1' },
    },
    { action: 'DeleteReplicationLink', query: { DBInstanceId: 'pgm-2ze0dr000001', PromoteToMaster: 'true' } },
    {
      action: 'DescribeHistoryTasks',
      query: {
        TaskId: '440913675',
        FromStartTime: '2026-11-21T00:00:00Z',
        ToStartTime: '2026-11-22T00:00:00Z',
      },
    },
    {
      action: 'UpgradeDBInstanceKernelVersion',
      query: { DBInstanceId: 'rm-bp1 x(y)*', UpgradeTime: 'Immediate' },
    },
  ])('matches getAuthorization of @alicloud/openapi-util for $action', ({ action, query }) => {
    const headers = {
      host: 'rds.aliyuncs.com',
      'x-acs-action': action,
      'x-acs-version': '2014-08-15',
      'x-acs-date': '2026-11-21T09:00:00Z',
      'x-acs-signature-nonce': '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      'x-acs-content-sha256': EMPTY_PAYLOAD_SHA256,
      accept: 'application/json',
    };
    const key = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
    const ours = acs3Authorization(
      { method: 'POST', pathname: '/', query, headers, payloadHash: EMPTY_PAYLOAD_SHA256 },
      key,
    );
    const official = OpenApiUtil.getAuthorization(
      { method: 'POST', pathname: '/', query, headers },
      'ACS3-HMAC-SHA256',
      EMPTY_PAYLOAD_SHA256,
      key.accessKeyId,
      key.accessKeySecret,
    );
    expect(ours).toBe(official);
  });
});

describe('Alibaba RPC HMAC-SHA1', () => {
  const v = vectors.alibaba_rpc_hmac_sha1[0] as RpcVector;

  it('reproduces the official example for GET and POST', () => {
    expect(rpcSignature(v.params, 'GET', v.secret)).toBe(v.signature_get);
    expect(rpcSignature(v.params, 'POST', v.secret)).toBe(v.signature_post);
  });

  it('matches getRPCSignature of @alicloud/openapi-util on RDS calls', () => {
    const params = {
      ...v.params,
      Action: 'ActivateMigrationTargetInstance',
      Version: '2014-08-15',
      Format: 'JSON',
      DBInstanceName: 'pgm-bp102g323jd4 *~',
      SwitchTimeMode: '0',
    };
    expect(rpcSignature(params, 'POST', 'another secret')).toBe(
      OpenApiUtil.getRPCSignature(params, 'POST', 'another secret'),
    );
  });
});
