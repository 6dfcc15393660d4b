/** RFC 3986: unreserved characters (A-Z a-z 0-9 - . _ ~) stay, everything else is %XX uppercase; space is %20. */
export function rfc3986Encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Sorts by UTF-16 code unit, shorter first on a shared prefix: what the providers' reference signers do. */
export const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
