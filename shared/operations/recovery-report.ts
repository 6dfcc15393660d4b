import type { Decision } from '../domain/decision.js';
import type { Operation } from '../domain/operation.js';
import { type Recovery, type Rpo, rtoOf, type Timeline } from '../domain/recovery.js';

/** Huawei's lag figures are in MB; taken as 2^20 bytes, which its page does not say. */
const BYTES_PER_MB = 1024 * 1024;

/** How far before its receipt an alert's own start is believed. */
const DETECTION_SKEW_MS = 5 * 60_000;

/** The promotion's own phase (the fence, when it runs as a phase, is the other). */
function promotionPhase(operation: Operation): number {
  return operation.fencing?.phase === 0 ? 1 : 0;
}

/** When each moment happened, from the operation and, for an alert's promotion, its decision. */
export function timelineOf(operation: Operation, decision: Decision | undefined): Timeline {
  const timeline: Timeline = {};
  if (decision) {
    const received = decision.receivedAt ?? decision.createdAt;
    // The sender's start is its claim: taken within five minutes before Switchyard received it (a clock's skew, as
    // the hold-off takes it), never after; an alert that says it started days ago does not stretch the RTO.
    const claimed = Date.parse(decision.alert.startsAt);
    const receivedMs = Date.parse(received);
    timeline.detected = new Date(
      Number.isFinite(claimed)
        ? Math.min(receivedMs, Math.max(claimed, receivedMs - DETECTION_SKEW_MS))
        : receivedMs,
    ).toISOString();
    timeline.received = received;
    // The decision is written once its promotion is on the queue, so its record can postdate the request it made:
    // it was decided no later than that.
    timeline.decided =
      Date.parse(decision.updatedAt) <= Date.parse(operation.createdAt)
        ? decision.updatedAt
        : operation.createdAt;
  }
  timeline.requested = operation.createdAt;
  const approved = operation.approval?.approvals.at(-1)?.at;
  if (approved) timeline.approved = approved;
  if (operation.fencing?.state === 'fenced' && operation.fencing.at) timeline.fenced = operation.fencing.at;
  const phase = promotionPhase(operation);
  const promotion = [...operation.jobs, ...(operation.job ? [operation.job] : [])].find(
    (j) => j.phase === phase,
  );
  if (promotion) timeline.submitted = promotion.submittedAt;
  if (operation.providerDoneAt) timeline.providerDone = operation.providerDoneAt;
  if (operation.verification?.state === 'verified' && operation.verification.finishedAt)
    timeline.verified = operation.verification.finishedAt;
  if (operation.toldAt) timeline.told = operation.toldAt;
  return timeline;
}

/** RPO: the lag the operation read just before it was sent. */
export function rpoOf(operation: Operation): Rpo {
  if (operation.kind === 'switchover')
    return {
      state: 'none',
      seconds: 0,
      // ApsaraDB for OceanBase's standby overview: a switchover is the lossless role change (RPO 0); OCP's own
      // pages do not say it.
      asRead: 'a switchover changes roles only once the standby has all the primary wrote (RPO 0)',
    };
  const observation = operation.observation;
  const lag = observation?.lag;
  if (!observation || (lag?.seconds === undefined && lag?.mb === undefined))
    return {
      state: 'unknown',
      asRead: observation?.lagDetail ?? 'no lag was read before the promotion',
      ...(observation?.at ? { readAt: observation.at } : {}),
    };
  return {
    state: 'known',
    ...(lag?.seconds !== undefined ? { seconds: lag.seconds } : {}),
    ...(lag?.mb !== undefined ? { bytes: Math.round(lag.mb * BYTES_PER_MB) } : {}),
    asRead: observation.lagDetail,
    ...(observation.at ? { readAt: observation.at } : {}),
  };
}

export function recoveryOf(operation: Operation, decision: Decision | undefined): Recovery {
  const timeline = timelineOf(operation, decision);
  return { timeline, rto: rtoOf(timeline), rpo: rpoOf(operation) };
}
