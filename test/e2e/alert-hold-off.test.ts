import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import type { Config } from '../../shared/config/config-schema.js';
import type { Decision } from '../../shared/domain/decision.js';
import { evaluateDueDecisions } from '../../shared/failover/decide-alert.js';
import { depsFor, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent, repoPath } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';

const environment = useTestEnvironment();
let env: TestEnvironment;

/** The shipped sandbox config with a twin of ledger-pg that has no hold-off, routed by its own cluster label. */
async function configWithoutHoldOff(): Promise<string> {
  const config = parseYaml(await readFile(repoPath('config/sandbox.yaml'), 'utf8'));
  const ledger = config.pairs.find((p: { name: string }) => p.name === 'ledger-pg');
  config.pairs.push({
    ...structuredClone(ledger),
    name: 'ledger-now',
    failover: { mode: 'auto', holdOffSeconds: 0 },
  });
  config.alerting.routes.push({
    pair: 'ledger-now',
    match: { alertname: 'PostgresPrimaryDown', cluster: 'now' },
  });
  const path = join(await mkdtemp(join(tmpdir(), 'switchyard-hold-off-')), 'config.yaml');
  await writeFile(path, stringifyYaml(config));
  return `file:${path}`;
}

beforeAll(async () => {
  env = environment();
  // The functions read their config on first use: point them at this file's before anything runs.
  const config = await configWithoutHoldOff();
  env.env.SWITCHYARD_CONFIG = config;
  process.env.SWITCHYARD_CONFIG = config;
});

let seq = 0;
/** Alertmanager's example, firing since an hour ago, for the given cluster label. */
async function sendAlert(cluster: string) {
  const event = loadEvent<APIGatewayProxyEventV2>('alerts', 'alertmanager-firing');
  const body = JSON.parse(event.body as string);
  body.alerts[0].fingerprint = `hold-off-${Date.now()}-${seq++}`;
  body.alerts[0].startsAt = new Date(Date.now() - 60 * 60_000).toISOString();
  body.alerts[0].labels.cluster = cluster;
  event.body = JSON.stringify(body);
  const answer = httpAnswer(await alertsAlertmanager(event, lambdaContext()));
  expect(answer.status).toBe(200);
  return answer.body.decisions[0] as Decision;
}
const toldAbout = (id: string) => env.sink.decisions().filter((n) => n.decision.id === id);

describe('an alert whose hold-off is already over when it arrives', () => {
  it('is decided at once, and nothing says it is holding', async () => {
    const decided = await sendAlert('now');

    // The primary is up in the sandbox: the observers decline it at once.
    expect(decided).toMatchObject({ pair: 'ledger-now', outcome: 'declined' });
    const told = toldAbout(decided.id);
    expect(told.map((n) => n.decision.outcome)).toEqual(['declined']);
    for (const n of told) {
      expect(n.text).not.toMatch(/hold/i);
      expect(n.nextAction).not.toMatch(/hold-off/);
    }
  });
});

describe('an alert that holds off', () => {
  it('says it holds off until the real end of its hold-off', async () => {
    const before = Date.now();
    const held = await sendAlert('ledger');
    const after = Date.now();

    expect(held.outcome).toBe('holding');
    const stored = (await (await depsFor(env)).failover.getDecision(held.id)) as Decision;
    const until = Date.parse(stored.evaluateAt as string);
    expect(until).toBe(Date.parse(stored.receivedAt as string) + 30_000);
    expect(until).toBeGreaterThanOrEqual(before + 30_000);
    expect(until).toBeLessThanOrEqual(after + 30_000);
    const [told] = toldAbout(held.id);
    expect(told?.text).toContain(`holding off until ${stored.evaluateAt}`);
  });
});

describe('a holding decision whose pair a config refresh removed', () => {
  it('ends declined, naming the pair, told once, without throwing', async () => {
    const held = await sendAlert('ledger');
    expect(held.outcome).toBe('holding');
    const dropLedger = (config: Config) => {
      config.pairs = config.pairs.filter((p) => p.name !== 'ledger-pg');
      config.alerting.routes = config.alerting.routes.filter((r) => r.pair !== 'ledger-pg');
    };
    const refreshed = await depsFor(env, { now: () => Date.now() + 31_000, adjust: dropLedger });

    const first = await evaluateDueDecisions(refreshed);
    const second = await evaluateDueDecisions(refreshed);

    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
    const ended = (await refreshed.failover.getDecision(held.id)) as Decision;
    expect(ended).toMatchObject({ outcome: 'declined', reason: 'pair ledger-pg is no longer configured' });
    expect(ended.evaluateAt).toBeUndefined();
    const told = toldAbout(held.id).filter((n) => n.decision.outcome !== 'holding');
    expect(told.map((n) => n.decision.outcome)).toEqual(['declined']);
    // Nothing a person can ask Switchyard for a pair it no longer knows.
    expect(told[0]?.nextAction).toContain('no longer in its config');
    expect(told[0]?.nextAction).not.toContain('promote');
  });
});
