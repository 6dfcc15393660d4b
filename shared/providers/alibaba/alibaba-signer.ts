import { createHash, createHmac } from 'node:crypto';
import { byCodeUnit, rfc3986Encode } from '../percent-encode.js';

/**
 * Alibaba Cloud request signing. V3 `ACS3-HMAC-SHA256` is what the current SDK sends by default, RPC
 * APIs included; the RPC `HMAC-SHA1` query signature (SignatureVersion 1.0, which Alibaba's docs call
 * "V2" and the SDKs "v1") is kept as an option. One canonical form serves the client and the sandbox.
 */

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface AlibabaAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface Acs3SignableRequest {
  method: string;
  /** "/" for RPC-style APIs. */
  pathname: string;
  query: Record<string, string>;
  /** Every header sent; host, content-type and x-acs-* are signed. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, as sent in x-acs-content-sha256. */
  payloadHash: string;
}

export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/** host, content-type and every x-acs-* header: lowercase, trimmed, sorted. */
export function acs3SignedHeaders(headers: Record<string, string>): string[] {
  return [
    ...new Set(
      Object.keys(headers)
        .map((k) => k.toLowerCase())
        .filter((k) => k === 'host' || k === 'content-type' || k.startsWith('x-acs-')),
    ),
  ].sort(byCodeUnit);
}

export function acs3CanonicalRequest(request: Acs3SignableRequest, signedHeaders: readonly string[]): string {
  const lower = new Map(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const query = Object.keys(request.query)
    .sort(byCodeUnit)
    .map((k) => `${rfc3986Encode(k)}=${rfc3986Encode(request.query[k] ?? '')}`)
    .join('&');
  const pathname = request.pathname
    .split('/')
    .map((s) => rfc3986Encode(decodeURIComponent(s)))
    .join('/');
  return [
    request.method.toUpperCase(),
    pathname,
    query,
    signedHeaders.map((h) => `${h}:${lower.get(h) ?? ''}\n`).join(''),
    signedHeaders.join(';'),
    request.payloadHash,
  ].join('\n');
}

export function acs3Signature(canonicalRequest: string, accessKeySecret: string): string {
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', accessKeySecret).update(stringToSign).digest('hex');
}

/** The Authorization header (no spaces after the commas, as Alibaba's gateway expects). */
export function acs3Authorization(request: Acs3SignableRequest, key: AlibabaAccessKey): string {
  const signed = acs3SignedHeaders(request.headers);
  const signature = acs3Signature(acs3CanonicalRequest(request, signed), key.accessKeySecret);
  return `${ACS3_ALGORITHM} Credential=${key.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signature}`;
}

export function parseAcs3Authorization(
  header: string,
): { accessKeyId: string; signedHeaders: string[]; signature: string } | undefined {
  const m = /^ACS3-HMAC-SHA256 Credential=([^,\s]+),SignedHeaders=([^,\s]+),Signature=([0-9a-f]{64})$/.exec(
    header,
  );
  return m
    ? { accessKeyId: m[1] as string, signedHeaders: (m[2] as string).split(';'), signature: m[3] as string }
    : undefined;
}

/** RPC signature: Base64(HMAC-SHA1(secret + "&", METHOD&%2F&encode(sorted encoded params))). */
export function rpcSignature(
  params: Record<string, string>,
  method: string,
  accessKeySecret: string,
): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort(byCodeUnit)
    .map((k) => `${rfc3986Encode(k)}=${rfc3986Encode(params[k] ?? '')}`)
    .join('&');
  const stringToSign = `${method.toUpperCase()}&${rfc3986Encode('/')}&${rfc3986Encode(canonical)}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64');
}

/** `yyyy-MM-ddTHH:mm:ssZ` in UTC, the form of x-acs-date and Timestamp. */
export function alibabaTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
