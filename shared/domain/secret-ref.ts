import * as z from 'zod';

/** A secret is never written in config: it names where to read it. `value` is for the sandbox only. */
export const SecretRefSchema = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ ssm: z.string().startsWith('/') }),
  z.strictObject({ value: z.string() }),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

/** Reads a secret where its reference points; `where` names the config key in any error, never the value. */
export type ResolveSecret = (ref: SecretRef, where: string) => Promise<string>;

/** The one cache of secrets a container keeps, carried on the deps. */
export interface SecretReader {
  resolve: ResolveSecret;
}

/**
 * A secret as a client holds it: its value, or how to read it when a call first needs it, so a function that never
 * makes the call never reads the secret (and its role need not be allowed to).
 */
export type Deferred<T> = T | (() => Promise<T>);

export function readDeferred<T>(value: Deferred<T>): Promise<T> {
  return typeof value === 'function' ? (value as () => Promise<T>)() : Promise.resolve(value);
}
