import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startAlibabaSimulator } from './alibaba-simulator.js';
import { startHuaweiSimulator } from './huawei-simulator.js';
import { ensureTable, LOCAL_AWS_ENV, startLocalDynamo } from './local-dynamo.js';
import { startOcpSimulator } from './ocp-simulator.js';
import { localPorts, sandboxSpeed } from './ports.js';
import { startWebhookSink } from './webhook-sink.js';

/**
 * `npm start`: Switchyard on the embedded default. dynalite, the provider simulators and a webhook sink
 * in this process; the functions under serverless offline; the poller invoked every few seconds so a
 * walk-through does not wait a minute per step.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const STAGE = 'dev';
const POLL_EVERY_MS = Number(process.env.SWITCHYARD_LOCAL_POLL_MS ?? 2000);

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
  const ports = localPorts();
  const speed = sandboxSpeed();
  const dynamo = await startLocalDynamo({ port: ports.dynamo });
  const tableName = `switchyard-${STAGE}-operations`;
  await ensureTable(dynamo.endpoint, tableName);
  const ocp = await startOcpSimulator({ port: ports.ocp, speed });
  const huawei = await startHuaweiSimulator({ port: ports.huawei, speed });
  const alibaba = await startAlibabaSimulator({ port: ports.alibaba, speed });
  const sink = await startWebhookSink({
    port: ports.webhookSink,
    secret: 'sandbox-webhook-secret',
    onNotification: ({ notification, signatureValid }) =>
      console.log(`[webhook-sink${signatureValid ? '' : ' BAD SIGNATURE'}] ${notification.text}`),
    onSlack: ({ path, body }) => console.log(`[slack-sink ${path}] ${body.text}`),
  });

  const env = {
    ...process.env,
    ...LOCAL_AWS_ENV,
    SLS_TELEMETRY_DISABLED: '1',
    SWITCHYARD_CONFIG: process.env.SWITCHYARD_CONFIG ?? `file:${root}config/sandbox.yaml`,
    SWITCHYARD_DYNAMODB_ENDPOINT: dynamo.endpoint,
    OCP_ENDPOINT: ocp.url,
    HUAWEI_ENDPOINT: huawei.url,
    ALIBABA_ENDPOINT: alibaba.url,
    WEBHOOK_SINK_URL: sink.url,
    SLACK_SINK_URL: sink.slackUrl,
    SWITCHYARD_SNS_ENDPOINT: sink.snsUrl,
    // Queue messages (an alert's promotion) go to the consumer through the offline Lambda endpoint.
    SWITCHYARD_LOCAL_LAMBDA_ENDPOINT: `http://127.0.0.1:${ports.lambda}`,
    SWITCHYARD_FUNCTION_PREFIX: `switchyard-${STAGE}-`,
    SWITCHYARD_API_PORT: String(ports.api),
    SWITCHYARD_LAMBDA_PORT: String(ports.lambda),
  };
  // Bundles from an earlier build (another format, say) must not shadow today's.
  await rm(`${root}.esbuild`, { recursive: true, force: true });
  const offline: ChildProcess = spawn(
    `${root}node_modules/.bin/serverless`,
    ['offline', 'start', '--stage', STAGE],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // Every local poll would print an invocation line; keep the output to what a person watches for.
  let pending = '';
  offline.stdout?.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines)
      if (!/\(λ: poll-jobs\) RequestId|invoked scheduled function: \[poll-jobs\]/.test(line))
        console.log(line);
  });

  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    clearInterval(poller);
    offline.kill('SIGTERM');
    await Promise.all([ocp.close(), huawei.close(), alibaba.close(), sink.close(), dynamo.close()]);
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

  const pollUrl = `http://127.0.0.1:${ports.lambda}/2015-03-31/functions/switchyard-${STAGE}-poll-jobs/invocations`;
  let polling = false;
  const poller = setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      await fetch(pollUrl, { method: 'POST', body: '{}', signal: AbortSignal.timeout(60_000) });
    } catch {
      // serverless offline is still starting, or restarting: the next tick tries again.
    } finally {
      polling = false;
    }
  }, POLL_EVERY_MS);

  await waitFor(`http://127.0.0.1:${ports.api}/v1/operations`, 120_000);
  console.log(`
Switchyard is running on the embedded default.

  API            http://127.0.0.1:${ports.api}           (keys: sandbox-operator-key, sandbox-approver-key, sandbox-reader-key, sandbox-admin-key)
  Lambda invoke  http://127.0.0.1:${ports.lambda}           (queue messages: functions/switchyard-${STAGE}-switchover/invocations)
  OCP sandbox    ${ocp.url}           (speed x${speed})
  Huawei sandbox ${huawei.url}           (speed x${speed})
  Alibaba sandbox ${alibaba.url}          (speed x${speed})
  DynamoDB       ${dynamo.endpoint}           (dynalite, in memory; table ${tableName})
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
