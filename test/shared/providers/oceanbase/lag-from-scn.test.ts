import { describe, expect, it } from 'vitest';
import { lagFromScn } from '../../../../shared/providers/oceanbase/ocp-provider.js';

describe("the standby's lag from OCP's sync SCN", () => {
  const now = Date.parse('2026-12-02T03:00:10Z');

  it('reads an OceanBase 4.x SCN as nanoseconds since the epoch, as a number or a string', () => {
    // TIMESTAMP_TO_SCN('2026-12-02 03:00:00 UTC'): ten seconds before now.
    expect(lagFromScn('1796180400000000000', now)).toBe(10);
    expect(lagFromScn(1796180400000000000, now)).toBe(10);
  });

  it('takes a position ahead of our clock for a skew, unknown, never for a lag of zero', () => {
    expect(lagFromScn('1796180420000000000', now)).toBeUndefined();
    expect(lagFromScn('1796180410000000000', now)).toBe(0);
  });

  it('is unknown for what is not a 4.x timestamp: none, the max-SCN sentinel, a 3.x position, junk', () => {
    for (const scn of [undefined, '4611686018427387903', 123456789, '1.7e18', 'abc', ''])
      expect(lagFromScn(scn, now)).toBeUndefined();
  });
});
