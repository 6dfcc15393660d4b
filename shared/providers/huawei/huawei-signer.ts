import { createHash, createHmac } from 'node:crypto';
import { byCodeUnit, rfc3986Encode } from '../percent-encode.js';

/**
 * Huawei Cloud AK/SK signing, `SDK-HMAC-SHA256` (API signing guide, api-sign-algorithm-002..005), as the
 * official SDK's AKSKSigner does it. The same canonical request serves the client and the sandbox's verifier.
 */

export const HUAWEI_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface HuaweiAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface HuaweiSignableRequest {
  method: string;
  url: URL;
  /** Headers as sent (names in any case); `host` and `x-sdk-date` included. */
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** `YYYYMMDDTHHMMSSZ` in UTC, the form of the X-Sdk-Date header. */
export function huaweiSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Parses an X-Sdk-Date; NaN when malformed. */
export function parseHuaweiSdkDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Each path segment encoded, and always a trailing "/" (the request itself need not have one). */
function canonicalUri(pathname: string): string {
  const encoded = pathname
    .split('/')
    .map((segment) => rfc3986Encode(decodeURIComponent(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function canonicalQuery(url: URL): string {
  const values = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) values.set(key, [...(values.get(key) ?? []), value]);
  return [...values.keys()]
    .sort(byCodeUnit)
    .flatMap((key) =>
      (values.get(key) ?? []).sort(byCodeUnit).map((v) => `${rfc3986Encode(key)}=${rfc3986Encode(v)}`),
    )
    .join('&');
}

/** The canonical request for the named headers. Header values are used as they are: the SDK does not trim them. */
export function huaweiCanonicalRequest(
  request: HuaweiSignableRequest,
  signedHeaders: readonly string[],
): string {
  const lower = new Map(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const headers = signedHeaders.map((name) => `${name}:${lower.get(name) ?? ''}\n`).join('');
  // A Content-Type other than exactly application/json makes the SDK send UNSIGNED-PAYLOAD in this header.
  const payload =
    lower.get('x-sdk-content-sha256') ??
    (request.body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(request.body));
  return [
    request.method.toUpperCase(),
    canonicalUri(request.url.pathname),
    canonicalQuery(request.url),
    headers,
    signedHeaders.join(';'),
    payload,
  ].join('\n');
}

function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

export function huaweiSignature(canonicalRequest: string, sdkDate: string, secretAccessKey: string): string {
  const stringToSign = [HUAWEI_SIGNING_ALGORITHM, sdkDate, sha256Hex(canonicalRequest)].join('\n');
  return createHmac('sha256', secretAccessKey).update(stringToSign).digest('hex');
}

/**
 * Signs every header present (as the official SDK does) plus `host` and `x-sdk-date`, which it adds.
 * Returns the headers to send, Authorization included.
 */
export function signHuaweiRequest(
  request: HuaweiSignableRequest,
  key: HuaweiAccessKey,
  now: Date,
): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers };
  const names = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  if (!names.has('host')) headers.host = request.url.host;
  if (!names.has('x-sdk-date')) headers['X-Sdk-Date'] = huaweiSdkDate(now);
  const sdkDate = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-sdk-date')?.[1] as string;
  const signedHeaders = [...new Set(Object.keys(headers).map((k) => k.toLowerCase()))].sort(byCodeUnit);
  const canonical = huaweiCanonicalRequest({ ...request, headers }, signedHeaders);
  const signature = huaweiSignature(canonical, sdkDate, key.secretAccessKey);
  headers.Authorization = `${HUAWEI_SIGNING_ALGORITHM} Access=${key.accessKeyId}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return headers;
}

/** Parses the Authorization header; undefined when it has another form. */
export function parseHuaweiAuthorization(
  header: string,
): { accessKeyId: string; signedHeaders: string[]; signature: string } | undefined {
  const m = /^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([^,\s]+), Signature=([0-9a-f]+)$/.exec(header);
  if (!m) return undefined;
  return {
    accessKeyId: m[1] as string,
    signedHeaders: (m[2] as string).split(';'),
    signature: m[3] as string,
  };
}
