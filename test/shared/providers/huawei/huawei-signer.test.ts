import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  huaweiCanonicalRequest,
  huaweiSdkDate,
  parseHuaweiAuthorization,
  parseHuaweiSdkDate,
  signHuaweiRequest,
} from '../../../../shared/providers/huawei/huawei-signer.js';
import { readFixture } from '../../../support/fixtures.js';

// The official SDK's signer, the reference every request below is compared with.
const { AKSKSigner } = createRequire(import.meta.url)(
  '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner',
) as {
  AKSKSigner: {
    sign(
      request: {
        method: string;
        endpoint: string;
        headers: Record<string, string>;
        queryParams: Record<string, unknown>;
        data: unknown;
      },
      credential: { getAk(): string; getSk(): string },
    ): Record<string, string>;
  };
};

interface HuaweiVector {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  ak: string;
  sk: string;
  canonical_request_sha256: string;
  signed_headers: string;
  signature: string;
}

const [vector] = readFixture<{ huawei_sdk_hmac_sha256: HuaweiVector[] }>(
  'signing-vectors.json',
).huawei_sdk_hmac_sha256;
const key = {
  accessKeyId: 'HPUAEXAMPLEAK0000001',
  secretAccessKey: 'exampleSecretKey0123456789abcdefghijklmn',
};
const date = new Date('2024-01-01T00:00:00Z');

describe('Huawei SDK-HMAC-SHA256 signer', () => {
  it('reproduces the official documentation example', async () => {
    const v = vector as HuaweiVector;
    const headers = signHuaweiRequest(
      { method: v.method, url: new URL(v.url), headers: v.headers, body: v.body },
      { accessKeyId: v.ak, secretAccessKey: v.sk },
      new Date(0),
    );
    const auth = parseHuaweiAuthorization(headers.Authorization as string);
    expect(auth?.signedHeaders.join(';')).toBe(v.signed_headers);
    expect(auth?.signature).toBe(v.signature);
    const { createHash } = await import('node:crypto');
    const canonical = huaweiCanonicalRequest(
      { method: v.method, url: new URL(v.url), headers: v.headers, body: v.body },
      v.signed_headers.split(';'),
    );
    expect(createHash('sha256').update(canonical).digest('hex')).toBe(v.canonical_request_sha256);
  });

  const pid = '0483b6b16e954cb88930a360d2c4e663';
  const base = 'https://rds.cn-north-4.myhuaweicloud.com';
  it.each([
    {
      what: 'GET with a query',
      method: 'GET',
      path: `/v3/${pid}/instances`,
      query: { id: '24c6678f474241fe89ee9c42f768022ein03', limit: '10', name: 'orders primary' },
      data: undefined,
    },
    {
      what: 'POST build_master_dr_relation',
      method: 'POST',
      path: `/v3/${pid}/instances/24c6678f474241fe89ee9c42f768022ein03/action`,
      query: {},
      data: {
        build_master_dr_relation: {
          target_instance_id: 'c39bd176fb0540929f6add80b91b212cin03',
          target_project_id: '054b61972980d4552f0bc00ac8d3f5cd',
          target_region: 'cn-east-3',
          target_ip: '192.168.3.238',
          target_subnet: '192.168.3.1/24',
        },
      },
    },
    {
      what: 'POST db-upgrade',
      method: 'POST',
      path: `/v3/${pid}/instances/x1in03/db-upgrade`,
      query: {},
      data: { is_delayed: false },
    },
    {
      what: 'DELETE with a body',
      method: 'DELETE',
      path: `/v3/${pid}/instances/x1in03/delete-disaster-recovery`,
      query: {},
      data: {
        target_instance_id: 'x2in03',
        target_project_id: pid,
        target_region: 'cn-east-3',
        target_ip: '10.0.0.1',
        is_master: true,
      },
    },
    {
      what: 'GET a job with a query and a trailing slash',
      method: 'GET',
      path: `/v3/${pid}/jobs/`,
      query: { id: 'e7a7535b-eb9b-45ac-a83a-020dc5016d94' },
      data: undefined,
    },
  ])('matches the official SDK signer: $what', ({ method, path, query, data }) => {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers = {
      'Content-Type': 'application/json',
      'X-Project-Id': pid,
      'X-Sdk-Date': huaweiSdkDate(date),
    };
    const body = data === undefined ? '' : JSON.stringify(data);

    const ours = signHuaweiRequest({ method, url, headers, body }, key, date);
    const official = AKSKSigner.sign(
      { method, endpoint: base + path, headers: { ...headers }, queryParams: query, data: data ?? '' },
      { getAk: () => key.accessKeyId, getSk: () => key.secretAccessKey },
    );

    expect(ours.Authorization).toBe(official.Authorization);
  });

  it('signs UNSIGNED-PAYLOAD when the SDK would (Content-Type other than exactly application/json)', () => {
    const url = new URL(`${base}/v3/${pid}/instances/x1in03/action`);
    const headers = {
      'Content-Type': 'application/json;charset=UTF-8',
      'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD',
      'X-Sdk-Date': huaweiSdkDate(date),
    };
    const data = { drreplica_to_master: {} };
    const ours = signHuaweiRequest({ method: 'POST', url, headers, body: JSON.stringify(data) }, key, date);
    const official = AKSKSigner.sign(
      { method: 'POST', endpoint: url.toString(), headers: { ...headers }, queryParams: {}, data },
      { getAk: () => key.accessKeyId, getSk: () => key.secretAccessKey },
    );
    expect(ours.Authorization).toBe(official.Authorization);
  });

  it('round-trips its date format and rejects malformed dates', () => {
    expect(huaweiSdkDate(date)).toBe('20240101T000000Z');
    expect(parseHuaweiSdkDate('20240101T000000Z')).toBe(date.getTime());
    expect(parseHuaweiSdkDate('2024-01-01')).toBeNaN();
  });
});
