import { afterAll, beforeAll, vi } from 'vitest';

// Product code logs one line per notification and per error; keep test output readable.
// Set SWITCHYARD_TEST_LOGS=1 to see them.
if (!process.env.SWITCHYARD_TEST_LOGS) {
  beforeAll(() => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'info').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
}
