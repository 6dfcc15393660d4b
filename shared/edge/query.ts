import * as z from 'zod';

/**
 * A whole number in a query string, as a person types it: digits only. `Number()` alone would take `0x10`, `1e1`
 * and ` 7 `, and a client would learn that from no document.
 */
export function queryInteger(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,6}$/, 'a whole number (digits only)')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}
