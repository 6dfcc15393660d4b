import { createHmac } from 'node:crypto';
import { sameSecret } from '../domain/constant-time.js';
import { UnauthorizedError } from '../domain/errors.js';

/** Slack refuses requests older than five minutes; so do we, either way, against replays and clock games. */
export const SLACK_MAX_AGE_SECONDS = 300;

/** `v0=` + hex HMAC-SHA256 over `v0:<timestamp>:<raw body>` with the app's signing secret (Slack's v0 scheme). */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * Checks X-Slack-Signature and X-Slack-Request-Timestamp over the body exactly as received, before anything
 * else looks at the request.
 */
export function verifySlackRequest(
  signingSecret: string,
  headers: Record<string, string>,
  rawBody: string,
  now: Date,
): void {
  const timestamp = headers['x-slack-request-timestamp'] ?? '';
  const given = headers['x-slack-signature'] ?? '';
  if (!/^\d{1,12}$/.test(timestamp) || !given)
    throw new UnauthorizedError('Missing X-Slack-Signature or X-Slack-Request-Timestamp.');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SLACK_MAX_AGE_SECONDS)
    throw new UnauthorizedError('The Slack request timestamp is more than five minutes from now.');
  if (!sameSecret(given, slackSignature(signingSecret, timestamp, rawBody)))
    throw new UnauthorizedError('The Slack signature does not match.');
}
