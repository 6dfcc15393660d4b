import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { slackSignature } from '../shared/chat/slack-signature.js';
import { loadEvent } from '../test/support/fixtures.js';
import type { BenchEnvironment } from './support/bench-environment.js';
import { repeat, type Spread, spread } from './support/stats.js';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;

/** An HTTP API event for a route, built from a published sample's shape. */
function http(
  method: string,
  path: string,
  options: {
    key?: string;
    body?: unknown;
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
  } = {},
) {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'get-operation');
  event.requestContext.http.method = method;
  event.rawPath = path;
  event.requestContext.http.path = path;
  event.pathParameters = options.pathParameters ?? {};
  event.queryStringParameters = options.query;
  if (options.key) event.headers.authorization = `Bearer ${options.key}`;
  else delete event.headers.authorization;
  if (options.body !== undefined) event.body = JSON.stringify(options.body);
  return event;
}

const dryRun = (fn: string, pair: string) => {
  const event = loadEvent<APIGatewayProxyEventV2>('http', fn);
  delete event.headers['idempotency-key'];
  event.body = JSON.stringify({ pair, dryRun: true });
  return event;
};

function slackHelp() {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'chat-slack');
  const body = new URLSearchParams({
    team_id: 'T0SANDBOX',
    user_id: 'U0SANDBOXRD',
    command: '/switchyard',
    text: 'help',
    // Where the sandbox config lets replies go (chat.slack.responseUrls).
    response_url: `${process.env.SLACK_SINK_URL}/replies`,
    trigger_id: `${Date.now()}.cold`,
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  event.headers['x-slack-request-timestamp'] = timestamp;
  event.headers['x-slack-signature'] = slackSignature('sandbox-slack-signing-secret', timestamp, body);
  event.body = body;
  return event;
}

const SOME_ID = '01JD0000000000000000000000';

/** Each function's first event: real work where it is cheap and harmless (dry runs, reads). */
const FIRST_EVENTS: Record<string, () => unknown> = {
  switchover: () => dryRun('switchover', 'orders-ob'),
  'configure-dr': () => dryRun('configure-dr', 'orders-pg'),
  reprotect: () => dryRun('reprotect', 'ledger-pg'),
  'promote-standby': () => dryRun('promote-standby', 'ledger-pg'),
  'upgrade-minor-version': () => dryRun('upgrade-minor-version', 'orders-pg'),
  'activate-migration-target': () => dryRun('activate-migration-target', 'crm-migration'),
  'alerts-alertmanager': () => loadEvent('alerts', 'alertmanager-resolved'),
  'alerts-grafana': () => loadEvent('alerts', 'grafana-firing'),
  'alerts-cloudwatch': () => loadEvent('alerts', 'cloudwatch-ok'),
  'chat-slack': slackHelp,
  'list-decisions': () =>
    http('GET', '/v1/decisions', { key: 'sandbox-reader-key', query: { pair: 'ledger-pg' } }),
  'acknowledge-pair': () =>
    http('POST', '/v1/pairs/ledger-pg/ack', {
      key: 'sandbox-approver-key',
      body: {},
      pathParameters: { pair: 'ledger-pg' },
    }),
  'set-brake': () => http('POST', '/v1/brake', { key: 'sandbox-admin-key', body: { engaged: false } }),
  'approve-operation': () =>
    http('POST', `/v1/operations/${SOME_ID}/approve`, {
      key: 'sandbox-approver-key',
      body: {},
      pathParameters: { id: SOME_ID },
    }),
  'reject-operation': () =>
    http('POST', `/v1/operations/${SOME_ID}/reject`, {
      key: 'sandbox-approver-key',
      body: {},
      pathParameters: { id: SOME_ID },
    }),
  'get-operation': () => loadEvent('http', 'get-operation'),
  'list-operations': () => loadEvent('http', 'list-operations'),
  openapi: () => http('GET', '/v1/openapi.json'),
  'list-pairs': () => loadEvent('http', 'list-pairs'),
  'get-pair': () => loadEvent('http', 'get-pair'),
  'pair-history': () => loadEvent('http', 'pair-history'),
  'get-brake': () => loadEvent('http', 'get-brake'),
  // A Huawei pair's drill is the readiness evaluation: provider reads and a record, nothing changed.
  'run-drill': () =>
    http('POST', '/v1/drills', {
      key: 'sandbox-operator-key',
      body: { pair: 'orders-pg', reason: 'cold start' },
    }),
  'status-page': () => http('GET', '/'),
  // Both refused without a change: the member named is not the pair's; a migration pair has no standby to protect.
  'set-pair-roles': () =>
    http('PUT', '/v1/pairs/orders-pg/roles', {
      key: 'sandbox-admin-key',
      body: { primary: 'not-a-member', reason: 'cold start' },
      pathParameters: { pair: 'orders-pg' },
    }),
  'declare-protection': () =>
    http('PUT', '/v1/pairs/crm-migration/protection', {
      key: 'sandbox-approver-key',
      body: { state: 'protected', reason: 'cold start' },
      pathParameters: { pair: 'crm-migration' },
    }),
  'poll-jobs': () => loadEvent('schedule', 'poll-jobs'),
  'follow-up': () => loadEvent('sqs', 'follow-up-unsealed'),
  'evaluate-pairs': () => loadEvent('schedule', 'evaluate-pairs'),
};

/** Runs a bundle's handler once in a fresh node process; the child reports its own clock since it started. */
const PROBE = `
const [bundle, eventFile] = process.argv.slice(1);
const event = JSON.parse(require('node:fs').readFileSync(eventFile, 'utf8'));
const context = { functionName: 'cold', awsRequestId: 'cold', getRemainingTimeInMillis: () => 29000, callbackWaitsForEmptyEventLoop: false };
const { handler } = require(bundle);
const loaded = performance.now();
handler(event, context).then((answer) => {
  console.log(JSON.stringify({ loaded, handled: performance.now(), status: answer && (answer.statusCode ?? (answer.batchItemFailures ? 'batch' : 'ok')) }));
  process.exit(0);
});`;

export interface ColdStartRow {
  name: string;
  bytes: number;
  loadMs: Spread;
  firstEventMs: Spread;
  status: string;
}

async function bundle(entry: string, outfile: string) {
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    outfile,
    logLevel: 'silent',
  });
  return (await stat(outfile)).size;
}

async function probe(
  env: BenchEnvironment,
  dir: string,
  file: string,
  event: unknown,
  runs: number,
  extraEnv: Record<string, string> = {},
) {
  const eventFile = join(dir, `${Math.random().toString(16).slice(2)}.json`);
  const samples = await repeat(runs, async () => {
    await writeFile(eventFile, JSON.stringify(typeof event === 'function' ? event() : event));
    const { stdout } = await run(process.execPath, ['-e', PROBE, file, eventFile], {
      env: { ...process.env, ...env.env, NODE_OPTIONS: '', ...extraEnv },
      maxBuffer: 1 << 20,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
      loaded: number;
      handled: number;
      status: unknown;
    };
  });
  return {
    loadMs: spread(samples.map((s) => s.loaded)),
    firstEventMs: spread(samples.map((s) => s.handled)),
    status: String(samples[0]?.status),
  };
}

/**
 * Each function's minified bundle and the time from a fresh node process to its first handled event; then
 * the activation precheck's two Alibaba calls through our client and through @alicloud/rds20140815.
 */
export async function benchColdStart(env: BenchEnvironment, options: { runs: number }) {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-cold-'));
  const declared = parse(await readFile(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
    functions: Record<string, { handler: string }>;
  };
  const rows: ColdStartRow[] = [];
  for (const name of Object.keys(declared.functions)) {
    const firstEvent = FIRST_EVENTS[name];
    if (!firstEvent)
      throw new Error(`no first event for the function ${name}: add one to bench/cold-start.ts`);
    const outfile = join(dir, `${name}.cjs`);
    const bytes = await bundle(join(root, `functions/${name}/handler.ts`), outfile);
    rows.push({ name, bytes, ...(await probe(env, dir, outfile, firstEvent, options.runs)) });
    console.log(`cold start: ${name} done`);
  }
  const comparison: ColdStartRow[] = [];
  for (const [name, entry] of [
    ['Alibaba calls, Switchyard client', 'bench/cold-start/alibaba-ours.ts'],
    ['Alibaba calls, @alicloud/rds20140815', 'bench/cold-start/alibaba-official.ts'],
  ] as const) {
    const outfile = join(dir, `${entry.split('/').at(-1)}.cjs`);
    const bytes = await bundle(join(root, entry), outfile);
    comparison.push({ name, bytes, ...(await probe(env, dir, outfile, {}, options.runs)) });
  }
  // What --enable-source-maps costs a cold start: why serverless.yml ships the maps without loading them.
  const mapped = join(dir, 'switchover-mapped.cjs');
  await build({
    entryPoints: [join(root, 'functions/switchover/handler.ts')],
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: mapped,
    logLevel: 'silent',
  });
  const sourceMaps: ColdStartRow[] = [];
  for (const [name, flags] of [
    ['switchover, source map, without --enable-source-maps', ''],
    ['switchover, source map, with --enable-source-maps', '--enable-source-maps'],
  ] as const)
    sourceMaps.push({
      name,
      bytes: (await stat(mapped)).size,
      ...(await probe(env, dir, mapped, FIRST_EVENTS.switchover, options.runs * 2, { NODE_OPTIONS: flags })),
    });
  return { rows, comparison, sourceMaps };
}
