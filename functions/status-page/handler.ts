import { createHash } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { observed } from '../../shared/telemetry/middleware.js';
import { SCRIPT, STATUS_PAGE_HTML, STYLE } from './page.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * Only this page's own script and style run, and it talks only to this origin: a value that slipped into the page
 * as markup could neither run nor send the key anywhere. No frame may hold it (clickjacking).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // A deployment changes it; the browser asks again rather than keep an old script.
  'cache-control': 'no-cache',
};

/** GET /: the status page. It holds no data and needs no key; the browser reads the API with the person's. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observed())
  .handler(async () => ({ statusCode: 200, headers: HEADERS, body: STATUS_PAGE_HTML }));
