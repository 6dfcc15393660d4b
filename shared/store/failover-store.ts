import type { NormalizedAlert } from '../domain/alert.js';
import type { Brake, Decision, PairFailoverState } from '../domain/decision.js';

/** The unrouted alerts one source sent in one window of time, and whether the window's summary was told. */
export interface UnroutedWindow {
  source: NormalizedAlert['source'];
  /** When the window starts (ISO 8601). */
  start: string;
  /** Unrouted alerts counted in it, announced or not. */
  count: number;
  summaryTold: boolean;
}

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

  /**
   * Counts one unrouted alert from `source` in the window starting at `start`, atomically whichever container
   * counts: the count so far, this one included. The window is forgotten after `expiresAt`.
   */
  countUnrouted(source: UnroutedWindow['source'], start: string, expiresAt: Date): Promise<number>;
  /** The source's windows that started at or after `from` and before `before`, oldest first. */
  listUnroutedWindows(
    source: UnroutedWindow['source'],
    from: string,
    before: string,
  ): Promise<UnroutedWindow[]>;
  /** Records that the window's summary was told, so no later tick tells it again. */
  recordSummaryTold(source: UnroutedWindow['source'], start: string): Promise<void>;
}
