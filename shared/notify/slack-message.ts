import type { Finding } from '../domain/operation.js';
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

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

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
      ? `alert "${op.trigger.name}" (${op.trigger.source})`
      : `${op.requestedBy.principal} via ${op.source}`;
  const blocks = [
    section(`${STATE_EMOJI[op.state]} *${op.kind}* on *${op.pair}* is *${op.state}*\n${n.event.message}`),
    section(`*Progress:* ${progressLine(op)}`),
    ...(op.outcome && ['FAILED', 'TIMED_OUT', 'REJECTED', 'CANCELLED'].includes(op.state)
      ? [section(`*Why:* ${op.outcome}`)]
      : []),
    section(`*Next:* ${n.nextAction}`),
    context(`\`${op.id}\` · asked by ${asked}${op.reason ? ` · "${op.reason}"` : ''}`),
  ];
  return { text: n.text, blocks };
}

/** The Slack rendering of any notification: incoming webhooks and slash-command replies share it. */
export function slackMessageFor(n: Notification): SlackMessage {
  if (n.type === 'pair.risk')
    return {
      text: n.text,
      blocks: [
        section(
          `${n.pair.risk === 'split-brain' ? ':warning: *split brain risk*' : ':white_check_mark: *risk over*'} on *${n.pair.name}*: ${n.pair.detail}`,
        ),
        section(`*Next:* ${n.nextAction}`),
        context(`pair \`${n.pair.name}\` · operation \`${n.pair.operationId}\``),
      ],
    };
  if (n.type !== 'decision') return operationMessage(n);
  return {
    text: n.text,
    blocks: [
      section(
        `:rotating_light: alert *${n.decision.alert.name}*${n.decision.pair ? ` on *${n.decision.pair}*` : ''}: *${n.decision.outcome}*\n${n.decision.reason}`,
      ),
      section(`*Next:* ${n.nextAction}`),
      context(`decision \`${n.decision.id}\` · ${n.decision.alert.source} · ${n.decision.alert.status}`),
    ],
  };
}

/** A plain answer in a chat conversation: one line, as text and as a block. */
export function chatLine(text: string, emoji?: string): SlackMessage {
  return { text, blocks: [section(emoji ? `${emoji} ${text}` : text)] };
}

/** A dry run's findings, as the chat conversation that asked for it sees them. */
export function dryRunMessage(what: string, result: { valid: boolean; findings: Finding[] }): SlackMessage {
  const lines = result.findings.map(
    (f) => `${f.passed ? (f.warning ? ':warning:' : ':white_check_mark:') : ':x:'} ${f.message}`,
  );
  const text = `Dry run of ${what}: ${result.valid ? 'it would proceed' : 'it would be refused'}.`;
  return { text, blocks: [section(`*${text}*`), ...(lines.length > 0 ? [section(lines.join('\n'))] : [])] };
}
