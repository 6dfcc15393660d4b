import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lambdaContext } from './lambda.js';

/** The functions that consume a queue, by name. */
type Consumer = { handler: (event: never, context: never) => Promise<unknown> };
const CONSUMERS: Record<string, () => Promise<Consumer>> = {
  switchover: () => import('../../functions/switchover/handler.js'),
  'configure-dr': () => import('../../functions/configure-dr/handler.js'),
  'promote-standby': () => import('../../functions/promote-standby/handler.js'),
  'upgrade-minor-version': () => import('../../functions/upgrade-minor-version/handler.js'),
  'activate-migration-target': () => import('../../functions/activate-migration-target/handler.js'),
};

/** The function name prefix the test environment gives the command queue. */
export const TEST_FUNCTION_PREFIX = 'switchyard-test-';

/**
 * A loopback stand-in for serverless offline's Lambda invoke endpoint: the command queue posts an
 * SQS-shaped event over HTTP, and the real handler of that function takes it in this process.
 */
export async function startLambdaEndpoint() {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const name = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '')?.[1] ?? '';
      const fn = name.startsWith(TEST_FUNCTION_PREFIX) ? name.slice(TEST_FUNCTION_PREFIX.length) : '';
      const load = CONSUMERS[fn];
      if (!load) return res.writeHead(404).end();
      try {
        const { handler } = await load();
        const result = await handler(
          JSON.parse(Buffer.concat(chunks).toString('utf8')) as never,
          lambdaContext() as never,
        );
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? {}));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
