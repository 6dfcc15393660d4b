import { describe, expect, it } from 'vitest';
import { type Mrkdwn, mrkdwn } from '../../../shared/notify/mrkdwn.js';
import { linesMessage } from '../../../shared/notify/slack-message.js';

const overflow = (n: number) => mrkdwn`…and ${String(n)} more`;
const sectionTexts = (message: ReturnType<typeof linesMessage>) =>
  message.blocks.map((block) => (block as { text: { text: string } }).text.text);

describe('a message of many lines, as Slack takes it', () => {
  it('keeps every section under 3,000 characters, in order, with nothing lost', () => {
    const lines = Array.from({ length: 36 }, (_, i) => mrkdwn`*pair-${String(i)}* ${'x'.repeat(100)}`);
    const texts = sectionTexts(linesMessage(lines, overflow));
    expect(texts.length).toBeGreaterThan(1);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(3000);
    expect(texts.join('\n')).toBe(lines.map((l) => l.text).join('\n'));
  });

  it('clips one line too long for a section without cutting an entity in two', () => {
    const long = mrkdwn`${`${'y'.repeat(2997)}<b>`}`;
    const [text] = sectionTexts(linesMessage([long], overflow)) as [string];
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text.endsWith('…')).toBe(true);
    expect(text).not.toMatch(/&[a-z]*…$/);
  });

  it('stays within 50 blocks, saying how many lines it left out', () => {
    const lines: Mrkdwn[] = Array.from({ length: 80 }, () => mrkdwn`${'z'.repeat(2000)}`);
    const message = linesMessage(lines, overflow);
    expect(message.blocks).toHaveLength(50);
    expect(sectionTexts(message).at(-1)).toBe('…and 31 more');
  });
});
