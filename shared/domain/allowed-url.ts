/**
 * Whether `url` lies under one of `prefixes`: the same scheme, host and port, and a path that starts with the
 * prefix's, as a URL parser reads both. A URL with userinfo is never allowed: it is how a host is disguised.
 */
export function isUnderPrefix(url: string, prefixes: readonly string[]): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.username !== '' || target.password !== '') return false;
  return prefixes.some((prefix) => {
    const allowed = new URL(prefix);
    // A prefix ends at a path boundary: `/services` allows `/services/…`, never `/servicesX`.
    const path = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
    return (
      target.protocol === allowed.protocol &&
      target.host === allowed.host &&
      (target.pathname === allowed.pathname || target.pathname.startsWith(path))
    );
  });
}
