import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../shared/telemetry/logger.js';

// npm start's readable lines: the format and level are read when the logger is made.
vi.hoisted(() => {
  process.env.SWITCHYARD_LOG_FORMAT = 'text';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

function printed(write: () => void): string[] {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  vi.spyOn(console, 'log').mockImplementation(keep);
  vi.spyOn(console, 'error').mockImplementation(keep);
  write();
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the readable lines npm start prints', () => {
  it('prints one line an entry: its scope, its message and its keys', () => {
    const lines = printed(() =>
      logger.info('switchover on orders-ob: RUNNING', {
        scope: 'notify',
        operationId: '01M8',
        pair: 'orders-ob',
      }),
    );
    expect(lines).toEqual(['[notify] switchover on orders-ob: RUNNING  operationId=01M8 pair=orders-ob']);
  });

  it('says what an error was, and where, rather than {}', () => {
    const error = new TypeError('Cannot read properties of undefined');
    const [line, stack] = printed(() =>
      logger.error('a request failed', { scope: 'http', method: 'POST', path: '/v1/x', error }),
    );
    expect(line).toBe(
      '[http] a request failed  method=POST path=/v1/x error="TypeError: Cannot read properties of undefined"',
    );
    expect(stack).toContain('readable-logger.test.ts');
  });

  it('keeps a message with line breaks, and a big number, on one line without throwing', () => {
    const lines = printed(() =>
      logger.warn('first\nsecond', { scope: 'config', big: 12345678901234567890n }),
    );
    expect(lines).toEqual(['[config] first | second  big=12345678901234567890']);
  });
});
