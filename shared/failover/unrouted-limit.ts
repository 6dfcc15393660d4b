import type { Deps } from '../deps.js';
import type { NormalizedAlert } from '../domain/alert.js';
import { NormalizedAlertSchema } from '../domain/alert.js';
import { describeError } from '../domain/errors.js';
import { OUTLIVES_ANY_FUNCTION_MS } from '../operations/pipeline.js';
import { logger } from '../telemetry/logger.js';
import { suppressedAlertsNotification } from './failover-notifications.js';

/**
 * Unrouted alerts announced per source and window. An unrouted alert is recorded and ignored: a few tell people a
 * route may be missing, hundreds only bury the page. Past the limit they are still recorded, and one summary per
 * window says how many more there were.
 */
export const UNROUTED_ANNOUNCEMENTS_PER_WINDOW = 10;
export const UNROUTED_WINDOW_MS = 10 * 60_000;
/** A window is kept long enough for its summary, then left to the table's TTL. */
const WINDOW_KEPT_MS = 24 * 3_600_000;
/** How far back the poller looks for a summary still owed: a poller stopped for longer loses it (not the alerts). */
const SUMMARY_LOOKBACK_MS = 3_600_000;

type AlertSource = NormalizedAlert['source'];

const windowStart = (at: number) => at - (at % UNROUTED_WINDOW_MS);

/**
 * Whether one more unrouted alert from `source` may be announced now: the store counts them per window, so the limit
 * holds across Lambda containers. A count that cannot be read or written is no reason for silence (unknown is not
 * "over the limit"): the alert is announced, a person hears it, and the error is logged.
 */
export async function mayAnnounceUnrouted(deps: Deps, source: AlertSource): Promise<boolean> {
  const start = windowStart(deps.now().getTime());
  try {
    const count = await deps.failover.countUnrouted(
      source,
      new Date(start).toISOString(),
      new Date(start + WINDOW_KEPT_MS),
    );
    return !(count > UNROUTED_ANNOUNCEMENTS_PER_WINDOW);
  } catch (error) {
    logger.error('unrouted alerts could not be counted, so this one is announced', {
      scope: 'alerts',
      source,
      error: describeError(error),
    });
    return true;
  }
}

/** One source's summaries owed: windows over the limit, ended long enough ago that no receiver still counts in them. */
async function summarizeSource(deps: Deps, source: AlertSource) {
  const now = deps.now();
  const before = windowStart(now.getTime() - OUTLIVES_ANY_FUNCTION_MS);
  const windows = await deps.failover.listUnroutedWindows(
    source,
    new Date(before - SUMMARY_LOOKBACK_MS).toISOString(),
    new Date(before).toISOString(),
  );
  for (const window of windows.filter((w) => w.count > UNROUTED_ANNOUNCEMENTS_PER_WINDOW && !w.summaryTold)) {
    await deps.notifier.notify(
      suppressedAlertsNotification(window, UNROUTED_ANNOUNCEMENTS_PER_WINDOW, UNROUTED_WINDOW_MS, now),
    );
    // Recorded after it is told: a function that dies in between tells it again, under the same id.
    await deps.failover.recordSummaryTold(source, window.start);
  }
}

/** The poller's part: the summary of each window whose unrouted alerts went past the limit. One source failing does not stop the rest. */
export async function summarizeSuppressedUnrouted(deps: Deps): Promise<string[]> {
  const errors: string[] = [];
  for (const source of NormalizedAlertSchema.shape.source.options)
    await summarizeSource(deps, source).catch((error: unknown) =>
      errors.push(`unrouted alerts from ${source}: ${describeError(error)}`),
    );
  return errors;
}
