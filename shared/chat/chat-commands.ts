import type { Scope } from '../config/config-schema.js';
import { ULID_PATTERN } from '../domain/ids.js';

/** One slash command, parsed from its text. */
export type ChatCommand =
  | { name: 'help'; problem?: string }
  | { name: 'pairs' }
  | { name: 'status'; subject?: string }
  | { name: 'switchover'; pair: string; dryRun: boolean }
  | { name: 'promote'; pair: string; allowDataLoss: boolean }
  | { name: 'upgrade'; pair: string; version?: string }
  | { name: 'approve' | 'reject'; operationId: string; comment?: string }
  | { name: 'ack'; pair: string; oldPrimaryRetired: boolean }
  | { name: 'brake'; engaged: boolean; reason?: string };

/** The scope each command needs, as the HTTP routes do; help needs none. */
export const COMMAND_SCOPES: Record<ChatCommand['name'], Scope | undefined> = {
  help: undefined,
  pairs: 'read',
  status: 'read',
  switchover: 'operate',
  promote: 'operate',
  upgrade: 'operate',
  approve: 'approve',
  reject: 'approve',
  ack: 'approve',
  brake: 'admin',
};

export function helpText(command: string): string {
  return [
    `*Switchyard* — \`${command} <command>\``,
    '`help` — this text',
    '`pairs` — the pairs, their failover mode and what runs on them',
    "`status [operation-id|pair]` — one operation, a pair's latest, or everything running",
    '`switchover <pair> [--dry-run]` — swap the primary and standby roles',
    '`promote <pair> [--allow-data-loss]` — make the standby the primary (data loss needs two approvers)',
    "`upgrade <pair> [--version X]` — upgrade the primary's minor version",
    '`approve <operation-id> [comment]` / `reject <operation-id> [comment]` — decide on a waiting operation',
    '`ack <pair> [--retired]` — acknowledge an automatic failover, ending its cooldown; `--retired`: you have taken the old primary out of service, ending its split-brain risk',
    '`brake on [reason]` / `brake off` — stop automatic failover everywhere, or re-arm it',
  ].join('\n');
}

const PAIR = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Reads the command text; anything it cannot read becomes help with the reason. */
export function parseChatCommand(text: string): ChatCommand {
  // Phones and macOS turn a typed "--" into a dash: read those as the option they were meant to be.
  const normalized = text.replace(/(^|\s)[\u2013\u2014]-?/g, '$1--');
  const [word = 'help', ...args] = normalized.trim().split(/\s+/).filter(Boolean);
  const flags = new Set(args.filter((a) => a.startsWith('--')));
  const words = args.filter((a) => !a.startsWith('--'));
  const pairArgument = () => (words[0] && PAIR.test(words[0]) ? words[0] : undefined);
  const unknownFlags = (allowed: string[]) =>
    [...flags].filter((f) => !allowed.includes(f.split('=')[0] ?? f));
  const refuse = (problem: string): ChatCommand => ({ name: 'help', problem });

  switch (word.toLowerCase()) {
    case 'help':
      return { name: 'help' };
    case 'pairs':
      return { name: 'pairs' };
    case 'status':
      return { name: 'status', subject: words[0] };
    case 'switchover': {
      const pair = pairArgument();
      if (!pair) return refuse('`switchover` needs a pair name.');
      const bad = unknownFlags(['--dry-run']);
      if (bad.length > 0) return refuse(`Unknown option ${bad[0]}.`);
      return { name: 'switchover', pair, dryRun: flags.has('--dry-run') };
    }
    case 'promote': {
      const pair = pairArgument();
      if (!pair) return refuse('`promote` needs a pair name.');
      const bad = unknownFlags(['--allow-data-loss']);
      if (bad.length > 0) return refuse(`Unknown option ${bad[0]}.`);
      return { name: 'promote', pair, allowDataLoss: flags.has('--allow-data-loss') };
    }
    case 'upgrade': {
      const pair = pairArgument();
      if (!pair) return refuse('`upgrade` needs a pair name.');
      const bad = unknownFlags(['--version']);
      if (bad.length > 0) return refuse(`Unknown option ${bad[0]}.`);
      // `--version X` or `--version=X`.
      const inline = [...flags].find((f) => f.startsWith('--version='))?.slice('--version='.length);
      const version = inline ?? (flags.has('--version') ? words[1] : undefined);
      if (flags.size > 0 && !version) return refuse('`--version` needs a version.');
      if (version !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(version))
        return refuse(`"${version}" is not a minor version name.`);
      return { name: 'upgrade', pair, ...(version ? { version } : {}) };
    }
    case 'approve':
    case 'reject': {
      const operationId = words[0]?.toUpperCase();
      if (!operationId || !ULID_PATTERN.test(operationId))
        return refuse(
          `\`${word.toLowerCase()}\` needs an operation id (26 characters, as \`status\` shows).`,
        );
      const comment = words.slice(1).join(' ').slice(0, 500);
      return {
        name: word.toLowerCase() as 'approve' | 'reject',
        operationId,
        ...(comment ? { comment } : {}),
      };
    }
    case 'ack': {
      const pair = pairArgument();
      if (!pair) return refuse('`ack` needs a pair name.');
      const bad = unknownFlags(['--retired']);
      if (bad.length > 0) return refuse(`\`ack\` does not take ${bad.join(', ')}.`);
      return { name: 'ack', pair, oldPrimaryRetired: flags.has('--retired') };
    }
    case 'brake': {
      const setting = words[0]?.toLowerCase();
      if (setting !== 'on' && setting !== 'off') return refuse('`brake` takes `on` or `off`.');
      const reason = words.slice(1).join(' ').slice(0, 500);
      return { name: 'brake', engaged: setting === 'on', ...(reason ? { reason } : {}) };
    }
    default:
      return refuse(`I don't know the command "${word.slice(0, 40)}".`);
  }
}
