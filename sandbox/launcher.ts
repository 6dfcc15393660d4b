import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { deliveryLog } from './delivery-log.js';
import { lambdaEndpointTarget } from './local-sqs.js';
import { localPorts, sandboxSpeed } from './ports.js';
import { SANDBOX_CONFIG, startSandboxEnvironment } from './sandbox-environment.js';

/**
 * `npm start`: Switchyard on the embedded default. dynalite, the provider simulators and a webhook sink
 * in this process, and an SQS stand-in; the functions under serverless offline; the poller (the sweep behind the
 * operations' own follow-ups) at the deployed rate.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const STAGE = 'dev';
/** The poller is the sweep behind the follow-ups: at the deployed rate, so what people see is what deployed does. */
const POLL_EVERY_MS = Number(process.env.SWITCHYARD_LOCAL_POLL_MS ?? 60_000);
/** The pair evaluation (readiness, protection), deployed every 15 minutes: locally often enough to watch. */
const EVALUATE_EVERY_MS = Number(process.env.SWITCHYARD_LOCAL_EVALUATE_MS ?? 30_000);

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`${url} did not come up within ${timeoutMs / 1000} s`);
}

async function main() {
  // Deployed functions run Node 22; here the SDK (in this process and every worker) would repeat its Node 20 notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ports = localPorts();
  const speed = sandboxSpeed();
  // serverless.yml names the table the same way, so the functions find the one created here.
  const tableName = `switchyard-${STAGE}-operations`;
  const deliveries = deliveryLog();
  const sandbox = await startSandboxEnvironment({
    ports,
    speed,
    tableName,
    config: process.env.SWITCHYARD_CONFIG ?? SANDBOX_CONFIG,
    // Queue messages (an alert's promotion, a follow-up) go through the SQS stand-in to the offline Lambda endpoint.
    queues: {
      target: lambdaEndpointTarget(`http://127.0.0.1:${ports.lambda}`),
      functionPrefix: `switchyard-${STAGE}-`,
    },
    // Each notification once, with the channels that carried it (the functions' console channel is off here).
    onNotification: deliveries.webhook,
    onSlack: deliveries.slack,
    onSns: deliveries.sns,
  });
  const { ocp, huawei, alibaba, dynamo, sink } = sandbox;

  const env = {
    ...process.env,
    ...sandbox.env,
    SLS_TELEMETRY_DISABLED: '1',
    // The sinks print each notification once with its channels; the console channel would print it again.
    SWITCHYARD_CONSOLE_NOTIFICATIONS: 'false',
    // Readable log lines on the terminal, and no metric lines (CloudWatch reads those, deployed).
    SWITCHYARD_LOG_FORMAT: process.env.SWITCHYARD_LOG_FORMAT ?? 'text',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    SWITCHYARD_API_PORT: String(ports.api),
    SWITCHYARD_LAMBDA_PORT: String(ports.lambda),
  };
  // Bundles from an earlier build (another format, say) must not shadow today's.
  await rm(`${root}.esbuild`, { recursive: true, force: true });
  const offline: ChildProcess = spawn(
    `${root}node_modules/.bin/serverless`,
    ['offline', 'start', '--stage', STAGE],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Every local poll and follow-up would print an invocation line (on either stream); keep the output to what a
  // person watches for.
  const quietPolls = (write: (line: string) => void) => {
    let pending = '';
    return (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines)
        if (
          !/\(λ: (poll-jobs|evaluate-pairs|follow-up)\) RequestId|invoked scheduled function: \[(poll-jobs|evaluate-pairs)\]/.test(
            line,
          )
        )
          write(line);
    };
  };
  offline.stdout?.on(
    'data',
    quietPolls((line) => console.log(line)),
  );
  offline.stderr?.on(
    'data',
    quietPolls((line) => console.error(line)),
  );

  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    clearInterval(poller);
    clearInterval(evaluator);
    offline.kill('SIGTERM');
    await sandbox.close();
    process.exit(code);
  };
  offline.on('exit', (code) => {
    if (!stopping) {
      console.error(`serverless offline exited with code ${code}`);
      void stop(code ?? 1);
    }
  });
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  // A scheduled function invoked on a timer, never twice at once: the poller, and the pair evaluation.
  const everyMs = (name: string, ms: number) => {
    const url = `http://127.0.0.1:${ports.lambda}/2015-03-31/functions/switchyard-${STAGE}-${name}/invocations`;
    let running = false;
    return setInterval(async () => {
      if (running) return;
      running = true;
      try {
        await fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(60_000) });
      } catch {
        // serverless offline is still starting, or restarting: the next tick tries again.
      } finally {
        running = false;
      }
    }, ms);
  };
  const poller = everyMs('poll-jobs', POLL_EVERY_MS);
  const evaluator = everyMs('evaluate-pairs', EVALUATE_EVERY_MS);

  await waitFor(`http://127.0.0.1:${ports.api}/v1/operations`, 120_000);
  console.log(`
Switchyard is running on the embedded default.

  Status page    http://127.0.0.1:${ports.api}/          (sign in with sandbox-reader-key)
  API            http://127.0.0.1:${ports.api}           (keys: sandbox-operator-key, sandbox-approver-key, sandbox-reader-key, sandbox-admin-key)
  Lambda invoke  http://127.0.0.1:${ports.lambda}           (queue messages: functions/switchyard-${STAGE}-switchover/invocations)
  OCP sandbox    ${ocp.url}           (speed x${speed})
  Huawei sandbox ${huawei.url}           (speed x${speed})
  Alibaba sandbox ${alibaba.url}          (speed x${speed})
  DynamoDB       ${dynamo.endpoint}           (dynalite, in memory; table ${tableName})
  SQS            ${sandbox.sqs.url}           (a stand-in: delays and retries as SQS; GET /_sandbox/queue-urls)
  Webhook sink   ${sink.url}
  Slack sink     ${sink.slackUrl}/…      (incoming webhook and slash-command replies; signing secret sandbox-slack-signing-secret)

Try:  curl -s -X POST http://127.0.0.1:${ports.api}/v1/switchovers \\
        -H 'Authorization: Bearer sandbox-operator-key' -H 'Content-Type: application/json' \\
        -d '{"pair":"orders-ob","reason":"DR drill"}'
`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
