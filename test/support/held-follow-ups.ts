import type { Deps } from '../../shared/deps.js';
import { evaluateDecision } from '../../shared/failover/decide-alert.js';
import { advanceDrill } from '../../shared/failover/drill.js';
import { type FollowUp, FollowUpSchema } from '../../shared/operations/follow-up.js';
import { handleFollowUp } from '../../shared/operations/handle-follow-up.js';

/**
 * What SQS may do with Switchyard's follow-ups: deliver them, lose them (never delivered: the sweep must take the
 * operation or the decision up), deliver each twice at once, or deliver each once at once, before it is due, then
 * when due.
 */
export type FollowUpDelivery = 'delivered' | 'lost' | 'duplicated' | 'early';
export const FOLLOW_UP_DELIVERIES: readonly FollowUpDelivery[] = ['delivered', 'lost', 'duplicated', 'early'];

/** The follow-ups an operation or a held decision sent itself, held back to be delivered as a cell says. */
export interface HeldFollowUps {
  deps: Deps;
  pending: FollowUp[];
  /** Those already delivered early: SQS delivers a message early at most once, then waits it out again. */
  early: Set<string>;
  /** How many were sent, what handling them came to, and the most chains seen at once. */
  sent: number;
  outcomes: Set<string>;
  chains: number;
}

/**
 * Deps whose follow-up queue is held here rather than sent: the cell delivers what is due through the follow-up
 * function's own handling, as SQS might. Everything else goes as it would.
 */
export function holdingFollowUps(deps: Deps): HeldFollowUps {
  const pending: FollowUp[] = [];
  const queue: Deps['queue'] = {
    enqueue: async (name, message, options) => {
      if (name === 'follow-up') {
        held.sent++;
        pending.push(FollowUpSchema.parse(message));
      } else await deps.queue.enqueue(name, message, options);
    },
  };
  const held: HeldFollowUps = {
    deps: { ...deps, queue, config: { ...deps.config, poller: { ...deps.config.poller, followUps: true } } },
    pending,
    early: new Set(),
    sent: 0,
    outcomes: new Set(),
    chains: 0,
  };
  return held;
}

/**
 * Delivers the held follow-ups due by `now` (and, early, all of them once before), as `delivery` says, handled with
 * `deps` (the held deps unless given: another clock, say).
 */
export async function deliverFollowUps(
  held: HeldFollowUps,
  delivery: FollowUpDelivery,
  now: number,
  deps: Deps = held.deps,
) {
  // One chain per operation: whatever SQS delivers twice or early, what waits carries one follow-up number.
  const tokens = new Set(held.pending.map((f) => ('token' in f ? `${f.id}:${f.token}` : f.id)));
  held.chains = Math.max(held.chains, tokens.size);
  if (delivery === 'lost') {
    held.pending.splice(0, held.pending.length, ...held.pending.filter((f) => Date.parse(f.dueAt) > now));
    return;
  }
  const handle = (f: FollowUp, by: Deps = deps) =>
    handleFollowUp(by, f, { decide: evaluateDecision, advancers: { drill: advanceDrill } }).then(
      (outcome) => held.outcomes.add(outcome),
      // A delivery that fails is retried by SQS, then dead-lettered: the sweep takes the operation up either way.
      () => held.outcomes.add('failed'),
    );
  if (delivery === 'early') {
    // Each follow-up is delivered once two seconds before it is due (by the clock of that moment, however late the
    // cell's clock runs), then again when due: what an early delivery does cannot depend on the cell's pace.
    const key = (f: FollowUp) => `${f.id}:${'token' in f ? f.token : ''}:${f.dueAt}`;
    const first = held.pending.filter((f) => !held.early.has(key(f)));
    for (const f of first) held.early.add(key(f));
    for (const f of first) await handle(f, { ...deps, now: () => new Date(Date.parse(f.dueAt) - 2_000) });
  }
  const all = held.pending.splice(0);
  // An early delivery's wait sends its follow-up again: the two are one message delivered twice, not a duplicate.
  const seen = new Set<string>();
  const due = all.filter((f) => {
    const key = `${f.id}:${'token' in f ? f.token : ''}:${f.dueAt}`;
    if (Date.parse(f.dueAt) > now || (delivery === 'early' && seen.has(key))) return false;
    seen.add(key);
    return true;
  });
  held.pending.push(...all.filter((f) => !due.includes(f)));
  const copies = delivery === 'duplicated' ? 2 : 1;
  await Promise.all(due.flatMap((f) => Array.from({ length: copies }, () => handle(f))));
}
