import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { sameSecret } from '../domain/constant-time.js';
import { ValidationError } from '../domain/errors.js';
import { OPERATION_KINDS } from '../domain/operation.js';

/** What a seal is for: an operation kind's queue, or the follow-up queue (Switchyard's reminders to itself). */
export const QueueNameSchema = z.enum([...OPERATION_KINDS, 'follow-up']);
export type QueueName = z.infer<typeof QueueNameSchema>;

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
    /** The queue it was sealed for: on another queue it is refused, not turned into that queue's kind. */
    kind: QueueNameSchema,
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

function signatureOf(key: string, kind: QueueName, issuedAt: string, payload: string): string {
  // The kind and the time have fixed shapes, so no boundary between the parts can be moved.
  return createHmac('sha256', key).update(`v1.${kind}.${issuedAt}.${payload}`).digest('base64url');
}

/** A message as Switchyard sends it to itself, for the queue of one operation kind. */
export function seal(
  kind: QueueName,
  message: Record<string, unknown>,
  key: string,
  now: Date,
): SealedMessage {
  const issuedAt = now.toISOString();
  const payload = JSON.stringify(message);
  return {
    switchyard: { v: 1, kind, issuedAt, payload, signature: signatureOf(key, kind, issuedAt, payload) },
  };
}

const refused = (field: string, message: string) =>
  new ValidationError(`Refused a sealed message: ${field}: ${message}`, [{ field, message }]);

/**
 * The message inside a seal, once its signature, its kind and its age are right; otherwise a 400 naming what is
 * wrong. `maxAgeMs` is never more than four days; the caller makes it no longer than its idempotency keys are
 * kept, so a seal replayed after its request's key is forgotten is refused rather than taken as new.
 */
export function unseal(
  sealed: SealedMessage,
  expected: { key: string; kind: QueueName; now: Date; maxAgeMs: number },
): unknown {
  const { kind, issuedAt, payload, signature } = sealed.switchyard;
  if (!sameSecret(signature, signatureOf(expected.key, kind, issuedAt, payload)))
    throw refused('body.switchyard.signature', "not signed with Switchyard's key");
  if (kind !== expected.kind)
    throw refused('body.switchyard.kind', `sealed for the ${kind} queue, not ${expected.kind}`);
  const age = expected.now.getTime() - Date.parse(issuedAt);
  if (Number.isNaN(age)) throw refused('body.switchyard.issuedAt', 'not a time');
  if (age > Math.min(expected.maxAgeMs, SEAL_MAX_AGE_MS))
    throw refused('body.switchyard.issuedAt', 'too old: its request may no longer be remembered');
  if (age < -SEAL_CLOCK_SKEW_MS) throw refused('body.switchyard.issuedAt', 'in the future');
  try {
    return JSON.parse(payload);
  } catch {
    throw refused('body.switchyard.payload', 'not valid JSON');
  }
}
