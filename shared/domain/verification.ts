import * as z from 'zod';

/**
 * What one check after a promotion found: `passed` is a positive yes from whoever was asked, `failed` a positive
 * no, and `unknown` no answer (an error, a timeout, a state that says nothing). Only every check passed makes an
 * operation verified; unknown is never taken for yes.
 */
export const CheckOutcomeSchema = z.enum(['passed', 'failed', 'unknown']);
export type CheckOutcome = z.infer<typeof CheckOutcomeSchema>;

/** One check: the provider's word on a member's role, or an application check the pair configures. */
export const VerificationCheckSchema = z.object({
  /** `new-primary.role`, `new-primary.writable`, `old-primary.fenced`, or `app:<name>`. */
  name: z.string(),
  by: z.enum(['provider', 'application']),
  outcome: CheckOutcomeSchema,
  /** What was asked and what came back, in a sentence. */
  detail: z.string(),
  at: z.string(),
  /** Application checks: how long the answer took. */
  ms: z.number().int().min(0).optional(),
});
export type VerificationCheck = z.infer<typeof VerificationCheckSchema>;

/** A provider's check before Switchyard stamps it with who asked and when. */
export const ProviderCheckSchema = VerificationCheckSchema.pick({ name: true, outcome: true, detail: true });
export type ProviderCheck = z.infer<typeof ProviderCheckSchema>;

/** What the provider must confirm of every promotion or switchover; one it says nothing about is unknown. */
export const PROVIDER_CHECKS = ['new-primary.role', 'new-primary.writable', 'old-primary.fenced'] as const;

/**
 * The confirmation after a promotion or switchover that the pair is what the provider's job said: verifying while
 * checks are asked again, verified when all passed, unverified when the time ran out or a provider said no.
 */
export const VerificationSchema = z.object({
  state: z.enum(['verifying', 'verified', 'unverified']),
  startedAt: z.string(),
  /** Checks are asked again until then, while any has not passed. */
  until: z.string(),
  /** The latest round's checks. */
  checks: z.array(VerificationCheckSchema),
  finishedAt: z.string().optional(),
});
export type Verification = z.infer<typeof VerificationSchema>;

export function allPassed(checks: readonly VerificationCheck[]): boolean {
  return checks.length > 0 && checks.every((c) => c.outcome === 'passed');
}

/**
 * A provider's positive no does not change by waiting (the old primary is still writable, the new one is not
 * primary): it ends the verification at once. An application that does not answer yet, or a provider that cannot
 * say, is asked again until the window ends.
 */
export function providerSaidNo(checks: readonly VerificationCheck[]): boolean {
  return checks.some((c) => c.by === 'provider' && c.outcome === 'failed');
}

/** The checks that did not pass, in one sentence: "old-primary.fenced failed: ...; app:orders unknown: ...". */
export function describeNotPassed(checks: readonly VerificationCheck[]): string {
  return checks
    .filter((c) => c.outcome !== 'passed')
    .map((c) => `${c.name} ${c.outcome}: ${c.detail}`)
    .join('; ');
}

/**
 * Whether two rounds found the same: a round that found nothing new is not written or announced again. Failed and
 * unknown both mean "not passed", so a check flapping between them is no news.
 */
export function sameFindings(a: readonly VerificationCheck[], b: readonly VerificationCheck[]): boolean {
  const passed = (c: VerificationCheck | undefined) => c?.outcome === 'passed';
  return a.length === b.length && a.every((c, i) => c.name === b[i]?.name && passed(c) === passed(b[i]));
}
