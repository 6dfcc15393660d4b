import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a file in the repository. */
export function repoPath(relative: string): string {
  return `${repoRoot}${relative}`;
}

/** Reads a JSON fixture from test/fixtures/. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(repoPath(`test/fixtures/${name}`), 'utf8')) as T;
}

/** Loads events/<source>/<variant>.json, cloned so each test may change its copy. */
export function loadEvent<T>(source: string, variant: string): T {
  return structuredClone(JSON.parse(readFileSync(repoPath(`events/${source}/${variant}.json`), 'utf8'))) as T;
}
