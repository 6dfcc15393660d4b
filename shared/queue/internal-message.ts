import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { sameSecret } from '../domain/constant-time.js';
import { ValidationError } from '../domain/errors.js';

/**
 * Switchyard's own queue messages (an alert's promotion, a chat command, a person's decision) carry claims that
 * no outside sender may make: who asked, the alert behind it, the approval it needs, the chat conversation to
 * answer. They travel sealed: the message as a JSON string, signed with HMAC-SHA256 under `internal.signingKey`,
 * which only Switchyard's own roles can read. Sealed, rather than trusted for the queue it came on, because a
 * queue also takes plain requests from the senders a deployer allows, and a seal is checked in code, the same
 * locally as deployed.
 */
export const SealedMessageSchema = z.strictObject({
  switchyard: z.strictObject({
    v: z.literal(1),
    issuedAt: z.iso.datetime(),
    payload: z.string().max(256 * 1024),
    signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'an HMAC-SHA256, base64url'),
  }),
});
export type SealedMessage = z.infer<typeof SealedMessageSchema>;

/** SQS keeps a message four days unless told otherwise; a seal older than that is not Switchyard's of today. */
export const SEAL_MAX_AGE_MS = 4 * 24 * 60 * 60 * 1000;

/** Clocks differ between containers: a seal this far in the future is still good. */
const SEAL_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Whether a parsed queue body is sealed (and so must prove it). */
export function isSealed(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'switchyard' in body;
}

function signatureOf(key: string, issuedAt: string, payload: string): string {
  return createHmac('sha256', key).update(`v1.${issuedAt}.${payload}`).digest('base64url');
}

/** A message as Switchyard sends it to itself. */
export function seal(message: Record<string, unknown>, key: string, now: Date): SealedMessage {
  const issuedAt = now.toISOString();
  const payload = JSON.stringify(message);
  return { switchyard: { v: 1, issuedAt, payload, signature: signatureOf(key, issuedAt, payload) } };
}

const refused = (field: string, message: string) =>
  new ValidationError(`Refused a sealed message: ${field}: ${message}`, [{ field, message }]);

/** The message inside a seal, once its signature and age are right; otherwise a 400 naming what is wrong. */
export function unseal(sealed: SealedMessage, key: string, now: Date): unknown {
  const { issuedAt, payload, signature } = sealed.switchyard;
  if (!sameSecret(signature, signatureOf(key, issuedAt, payload)))
    throw refused('body.switchyard.signature', "not signed with Switchyard's key");
  const age = now.getTime() - Date.parse(issuedAt);
  if (age > SEAL_MAX_AGE_MS) throw refused('body.switchyard.issuedAt', 'older than four days');
  if (age < -SEAL_CLOCK_SKEW_MS) throw refused('body.switchyard.issuedAt', 'in the future');
  try {
    return JSON.parse(payload);
  } catch {
    throw refused('body.switchyard.payload', 'not valid JSON');
  }
}
