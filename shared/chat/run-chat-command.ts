import type { Scope } from '../config/config-schema.js';
import type { Deps } from '../deps.js';
import { AppError } from '../domain/errors.js';
import { ULID_PATTERN } from '../domain/ids.js';
import type { Operation, OperationKind, Principal, ReplyTo } from '../domain/operation.js';
import { acknowledgePair, setBrake } from '../failover/people-actions.js';
import { joinMrkdwn, type Mrkdwn, mrkdwn } from '../notify/mrkdwn.js';
import { notificationFor } from '../notify/notifier.js';
import {
  linesMessage,
  sectionMessage as message,
  progressLine,
  type SlackMessage,
  slackMessageFor,
} from '../notify/slack-message.js';
import { resolveRequest } from '../operations/request-operation.js';
import { listPairs } from '../views/pair-status.js';
import { type ChatCommand, COMMAND_SCOPES, helpText } from './chat-commands.js';

/** A Slack user as config maps them: who they are and what they may do. */
export interface ChatUser {
  principal: Principal;
  scopes: readonly Scope[];
}

export interface ChatRequest {
  user: ChatUser;
  command: ChatCommand;
  /** The slash command as the user typed it (`/switchyard`), for help and next actions. */
  slashCommand: string;
  replyTo: ReplyTo;
  /** Slack's id for this invocation: the same id is the same request. */
  triggerId: string;
}

const KIND_OF = {
  switchover: 'switchover',
  promote: 'promote-standby',
  upgrade: 'upgrade-minor-version',
} as const;

function oneLine(operation: Operation): Mrkdwn {
  const progress = progressLine(notificationFor(operation).operation);
  return mrkdwn`*${operation.kind}* on *${operation.pair}*: *${operation.state}* · ${progress} · \`${operation.id}\``;
}

function allowed(user: ChatUser, scope: Scope | undefined) {
  return scope === undefined || user.scopes.includes(scope) || user.scopes.includes('admin');
}

/**
 * Runs one chat command within Slack's three seconds: reads and small writes here, operations and
 * decisions through the operation's queue, whose consumer answers in the conversation.
 */
export async function runChatCommand(deps: Deps, request: ChatRequest): Promise<SlackMessage> {
  const { user, command } = request;
  const scope = COMMAND_SCOPES[command.name];
  if (!allowed(user, scope))
    return message(
      mrkdwn`Sorry, ${user.principal.principal}: \`${command.name}\` needs the "${scope ?? ''}" scope, which you don't have. Nothing was done; ask a Switchyard admin if you need it.`,
    );
  try {
    return await run(deps, request);
  } catch (error) {
    // A refusal a person can act on is said politely; anything else is the function's error.
    if (error instanceof AppError && error.expose) return message(mrkdwn`Nothing was done: ${error.message}`);
    throw error;
  }
}

async function run(deps: Deps, { user, command, slashCommand, replyTo, triggerId }: ChatRequest) {
  switch (command.name) {
    case 'help':
      // The help's `<pair>` placeholders are text too: escaped, Slack shows them rather than reading links.
      return message(
        mrkdwn`${command.problem ? mrkdwn`${command.problem}\n\n` : ''}${helpText(slashCommand)}`,
      );

    case 'pairs': {
      const { items, brake } = await listPairs(deps);
      const brakeLine = brake.engaged
        ? mrkdwn`:octagonal_sign: *Brake engaged*${brake.changedBy ? mrkdwn` by ${brake.changedBy}` : ''}: ${brake.reason ?? 'no reason given'}. No pair fails over on its own until \`${slashCommand} brake off\`.`
        : mrkdwn`Brake released: automatic failover is armed where a pair allows it (${String(brake.failoversThisHour.count)} of ${String(brake.failoversThisHour.limit)} this hour).`;
      const lines = items.map((pair) => {
        // What to look at first, as the status page and GET /v1/pairs say it; the cooldown with the command that ends it.
        const facts = [
          pair.atRisk && mrkdwn`:warning: split brain possible: ${pair.atRisk.member} not fenced`,
          pair.health.status !== 'quiet' &&
            pair.health.status !== 'at-risk' &&
            pair.health.status !== 'cooldown' &&
            mrkdwn`*${pair.health.status}*: ${pair.health.reasons[0] ?? ''}`,
          pair.cooldown &&
            mrkdwn`cooldown until ${pair.cooldown.until} (\`${slashCommand} ack ${pair.name}\` ends it)`,
        ].filter((fact): fact is Mrkdwn => Boolean(fact));
        return mrkdwn`*${pair.name}* (${pair.provider}, failover ${pair.failover.mode})${pair.description ? mrkdwn` — ${pair.description}` : ''}${facts.length > 0 ? mrkdwn` · ${joinMrkdwn(facts, ' · ')}` : ''}`;
      });
      return linesMessage(
        [brakeLine, ...(lines.length > 0 ? lines : [mrkdwn`No pairs are configured.`])],
        (n) => mrkdwn`…and ${String(n)} more pairs: the status page or GET /v1/pairs shows them all.`,
      );
    }

    case 'status': {
      const subject = command.subject;
      if (subject && ULID_PATTERN.test(subject.toUpperCase())) {
        const operation = await deps.store.get(subject.toUpperCase());
        return operation
          ? slackMessageFor(notificationFor(operation))
          : message(mrkdwn`No operation ${subject}.`);
      }
      if (subject) {
        if (!deps.config.pairs.some((p) => p.name === subject))
          return message(mrkdwn`No pair named "${subject}". \`${slashCommand} pairs\` lists them.`);
        const { items } = await deps.store.list({ pair: subject, limit: 3 });
        return message(
          items.length > 0
            ? mrkdwn`Latest on *${subject}*:\n${joinMrkdwn(items.map(oneLine), '\n')}`
            : mrkdwn`Nothing has run on *${subject}* yet.`,
        );
      }
      const active = await deps.store.listActive();
      return message(
        active.length > 0
          ? mrkdwn`Running now:\n${joinMrkdwn(active.map(oneLine), '\n')}`
          : mrkdwn`Nothing is running.`,
      );
    }

    case 'switchover':
    case 'promote':
    case 'upgrade': {
      const kind: OperationKind = KIND_OF[command.name];
      // Unknown pairs and operations the pair's provider lacks are refused here, before anything is queued.
      resolveRequest(deps, kind, command.pair);
      const params =
        command.name === 'switchover'
          ? { dryRun: command.dryRun }
          : command.name === 'promote'
            ? { allowDataLoss: command.allowDataLoss }
            : command.version
              ? { targetMinorVersion: command.version }
              : {};
      await deps.queue.enqueue(kind, {
        pair: command.pair,
        ...params,
        reason: `asked in Slack by ${user.principal.principal}`,
        requestedBy: user.principal.principal,
        ...(user.principal.person ? { requestedByPerson: user.principal.person } : {}),
        source: 'chat',
        replyTo,
        idempotencyKey: `slack:${triggerId}`,
      });
      const dryRun = command.name === 'switchover' && command.dryRun;
      return message(
        mrkdwn`${dryRun ? 'Checking' : 'On it'}: ${kind}${dryRun ? ' (dry run)' : ''} on *${command.pair}* is queued. ${dryRun ? 'The findings' : 'Each state change'} will be posted here.`,
      );
    }

    case 'approve':
    case 'reject': {
      const operation = await deps.store.get(command.operationId);
      if (!operation) return message(mrkdwn`No operation ${command.operationId}.`);
      // A drill, or an operation long past its approval, has nothing to decide: said here rather than queued.
      if (operation.state !== 'PENDING_APPROVAL')
        return message(
          mrkdwn`${operation.kind} \`${operation.id}\` on *${operation.pair}* is ${operation.state}: nothing waits for a decision.`,
        );
      await deps.queue.enqueue(operation.kind, {
        decide: command.name,
        operationId: operation.id,
        by: user.principal.principal,
        ...(user.principal.person ? { person: user.principal.person } : {}),
        ...(command.comment ? { comment: command.comment } : {}),
        replyTo,
      });
      return message(
        mrkdwn`Your ${command.name === 'approve' ? 'approval' : 'rejection'} of ${operation.kind} on *${operation.pair}* (\`${operation.id}\`) is on its way; the outcome will be posted here.`,
      );
    }

    case 'ack': {
      const ack = await acknowledgePair(deps, command.pair, user.principal, {
        oldPrimaryRetired: command.oldPrimaryRetired,
      });
      return message(
        mrkdwn`Acknowledged *${ack.pair}*${ack.lastAutomaticFailoverAt ? mrkdwn` (automatic failover at ${ack.lastAutomaticFailoverAt})` : ''}: automatic failover is allowed there again.${ack.atRisk ? mrkdwn` It is still at risk of split brain: ${ack.atRisk.member} is not fenced; once it is out of service, \`/switchyard ack ${ack.pair} --retired\`.` : ''}`,
      );
    }

    case 'brake': {
      const brake = await setBrake(deps, command.engaged, command.reason, user.principal);
      return message(
        brake.engaged
          ? mrkdwn`:octagonal_sign: Brake engaged: no automatic failover anywhere until \`${slashCommand} brake off\`. (${brake.reason ?? ''})`
          : mrkdwn`:white_check_mark: Brake released and re-armed: automatic failover follows each pair's policy again.`,
      );
    }
  }
}
