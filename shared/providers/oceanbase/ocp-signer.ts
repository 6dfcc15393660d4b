import { createHash, createHmac } from 'node:crypto';
import { byCodeUnit, rfc3986Encode } from '../percent-encode.js';

/**
 * OCP AK/SK request signing, `OCP-ACCESS-KEY-HMACSHA1` (OCP API reference, "Rules for generating a
 * signature by using AK/SK"). The same message builder serves the client and the sandbox's verifier.
 */

export interface OcpAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface OcpSignableRequest {
  method: string;
  /** Path plus optional query string, as sent: `/api/v2/tasks/instances?size=10`. */
  pathWithQuery: string;
  host: string;
  contentType: string;
  /** RFC 1123 date, also sent as the `Date` header. */
  date: string;
  /** All request headers; only those starting with `x-ocp` are signed. */
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Uint8Array;
}

export const OCP_SIGNATURE_ALGORITHM = 'OCP-ACCESS-KEY-HMACSHA1';

/** Uppercase hex MD5 of the body bytes, or "" when there is no body. */
export function ocpContentMd5(body: string | Uint8Array | undefined): string {
  if (body === undefined || body.length === 0) return '';
  return createHash('md5').update(body).digest('hex').toUpperCase();
}

function canonicalXOcpHeaders(headers: OcpSignableRequest['headers']): string {
  if (!headers) return '';
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (!key.startsWith('x-ocp') || value === undefined) continue;
    // The prose says values are sorted, but the official vector (`x-ocp-data:A,1`) and the doc's Java
    // reference join them in the order given; we follow the vector.
    entries.push([key, Array.isArray(value) ? value.join(',') : value]);
  }
  entries.sort(([a], [b]) => byCodeUnit(a, b));
  return entries.map(([k, v]) => `${k}:${v}`).join('\n');
}

function canonicalPathAndQuery(pathWithQuery: string): string {
  const questionMark = pathWithQuery.indexOf('?');
  if (questionMark < 0) return pathWithQuery;
  const path = pathWithQuery.slice(0, questionMark);
  const values = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(pathWithQuery.slice(questionMark + 1))) {
    // The doc's Java reference drops parameters with empty values.
    if (value === '') continue;
    const list = values.get(key) ?? [];
    list.push(value);
    values.set(key, list);
  }
  if (values.size === 0) return path;
  const query = [...values.keys()]
    .sort(byCodeUnit)
    .map((key) => {
      const sorted = (values.get(key) ?? []).map(rfc3986Encode).sort(byCodeUnit);
      return `${rfc3986Encode(key)}=${sorted.join(',')}`;
    })
    .join('&');
  return `${path}?${query}`;
}

/** The exact message OCP signs: eight parts, "\n" between all but the last two. */
export function ocpStringToSign(request: OcpSignableRequest): string {
  return [
    request.method.toUpperCase(),
    ocpContentMd5(request.body),
    request.contentType,
    request.date,
    request.host,
    canonicalXOcpHeaders(request.headers),
    canonicalPathAndQuery(request.pathWithQuery),
  ].join('\n');
}

export function ocpSignature(request: OcpSignableRequest, accessKeySecret: string): string {
  if (accessKeySecret === '') throw new Error('OCP access key secret is empty');
  return createHmac('sha1', accessKeySecret).update(ocpStringToSign(request), 'utf8').digest('base64');
}

/** The `Authorization` header value for a request. */
export function ocpAuthorization(request: OcpSignableRequest, key: OcpAccessKey): string {
  return `${OCP_SIGNATURE_ALGORITHM} ${key.accessKeyId}:${ocpSignature(request, key.accessKeySecret)}`;
}

/** Parses `OCP-ACCESS-KEY-HMACSHA1 AK:signature`; undefined when the header has another form. */
export function parseOcpAuthorization(
  header: string,
): { accessKeyId: string; signature: string } | undefined {
  const match = /^OCP-ACCESS-KEY-HMACSHA1 ([^:\s]+):(\S+)$/.exec(header);
  if (!match) return undefined;
  return { accessKeyId: match[1] as string, signature: match[2] as string };
}
