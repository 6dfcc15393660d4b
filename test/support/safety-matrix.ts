import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import type { Deps } from '../../shared/deps.js';
import type { Decision } from '../../shared/domain/decision.js';
import { evaluateDueDecisions, receiveAlert } from '../../shared/failover/decide-alert.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { rejectOperation } from '../../shared/operations/approve-operation.js';
import type { RegisteredProvider as ProviderName } from '../../shared/providers/registry.js';
import { depsFor, resetSimulator, type TestEnvironment, useTestEnvironment } from './environment.js';
import { loadEvent, repoPath } from './fixtures.js';
import {
  deliverFollowUps,
  FOLLOW_UP_DELIVERIES,
  type FollowUpDelivery,
  holdingFollowUps,
} from './held-follow-ups.js';
import { httpAnswer, lambdaContext } from './lambda.js';
import { pollUntilDone } from './operations.js';
import { losePrimary, sandboxMembers, simulatorUrl } from './outage.js';

/**
 * The safety matrix: for each provider, every answer an observer can give about the primary (down, up, or unknown
 * through a 5xx, a 401, a timeout, throttling, or a primary the provider does not list) against each failover mode
 * and each trigger (an alert, a person's promotion, two alerts at once), through the real functions, queue,
 * simulators and store. After each cell it checks what a person would need to be true: the decision and its
 * reason, no automatic promotion on unknown or up, at most one writable primary even once the old one returns,
 * fencing as the policy says, and one promotion per pair.
 */

const ANSWERS = ['down', 'up', '5xx', '401', 'timeout', 'throttle', 'not listed'] as const;
type Answer = (typeof ANSWERS)[number];
const MODES = ['auto', 'approve'] as const;
type Mode = (typeof MODES)[number];
const TRIGGERS = ['alert', 'manual', 'concurrent alerts'] as const;
/** An alert held 30 s, decided when its wake-up (a follow-up) is delivered as SQS might, or by the sweep. */
type Trigger = (typeof TRIGGERS)[number] | 'held alert';
/** The answers a held alert's wake-up meets: down, up and two kinds of unknown. */
const HELD_ANSWERS = ['down', 'up', '5xx', 'timeout'] as const satisfies readonly Answer[];
const HOLD_OFF_MS = 30_000;

interface Subject {
  provider: ProviderName;
  pair: string;
  primary: string;
  standby: string;
  /** The provider route that promotes. */
  promoteRoute: string;
  /** How a fault reaches the primary's observer: every request naming the primary, or OCP's pre-check. */
  observerFault: { target?: string; route?: string };
}

const SUBJECTS: Record<ProviderName, Subject> = {
  huawei: {
    provider: 'huawei',
    pair: 'ledger-pg',
    primary: '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03',
    standby: '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03',
    promoteRoute: 'drreplica_to_master',
    observerFault: { target: '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03' },
  },
  alibaba: {
    provider: 'alibaba',
    pair: 'billing-rds',
    primary: 'pgm-bp1billing0primary',
    standby: 'pgm-2zebilling0standby',
    promoteRoute: 'DeleteReplicationLink',
    observerFault: { target: 'pgm-bp1billing0primary' },
  },
  oceanbase: {
    provider: 'oceanbase',
    pair: 'payments-ob',
    primary: '1003',
    standby: '1004',
    promoteRoute: 'failover',
    // OCP's view of the primary is its failover pre-check of the standby.
    observerFault: { route: 'failoverPreCheck' },
  },
};

/** How long Switchyard waits for a provider in these cells: a timeout fault answers later than this. */
const PROVIDER_TIMEOUT_MS = 150;

function faultFor(answer: Answer) {
  switch (answer) {
    case '5xx':
      return { kind: 'status', status: 503, message: 'region unavailable' };
    case '401':
      return { kind: 'status', status: 401, message: 'the access key has expired' };
    case 'timeout':
      return { kind: 'latency', ms: PROVIDER_TIMEOUT_MS * 3 };
    case 'throttle':
      return { kind: 'throttle', retryAfterSeconds: 0 };
    case 'not listed':
      return { kind: 'status', status: 404, message: 'not found', code: 'InvalidDBInstanceId.NotFound' };
    default:
      return undefined;
  }
}

/** What every observer together should conclude. OCP cannot vouch for a primary that answers: its pre-check only says "not lost". */
function expectedVerdict(provider: ProviderName, answer: Answer) {
  if (answer === 'down') return 'down';
  if (answer === 'up') return provider === 'oceanbase' ? 'unknown' : 'up';
  return 'unknown';
}

/** The decision an alert should get. Alibaba reports no lag, and an unknown lag is a person's call. */
function expectedOutcome(provider: ProviderName, answer: Answer, mode: Mode) {
  const verdict = expectedVerdict(provider, answer);
  if (verdict === 'up') return 'declined';
  if (verdict === 'unknown' || mode === 'approve' || provider === 'alibaba') return 'needs-approval';
  return 'failover-requested';
}

interface Check {
  invariant: string;
  ok: boolean;
  detail: string;
}

/** config/sandbox.yaml with each subject's pair in auto mode and a twin in approve mode, both decided on arrival. */
async function matrixConfig(): Promise<string> {
  const config = parseYaml(await readFile(repoPath('config/sandbox.yaml'), 'utf8'));
  for (const provider of Object.values(config.providers) as { timeoutMs?: number }[])
    provider.timeoutMs = PROVIDER_TIMEOUT_MS;
  const twins = [];
  for (const subject of Object.values(SUBJECTS)) {
    const pair = config.pairs.find((p: { name: string }) => p.name === subject.pair);
    pair.failover = { mode: 'auto', holdOffSeconds: 0 };
    twins.push(
      {
        ...structuredClone(pair),
        name: `${subject.pair}-approve`,
        failover: { mode: 'approve', holdOffSeconds: 0 },
      },
      // Held before it is decided, so its wake-up is a follow-up the cell delivers, loses, doubles or sends early.
      {
        ...structuredClone(pair),
        name: `${subject.pair}-held`,
        failover: { mode: 'auto', holdOffSeconds: 30 },
      },
    );
  }
  config.pairs.push(...twins);
  config.alerting.maxAutomaticFailoversPerHour = 1000;
  config.alerting.routes = config.pairs.map((p: { name: string }) => ({
    pair: p.name,
    match: { alertname: 'PrimaryDown', pair: p.name },
  }));
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-safety-'));
  const path = join(dir, 'config.yaml');
  await writeFile(path, stringifyYaml(config));
  return `file:${path}`;
}

export function defineSafetyMatrix(provider: ProviderName) {
  const subject = SUBJECTS[provider];
  const environment = useTestEnvironment();
  let env: TestEnvironment;
  let deps: Deps;
  const results: { answer: Answer; mode: Mode; trigger: string; checks: Check[] }[] = [];

  beforeAll(async () => {
    env = environment();
    // The functions read their config on first use: point them at the matrix's before anything runs.
    const config = await matrixConfig();
    env.env.SWITCHYARD_CONFIG = config;
    process.env.SWITCHYARD_CONFIG = config;
    deps = await depsFor(env);
  });

  afterAll(() => {
    const checks = results.flatMap((r) => r.checks);
    const violations = checks.filter((c) => !c.ok);
    const rows = ANSWERS.map((answer) => {
      const cells = results.filter((r) => r.answer === answer);
      return `| ${answer} | ${cells.length} | ${cells.flatMap((c) => c.checks).length} | ${cells.flatMap((c) => c.checks).filter((c) => !c.ok).length} |`;
    });
    // Past the quiet console: the table is the matrix's report.
    process.stdout.write(
      `${[
        `Safety matrix (${provider}): ${results.length} cells, ${checks.length} checks, ${violations.length} violations`,
        '',
        '| observer answer | cells | checks | violations |',
        '|---|---|---|---|',
        ...rows,
        ...violations.map((v) => `VIOLATION ${v.invariant}: ${v.detail}`),
        '',
      ].join('\n')}\n`,
    );
  });

  /** Idle pairs, a fresh sandbox and no failover state left from the cell before. */
  async function startClean() {
    for (let i = 0; i < 50 && (await env.store.listActive()).length > 0; i++) {
      for (const waiting of (await env.store.listActive()).filter((o) => o.state === 'PENDING_APPROVAL'))
        await rejectOperation(deps, waiting.id, { principal: 'matrix', channel: 'http' }, 'next cell');
      await pollActiveOperations(deps);
    }
    await Promise.all(
      (['oceanbase', 'huawei', 'alibaba'] as const).map((p) => resetSimulator(simulatorUrl(env, p))),
    );
    const brake = await deps.failover.getBrake();
    await deps.failover.putBrake({ engaged: false, recent: [], version: brake.version + 1 });
    for (const pair of [subject.pair, `${subject.pair}-approve`, `${subject.pair}-held`]) {
      const state = await deps.failover.getPairState(pair);
      await deps.failover.putPairState({ pair, version: state.version + 1 });
      // A claim left by a promotion the queue never took would hold the pair for a minute.
      const lock = await env.store.getLock(`pair:${pair}`, new Date());
      if (lock) await env.store.releaseLock(`pair:${pair}`, lock.operationId);
    }
  }

  let sequence = 0;
  function alertOn(pair: string) {
    return {
      labels: { alertname: 'PrimaryDown', pair },
      fingerprint: `matrix-${provider}-${Date.now()}-${sequence++}`,
      startsAt: new Date().toISOString(),
    };
  }

  /**
   * An alert held for its hold-off, through the alert intake's own code with its wake-up held back; then the
   * wake-up delivered by a clock past the hold-off as `delivery` says (lost: the sweep decides). Returns the
   * decision's id, and whether a wake-up delivered early left it holding with nothing asked.
   */
  async function heldAlert(pair: string, delivery: FollowUpDelivery) {
    const held = holdingFollowUps(deps);
    const { labels, fingerprint, startsAt } = alertOn(pair);
    const decision = await receiveAlert(held.deps, {
      source: 'alertmanager',
      name: 'PrimaryDown',
      status: 'firing',
      labels,
      fingerprint: `alertmanager:${fingerprint}`,
      startsAt,
    });
    let earlyLeftItHolding = true;
    if (delivery === 'early') {
      const calls = await observerCalls();
      await deliverFollowUps(held, 'early', Date.now());
      const after = decision && (await deps.failover.getDecision(decision.id));
      earlyLeftItHolding =
        held.outcomes.has('early') && after?.outcome === 'holding' && (await observerCalls()) === calls;
    }
    const later = { ...held.deps, now: () => new Date(Date.now() + HOLD_OFF_MS + 1_000) };
    await deliverFollowUps(held, delivery === 'early' ? 'delivered' : delivery, later.now().getTime(), later);
    if (delivery === 'lost') await evaluateDueDecisions(later);
    return { id: decision?.id, earlyLeftItHolding, wakeUps: held.sent };
  }

  async function observerCalls() {
    const calls = env[provider === 'oceanbase' ? 'ocp' : provider].calls;
    return [...calls.values()].reduce((a, b) => a + b, 0);
  }

  async function sendAlert(pair: string) {
    const event = loadEvent<APIGatewayProxyEventV2>('alerts', 'alertmanager-firing');
    const body = JSON.parse(event.body as string);
    body.alerts = [{ ...body.alerts[0], ...alertOn(pair) }];
    event.body = JSON.stringify(body);
    const answer = httpAnswer(await alertsAlertmanager(event, lambdaContext()));
    return answer.body.decisions?.[0]?.id as string | undefined;
  }

  async function promotionCalls() {
    return env[provider === 'oceanbase' ? 'ocp' : provider].calls.get(subject.promoteRoute) ?? 0;
  }

  async function writablePrimaries() {
    const members = await sandboxMembers(env, provider);
    return members
      .filter((m) => [subject.primary, subject.standby].includes(m.id) && m.acceptsWrites)
      .map((m) => m.id);
  }

  async function runCell(
    answer: Answer,
    mode: Mode,
    trigger: Trigger,
    delivery: FollowUpDelivery = 'delivered',
  ): Promise<Check[]> {
    await startClean();
    const pair =
      trigger === 'held alert'
        ? `${subject.pair}-held`
        : mode === 'auto'
          ? subject.pair
          : `${subject.pair}-approve`;
    const url = simulatorUrl(env, provider);
    if (answer === 'down') await losePrimary(env, subject.pair);
    const fault = faultFor(answer);
    if (fault)
      await fetch(`${url}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify({ ...subject.observerFault, fault }),
      });
    const since = (await env.store.list({ pair, limit: 1 })).items[0]?.id ?? '';
    const callsBefore = await promotionCalls();
    const risksBefore = env.sink.pairRisks().length;

    let decisionIds: string[] = [];
    let manualStatus: number | undefined;
    let woken: Awaited<ReturnType<typeof heldAlert>> | undefined;
    if (trigger === 'held alert') {
      woken = await heldAlert(pair, delivery);
      decisionIds = woken.id ? [woken.id] : [];
    } else if (trigger === 'manual') {
      const event = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
      event.body = JSON.stringify({ pair });
      delete event.headers['idempotency-key'];
      manualStatus = httpAnswer(await promoteStandby(event, lambdaContext())).status;
    } else {
      const ids = await Promise.all(
        Array.from({ length: trigger === 'concurrent alerts' ? 2 : 1 }, () => sendAlert(pair)),
      );
      decisionIds = ids.filter((id): id is string => id !== undefined);
    }

    // Follow whatever was started to its end, or to a person's decision.
    const started = () =>
      env.store.list({ pair, limit: 20 }).then((l) => l.items.filter((o) => o.id > since));
    for (const operation of await started())
      if (operation.state !== 'PENDING_APPROVAL')
        await pollUntilDone(env.store, operation.id, 200).catch(() => undefined);
    const operations = await started();
    const decisions = (await Promise.all(decisionIds.map((id) => deps.failover.getDecision(id)))).filter(
      (d): d is Decision => d !== undefined,
    );
    const promotionsSent = (await promotionCalls()) - callsBefore;
    const writableAtEnd = await writablePrimaries();

    // The old primary comes back: whatever was promoted over it must not take writes beside the new one.
    if (answer === 'down') await losePrimary(env, subject.pair, true);
    await fetch(`${url}/_sandbox/faults`, { method: 'DELETE' });
    for (let tick = 0; tick < 30; tick++) {
      await pollUntilDone(env.store, operations[0]?.id ?? 'none', 1).catch(() => undefined);
      const atRisk = (await deps.failover.getPairState(pair)).atRisk;
      if (!atRisk && (await writablePrimaries()).length <= 1) break;
    }
    const writableAfterReturn = await writablePrimaries();
    const risks = env.sink
      .pairRisks()
      .slice(risksBefore)
      .filter((r) => r.pair.name === pair);
    const brake = await deps.failover.getBrake();
    const lock = await env.store.getLock(`pair:${pair}`, new Date());
    const holder = lock && (await env.store.get(lock.operationId));

    const verdict = expectedVerdict(provider, answer);
    const promoted = operations.find((o) => o.kind === 'promote-standby' && o.state === 'SUCCEEDED');
    const checks: Check[] = [];
    const check = (invariant: string, ok: boolean, detail: string) => checks.push({ invariant, ok, detail });

    if (woken) {
      check('the alert was held, and woke itself up', woken.wakeUps > 0, `${woken.wakeUps} wake-up(s) sent`);
      check(
        'a wake-up delivered early decides nothing and asks no one',
        woken.earlyLeftItHolding,
        delivery === 'early' ? 'decided or observed before its hold-off ended' : 'not early',
      );
    }
    if (trigger !== 'manual') {
      const expected = expectedOutcome(provider, answer, mode);
      const outcomes = decisions.map((d) => d.outcome);
      // Two alerts at once: one decides, the other finds the pair claimed, or both decline alike.
      const allowed = trigger === 'concurrent alerts' ? [expected, 'suppressed'] : [expected];
      check(
        'the decision is what the rules say',
        outcomes.length === decisionIds.length &&
          outcomes.length > 0 &&
          outcomes.every((o) => allowed.includes(o)) &&
          outcomes.includes(expected),
        `expected ${expected}, got ${outcomes.join(', ')}`,
      );
      const phrase =
        verdict === 'up' ? 'the primary is up' : verdict === 'unknown' ? 'could not be confirmed down' : '';
      check(
        'the reason says what was observed',
        decisions.every(
          (d) =>
            d.outcome === 'suppressed' ||
            (d.reason.includes(phrase) && (d.observation?.evidence.length ?? 0) > 0),
        ),
        decisions
          .map((d) => d.reason)
          .join(' | ')
          .slice(0, 300),
      );
      check(
        'no promotion on unknown or up without a person',
        verdict === 'down' || promotionsSent === 0,
        `${promotionsSent} promotion(s) sent on ${verdict}`,
      );
      check(
        'counted once against the brake',
        brake.recent.length <= 1,
        `${brake.recent.length} failovers counted`,
      );
    } else {
      // A person's promotion over a primary not confirmed down waits for a second person, or is refused
      // (a planned failover that cannot fence first; OCP's own refusal while its primary answers).
      check(
        "one person's word never promotes over a primary not confirmed down",
        verdict === 'down' || (promotionsSent === 0 && [202, 409, 422, 502].includes(manualStatus ?? 0)),
        `answered ${manualStatus}, ${promotionsSent} promotion(s) sent`,
      );
      check(
        'a promotion over a lost primary goes ahead at once',
        verdict !== 'down' || manualStatus === 202,
        `answered ${manualStatus}`,
      );
    }
    check(
      'one promotion per pair',
      // One that a rule refused before anything was sent frees the pair: a later alert may ask again.
      operations.filter(
        (o) => o.kind === 'promote-standby' && o.state !== 'REJECTED' && o.state !== 'CANCELLED',
      ).length <= 1 && promotionsSent <= 1,
      `${operations.map((o) => o.state).join(', ')}; ${promotionsSent} promotion(s) sent`,
    );
    check('at most one writable primary at the end', writableAtEnd.length <= 1, writableAtEnd.join(', '));
    check(
      'at most one writable primary once the old one returns',
      writableAfterReturn.length <= 1,
      writableAfterReturn.join(', '),
    );
    check(
      'fencing as the policy says (required)',
      !promoted ||
        promoted.fencing?.state === 'fenced' ||
        (promoted.fencing?.state === 'deferred' && verdict === 'down'),
      `promoted with fencing ${promoted?.fencing?.state ?? 'none'}`,
    );
    check(
      'a pair left at risk is announced, and again when fenced',
      promoted?.fencing?.state !== 'deferred' ||
        (risks.some((r) => r.pair.risk === 'split-brain') && risks.some((r) => r.pair.risk === 'fenced')),
      risks.map((r) => r.pair.risk).join(', ') || 'none announced',
    );
    // A decision's claim whose promotion the queue could not take yet (the provider did not answer its precheck)
    // stays until SQS retries it, or a minute passes and the next request takes the pair.
    const claimedFor = decisions.some(
      (d) => d.outcome === 'needs-approval' && d.operationId === lock?.operationId,
    );
    check(
      'the pair is free unless a promotion waits for a person',
      !lock || holder?.state === 'PENDING_APPROVAL' || (!holder && claimedFor),
      lock ? `held by ${lock.operationId} (${holder?.state ?? 'no operation'})` : 'free',
    );
    return checks;
  }

  describe(`safety matrix: promote-standby on ${provider}`, () => {
    for (const answer of ANSWERS)
      for (const mode of MODES)
        for (const trigger of TRIGGERS)
          it(`keeps every rule when the observer says ${answer}, mode ${mode}, trigger ${trigger}`, async () => {
            const checks = await runCell(answer, mode, trigger);
            results.push({ answer, mode, trigger, checks });
            expect(checks.filter((c) => !c.ok)).toEqual([]);
          });
    for (const answer of HELD_ANSWERS)
      for (const delivery of FOLLOW_UP_DELIVERIES)
        it(`keeps every rule when the observer says ${answer}, mode auto, a held alert's wake-up ${delivery}`, async () => {
          const checks = await runCell(answer, 'auto', 'held alert', delivery);
          results.push({ answer, mode: 'auto', trigger: `held alert, wake-up ${delivery}`, checks });
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        });
  });
}
