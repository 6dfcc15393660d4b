import { z } from 'zod';

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
