import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, DEFAULT_LOCAL_PORTS, freePort, isolatedCheckout } from './isolated-checkout.js';

/** Every port `npm start` reads (sandbox/ports.ts), each moved to a free one. */
const PORT_VARIABLES = [
  'SWITCHYARD_API_PORT',
  'SWITCHYARD_LAMBDA_PORT',
  'HUAWEI_SIM_PORT',
  'ALIBABA_SIM_PORT',
  'OCP_SIM_PORT',
  'DYNAMO_PORT',
  'WEBHOOK_SINK_PORT',
  'SQS_PORT',
] as const;
export type PortVariable = (typeof PORT_VARIABLES)[number];

export interface RunningLauncher {
  ports: Record<PortVariable, number>;
  /** A URL on one of its servers. */
  url(server: PortVariable, path: string): string;
  /** Everything it printed so far, both streams. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `npm start` as a newcomer runs it (sandbox/launcher.ts: the simulators, the local store, serverless offline), from
 * an isolated copy of the service and on free ports, never the defaults another sandbox may hold.
 */
export async function startLauncher(env: Record<string, string> = {}): Promise<RunningLauncher> {
  const checkout = await isolatedCheckout();
  const taken = new Set<number>();
  const ports = {} as Record<PortVariable, number>;
  for (const name of PORT_VARIABLES) ports[name] = await freePort(taken);
  if (Object.values(ports).some((port) => DEFAULT_LOCAL_PORTS.has(port)))
    throw new Error('a default port was handed out');

  let output = '';
  const launcher: ChildProcess = spawn(join(checkout.dir, 'node_modules/.bin/tsx'), ['sandbox/launcher.ts'], {
    cwd: checkout.dir,
    // Its own process group, so serverless offline and its workers end with it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...cleanEnv(),
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      ...env,
    },
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  launcher.stdout?.on('data', collect);
  launcher.stderr?.on('data', collect);

  const stop = async () => {
    if (launcher.pid !== undefined && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      try {
        process.kill(-launcher.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      try {
        process.kill(-launcher.pid, 'SIGKILL');
      } catch {
        // ended on SIGTERM
      }
    }
    await checkout.close();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`npm start did not come up in 75 s:\n${output}`)),
        75_000,
      );
      const check = setInterval(() => {
        if (output.includes('Switchyard is running')) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 200);
      launcher.once('exit', (code) => {
        clearInterval(check);
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code}:\n${output}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    ports,
    url: (server, path) => `http://127.0.0.1:${ports[server]}${path}`,
    output: () => output,
    stop,
  };
}
