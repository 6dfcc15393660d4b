import * as z from 'zod';

/**
 * What an observer says of a pair's primary. Only `down`, the provider positively reporting it unavailable,
 * lets Switchyard act on its own; `unknown` (an error, a timeout, a state that says nothing) never does.
 */
export const PrimaryVerdictSchema = z.enum(['down', 'up', 'unknown']);
export type PrimaryVerdict = z.infer<typeof PrimaryVerdictSchema>;

/** One observer's answer: what was asked, what came back, and what Switchyard concluded from it. */
export const EvidenceSchema = z.object({
  observer: z.string(),
  asked: z.string(),
  answer: z.string(),
  verdict: PrimaryVerdictSchema,
  /** False when the observer could not be asked at all (an error, a timeout, a refused credential). */
  reached: z.boolean().optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** The primary as every configured observer sees it, and the standby's lag where it can be read. */
export const ObservationSchema = z.object({
  primary: PrimaryVerdictSchema,
  evidence: z.array(EvidenceSchema),
  /** Known figures only: an absent field is a lag Switchyard could not read, never zero. */
  lag: z.object({ seconds: z.number().optional(), mb: z.number().optional() }).optional(),
  lagDetail: z.string(),
  /** Whether the standby replicates, where the provider says so (Huawei's replica_state); absent when it does not. */
  replicating: z.boolean().optional(),
  /** Whether the provider lists the DR relation at all, where it can say (Huawei's ListDrInfos). */
  drRelation: z.enum(['present', 'absent']).optional(),
  at: z.string().optional(),
});
export type Observation = z.infer<typeof ObservationSchema>;

/** Several observers agree on `down` or nothing is down: one that disagrees makes it a person's call. */
export function combineVerdicts(verdicts: readonly PrimaryVerdict[]): PrimaryVerdict {
  if (verdicts.length > 0 && verdicts.every((v) => v === 'down')) return 'down';
  if (verdicts.includes('down')) return 'unknown';
  return verdicts.includes('up') ? 'up' : 'unknown';
}

/** The evidence in one sentence: "Huawei ListInstances for ...: status FAILED (down); ...". */
export function describeEvidence(observation: Pick<Observation, 'evidence'>): string {
  return observation.evidence.map((e) => `${e.observer} ${e.asked}: ${e.answer} (${e.verdict})`).join('; ');
}

export function lagIsKnown(observation: Pick<Observation, 'lag'>): boolean {
  return observation.lag?.seconds !== undefined || observation.lag?.mb !== undefined;
}
