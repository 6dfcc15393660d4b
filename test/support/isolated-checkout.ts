import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './fixtures.js';

/** What `serverless` and the launcher read: the service, its code, the sandbox and the sample events. */
const SERVICE_FILES = [
  'serverless.yml',
  'package.json',
  'tsconfig.json',
  'functions',
  'shared',
  'sandbox',
  'config',
  'deploy',
  'events',
  'types',
];

export interface IsolatedCheckout {
  dir: string;
  close(): Promise<void>;
}

/**
 * A copy of the service in a temporary folder (node_modules linked), so a test that builds the bundles
 * (`serverless offline`, `serverless invoke local`) neither clears nor races the repository's `.esbuild` folder
 * that other tests and a running `npm start` use.
 */
export async function isolatedCheckout(): Promise<IsolatedCheckout> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-checkout-'));
  await Promise.all(SERVICE_FILES.map((name) => cp(repoPath(name), join(dir, name), { recursive: true })));
  await symlink(repoPath('node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, close: () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }) };
}

/** The local ports `npm start` uses by default: a test must never listen on or call them. */
export const DEFAULT_LOCAL_PORTS = new Set([3000, 3001, 3002, 4510, 4520, 4530, 4567, 4590, 4600]);

/** A free loopback port that is none of the defaults (the OS picks it; it is released at once). */
export async function freePort(taken: Set<number> = new Set()): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const found = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    if (!DEFAULT_LOCAL_PORTS.has(port) && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

/**
 * The environment of a child process without anything that would point Switchyard elsewhere: the test sets the
 * ports, endpoints and config it means.
 */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (
      value !== undefined &&
      !/^(SWITCHYARD_|OCP_|HUAWEI_|ALIBABA_|WEBHOOK_SINK|SLACK_SINK|DYNAMO_PORT|SANDBOX_SPEED|AWS_|POWERTOOLS_)/.test(
        name,
      )
    )
      env[name] = value;
  return { ...env, SLS_TELEMETRY_DISABLED: '1' };
}
