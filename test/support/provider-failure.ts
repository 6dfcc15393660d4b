import { expect } from 'vitest';
import { ProviderError } from '../../shared/domain/errors.js';

/** Awaits a call that must fail with a ProviderError, and returns that error for more checks. */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}
