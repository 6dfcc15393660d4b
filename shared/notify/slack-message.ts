import type { Finding } from '../domain/operation.js';
import { describeRecovery } from '../domain/recovery.js';
import { clipMrkdwn, joinMrkdwn, type Mrkdwn, mrkdwn } from './mrkdwn.js';
import type { Notification, OperationNotification } from './notifier.js';

/** A Slack message: `text` is the fallback for notifications and screen readers, `blocks` what people see. */
export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const STATE_EMOJI: Record<OperationNotification['operation']['state'], string> = {
  PENDING_APPROVAL: ':raised_hand:',
  SUBMITTING: ':arrow_forward:',
  RUNNING: ':arrows_counterclockwise:',
  SUCCEEDED: ':white_check_mark:',
  UNVERIFIED: ':warning:',
  FAILED: ':x:',
  TIMED_OUT: ':hourglass:',
  CANCELLED: ':no_entry_sign:',
  REJECTED: ':no_entry:',
};

// Blocks take mrkdwn built by `mrkdwn`, never a bare string: what a value says cannot become Slack syntax.
const section = (text: Mrkdwn) => ({ type: 'section', text: { type: 'mrkdwn', text: text.text } });
const context = (text: Mrkdwn) => ({ type: 'context', elements: [{ type: 'mrkdwn', text: text.text }] });

/** A message whose fallback is a plain line (Slack reads it as mrkdwn too, so it is escaped as well). */
const withFallback = (fallback: string, blocks: Record<string, unknown>[]): SlackMessage => ({
  text: mrkdwn`${fallback}`.text,
  blocks,
});

/** A message of one section, which is also its fallback. */
export function sectionMessage(text: Mrkdwn): SlackMessage {
  return { text: text.text, blocks: [section(text)] };
}

/** Slack refuses a section's text over 3,000 characters, and a message of more than 50 blocks. */
const SECTION_TEXT_LIMIT = 3000;
const BLOCK_LIMIT = 50;
const FALLBACK_TEXT_LIMIT = 40_000;

/**
 * Lines, one after another, in as few sections as Slack allows: each section under its limit, a line longer than
 * that clipped, and past the block limit a last line saying how many were left out and where to see them all.
 */
export function linesMessage(lines: readonly Mrkdwn[], overflow: (leftOut: number) => Mrkdwn): SlackMessage {
  const sections: Mrkdwn[][] = [];
  let current: Mrkdwn[] = [];
  let length = 0;
  for (const line of lines.map((l) => clipMrkdwn(l, SECTION_TEXT_LIMIT))) {
    if (current.length > 0 && length + 1 + line.text.length > SECTION_TEXT_LIMIT) {
      sections.push(current);
      current = [];
      length = 0;
    }
    current.push(line);
    length += (current.length > 1 ? 1 : 0) + line.text.length;
  }
  if (current.length > 0) sections.push(current);
  const kept = sections.length > BLOCK_LIMIT ? sections.slice(0, BLOCK_LIMIT - 1) : sections;
  const leftOut = sections.slice(kept.length).reduce((n, s) => n + s.length, 0);
  const blocks = kept.map((s) => section(joinMrkdwn(s, '\n')));
  if (leftOut > 0) blocks.push(section(overflow(leftOut)));
  // The fallback (notifications, screen readers) is every line, within Slack's 40,000 characters.
  return { text: clipMrkdwn(joinMrkdwn(lines, '\n'), FALLBACK_TEXT_LIMIT).text, blocks };
}

/** "3 done / 1 running: Switch primary tenant / 6 waiting / 0 failed": the steps on one line. */
export function progressLine(operation: OperationNotification['operation']): string {
  const { done, running, waiting, failed } = operation.stepCounts;
  if (operation.steps.length === 0) return 'no steps reported yet';
  const runningNames = operation.steps.filter((s) => s.status === 'running').map((s) => s.name);
  return [
    `${done} done`,
    `${running} running${runningNames.length > 0 ? `: ${runningNames.join(', ')}` : ''}`,
    `${waiting} waiting`,
    `${failed} failed`,
  ].join(' / ');
}

function operationMessage(n: OperationNotification): SlackMessage {
  const op = n.operation;
  const asked =
    op.source === 'alert' && op.trigger
      ? mrkdwn`alert "${op.trigger.name}" (${op.trigger.source})`
      : mrkdwn`${op.requestedBy.principal} via ${op.source}`;
  const blocks = [
    section(
      mrkdwn`${STATE_EMOJI[op.state]} *${op.kind}* on *${op.pair}* is *${op.state}*\n${n.event.message}`,
    ),
    section(mrkdwn`*Progress:* ${progressLine(op)}`),
    ...(op.outcome && ['UNVERIFIED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'CANCELLED'].includes(op.state)
      ? [section(mrkdwn`*Why:* ${op.outcome}`)]
      : []),
    ...(op.recovery ? [section(mrkdwn`*Recovery:* ${describeRecovery(op.recovery)}`)] : []),
    section(mrkdwn`*Next:* ${n.nextAction}`),
    context(mrkdwn`\`${op.id}\` · asked by ${asked}${op.reason ? mrkdwn` · "${op.reason}"` : ''}`),
  ];
  return withFallback(n.text, blocks);
}

/** The Slack rendering of any notification: incoming webhooks and slash-command replies share it. */
export function slackMessageFor(n: Notification): SlackMessage {
  if (n.type === 'operation.state' || n.type === 'operation.progress') return operationMessage(n);
  if (n.type === 'pair.risk')
    return withFallback(n.text, [
      section(
        mrkdwn`${n.pair.risk === 'split-brain' ? mrkdwn`:warning: *split brain risk*` : mrkdwn`:white_check_mark: *risk over*`} on *${n.pair.name}*: ${n.pair.detail}`,
      ),
      section(mrkdwn`*Next:* ${n.nextAction}`),
      context(mrkdwn`pair \`${n.pair.name}\` · operation \`${n.pair.operationId}\``),
    ]);
  if (n.type === 'decision')
    return withFallback(n.text, [
      section(
        mrkdwn`:rotating_light: alert *${n.decision.alert.name}*${n.decision.pair ? mrkdwn` on *${n.decision.pair}*` : ''}: *${n.decision.outcome}*\n${n.decision.reason}`,
      ),
      section(mrkdwn`*Next:* ${n.nextAction}`),
      context(
        mrkdwn`decision \`${n.decision.id}\` · ${n.decision.alert.source} · ${n.decision.alert.status}`,
      ),
    ]);
  // A kind without a layout of its own: its line and its next action, escaped like any other.
  return withFallback(n.text, [section(mrkdwn`${n.text}`), section(mrkdwn`*Next:* ${n.nextAction}`)]);
}

/** A plain answer in a chat conversation: one line shown as written (escaped), as text and as a block. */
export function chatLine(text: string, emoji?: string): SlackMessage {
  return withFallback(text, [section(emoji ? mrkdwn`${emoji} ${text}` : mrkdwn`${text}`)]);
}

/** A dry run's findings, as the chat conversation that asked for it sees them. */
export function dryRunMessage(what: string, result: { valid: boolean; findings: Finding[] }): SlackMessage {
  const lines = result.findings.map(
    (f) => mrkdwn`${f.passed ? (f.warning ? ':warning:' : ':white_check_mark:') : ':x:'} ${f.message}`,
  );
  const text = `Dry run of ${what}: ${result.valid ? 'it would proceed' : 'it would be refused'}.`;
  return withFallback(text, [
    section(mrkdwn`*${text}*`),
    ...(lines.length > 0 ? [section(joinMrkdwn(lines, '\n'))] : []),
  ]);
}
