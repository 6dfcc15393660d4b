import type { Finding } from '../domain/operation.js';
import { joinMrkdwn, type Mrkdwn, mrkdwn } from './mrkdwn.js';
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
    ...(op.outcome && ['FAILED', 'TIMED_OUT', 'REJECTED', 'CANCELLED'].includes(op.state)
      ? [section(mrkdwn`*Why:* ${op.outcome}`)]
      : []),
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
