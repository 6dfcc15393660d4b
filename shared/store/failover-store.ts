import type { Brake, Decision, PairFailoverState } from '../domain/decision.js';

/** The port for alert decisions and the state automatic failover keeps. Single-item conditional writes only. */
export interface FailoverStore {
  /**
   * Opens the alert's episode for `decisionId`, unless one is open: then the open one's decision id is
   * returned and nothing is written. Repeats, retries and Alertmanager replicas land here.
   */
  openEpisode(fingerprint: string, decisionId: string, now: Date): Promise<string | undefined>;
  /** The decision of the alert's open episode. */
  episode(fingerprint: string): Promise<string | undefined>;
  closeEpisode(fingerprint: string): Promise<void>;

  createDecision(decision: Decision): Promise<void>;
  /** Writes `next` only if the stored version is `next.version - 1`. */
  updateDecision(next: Decision): Promise<void>;
  getDecision(id: string): Promise<Decision | undefined>;
  listDecisions(pair: string | undefined, limit: number): Promise<Decision[]>;
  /** Decisions still holding, for the poller to look at again. */
  listHolding(): Promise<Decision[]>;
  /** Final decisions whose newest version was not confirmed told (their writer died before announcing it). */
  listUntold(): Promise<Decision[]>;
  /** Records that `version` of the decision was told; a final one then leaves the poller's list. */
  recordTold(decision: Decision): Promise<void>;

  getPairState(pair: string): Promise<PairFailoverState>;
  /** Writes `next` only if the stored version is `next.version - 1` (0: not stored yet). */
  putPairState(next: PairFailoverState): Promise<void>;
  getBrake(): Promise<Brake>;
  putBrake(next: Brake): Promise<void>;
}
