import { describe, expect, it } from 'vitest';
import { parseChatCommand } from '../../../shared/chat/chat-commands.js';

describe('reading a slash command', () => {
  it('reads each command with its options', () => {
    expect(parseChatCommand('')).toEqual({ name: 'help' });
    expect(parseChatCommand('switchover orders-ob --dry-run')).toEqual({
      name: 'switchover',
      pair: 'orders-ob',
      dryRun: true,
    });
    expect(parseChatCommand('  promote   ledger-pg  --allow-data-loss ')).toEqual({
      name: 'promote',
      pair: 'ledger-pg',
      allowDataLoss: true,
    });
    expect(parseChatCommand('upgrade billing-rds --version rds_postgres_1400_20250430')).toEqual({
      name: 'upgrade',
      pair: 'billing-rds',
      version: 'rds_postgres_1400_20250430',
    });
    expect(parseChatCommand('upgrade billing-rds --version=8.0.28')).toMatchObject({ version: '8.0.28' });
    expect(parseChatCommand('approve 01jd0000000000000000000000 lag checked')).toEqual({
      name: 'approve',
      operationId: '01JD0000000000000000000000',
      comment: 'lag checked',
    });
    expect(parseChatCommand('brake on db maintenance')).toEqual({
      name: 'brake',
      engaged: true,
      reason: 'db maintenance',
    });
    expect(parseChatCommand('status')).toEqual({ name: 'status', subject: undefined });
  });

  it('reads a dash that a phone made of "--" as the option', () => {
    expect(parseChatCommand('promote ledger-pg \u2014allow-data-loss')).toMatchObject({
      allowDataLoss: true,
    });
    expect(parseChatCommand('switchover orders-ob \u2013-dry-run')).toMatchObject({ dryRun: true });
  });

  it('turns what it cannot read into help with the reason', () => {
    expect(parseChatCommand('failover orders-ob')).toEqual({
      name: 'help',
      problem: 'I don\'t know the command "failover".',
    });
    expect(parseChatCommand('promote')).toMatchObject({ problem: '`promote` needs a pair name.' });
    expect(parseChatCommand('promote ledger-pg --force')).toMatchObject({
      problem: 'Unknown option --force.',
    });
    expect(parseChatCommand('approve 42')).toMatchObject({ name: 'help' });
    expect(parseChatCommand('brake maybe')).toMatchObject({ problem: '`brake` takes `on` or `off`.' });
    expect(parseChatCommand('upgrade billing-rds --version')).toMatchObject({
      problem: '`--version` needs a version.',
    });
  });
});
