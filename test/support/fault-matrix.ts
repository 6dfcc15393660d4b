import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateMigrationTargetFunction } from '../../functions/activate-migration-target/handler.js';
import { configureDrFunction } from '../../functions/configure-dr/handler.js';
import { promoteStandbyFunction } from '../../functions/promote-standby/handler.js';
import { switchoverFunction } from '../../functions/switchover/handler.js';
import { upgradeMinorVersionFunction } from '../../functions/upgrade-minor-version/handler.js';
import type { FaultRule } from '../../sandbox/simulator-kit.js';
import type { Deps } from '../../shared/deps.js';
import { isTerminal, type Operation, type OperationKind } from '../../shared/domain/operation.js';
import { canTransition } from '../../shared/domain/state-machine.js';
import { type OperationFunctionSpec, operationFunction } from '../../shared/edge/operation-function.js';
import { RECORD_MARGIN_MS, TIMEOUT_EARLY_MS } from '../../shared/edge/work-signal.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import type { RegisteredProvider as ProviderName } from '../../shared/providers/registry.js';
import { type ContainerFault, containerWith, SimulatedCrash } from './dying-container.js';
import { depsFor, resetSimulator, type TestEnvironment, useTestEnvironment } from './environment.js';
import { loadEvent } from './fixtures.js';
import {
  deliverFollowUps,
  type FollowUpDelivery,
  type HeldFollowUps,
  holdingFollowUps,
} from './held-follow-ups.js';
import { httpAnswer, lambdaContext } from './lambda.js';
import { losePrimary, retireOldPrimaries } from './outage.js';

/** One operation kind on one provider, as the matrix drives it. */
interface Subject {
  kind: OperationKind;
  provider: ProviderName;
  pair: string;
  body: Record<string, unknown>;
  /** The provider route that starts the job (the first phase's, for configure-dr). */
  submitRoute: string;
  spec: OperationFunctionSpec<never>;
  /**
   * How a run that completes ends: a promotion over a lost primary that cannot be fenced yet is done at the provider
   * but not confirmed safe, so UNVERIFIED.
   */
  completes?: Operation['state'];
}

const SUBJECTS: Subject[] = [
  {
    kind: 'switchover',
    provider: 'oceanbase',
    pair: 'orders-ob',
    submitRoute: 'switchover',
    spec: switchoverFunction,
  },
  {
    kind: 'promote-standby',
    provider: 'oceanbase',
    pair: 'payments-ob',
    submitRoute: 'failover',
    spec: promoteStandbyFunction,
    completes: 'UNVERIFIED',
  },
  {
    kind: 'configure-dr',
    provider: 'huawei',
    pair: 'orders-pg',
    submitRoute: 'build_master_dr_relation',
    spec: configureDrFunction,
  },
  {
    kind: 'promote-standby',
    provider: 'huawei',
    pair: 'ledger-pg',
    submitRoute: 'drreplica_to_master',
    spec: promoteStandbyFunction,
    completes: 'UNVERIFIED',
  },
  {
    kind: 'upgrade-minor-version',
    provider: 'huawei',
    pair: 'ledger-pg',
    submitRoute: 'db-upgrade',
    spec: upgradeMinorVersionFunction,
  },
  {
    kind: 'activate-migration-target',
    provider: 'alibaba',
    pair: 'crm-migration',
    submitRoute: 'ActivateMigrationTargetInstance',
    spec: activateMigrationTargetFunction,
  },
  {
    kind: 'promote-standby',
    provider: 'alibaba',
    pair: 'billing-rds',
    submitRoute: 'DeleteReplicationLink',
    spec: promoteStandbyFunction,
  },
  {
    kind: 'upgrade-minor-version',
    provider: 'alibaba',
    pair: 'billing-rds',
    submitRoute: 'UpgradeDBInstanceKernelVersion',
    spec: upgradeMinorVersionFunction,
  },
].map((s) => ({ ...s, body: { pair: s.pair }, spec: s.spec as OperationFunctionSpec<never> }) as Subject);

/** How long the provider keeps a slow answer, and how long Switchyard waits for one, in these tests. */
const PROVIDER_TIMEOUT_MS = 1_000;
const SLOW_ANSWER_MS = 1_500;

/** What a cell does to the request, the provider, the store or the poller. */
interface Fault {
  name: string;
  /** Injected into the provider's simulator before the request. */
  providerFault?: (subject: Subject) => FaultRule;
  /** The request is an SQS message delivered this many times at once, then once more. */
  sqsDeliveries?: number;
  /** The request's Lambda container has this fault. */
  requestFault?: ContainerFault;
  /** The request's Lambda has this much time left when invoked. */
  requestRemainingMs?: number;
  /** The first poller tick that touches the operation runs in a container with this fault. */
  pollerFault?: ContainerFault;
  /** Every poller tick runs twice at once. */
  overlappingTicks?: boolean;
  /**
   * The operation follows itself up (poller.followUps), and its follow-up messages are lost (never delivered: the
   * sweep must take the operation up), duplicated (each delivered twice at once) or early (each delivered once at
   * once, before it is due, then when due).
   */
  followUps?: FollowUpDelivery;
  /** Real time the provider needs before the poller may look (a late answer it still applies). */
  settleMs?: number;
  expectedEnd: Operation['state'];
}

const FAULTS: Fault[] = [
  {
    name: 'provider 5xx on submit',
    providerFault: (s) => ({ route: s.submitRoute, times: 1, fault: { kind: 'status', status: 500 } }),
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: 'timeout after the provider accepted',
    providerFault: (s) => ({
      route: s.submitRoute,
      times: 1,
      fault: { kind: 'latency', ms: SLOW_ANSWER_MS },
    }),
    settleMs: SLOW_ANSWER_MS,
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: 'connection reset before the provider read it',
    providerFault: (s) => ({ route: s.submitRoute, times: 1, fault: { kind: 'drop', when: 'before' } }),
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: 'connection reset after the provider applied it',
    providerFault: (s) => ({ route: s.submitRoute, times: 1, fault: { kind: 'drop', when: 'after' } }),
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: '429 with the provider retry header',
    providerFault: (s) => ({
      route: s.submitRoute,
      times: 2,
      fault: { kind: 'throttle', retryAfterSeconds: 0.1 },
    }),
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: 'answer slower than the Lambda time left',
    providerFault: (s) => ({
      route: s.submitRoute,
      times: 1,
      fault: { kind: 'latency', ms: SLOW_ANSWER_MS },
    }),
    requestRemainingMs: TIMEOUT_EARLY_MS + RECORD_MARGIN_MS + 400,
    settleMs: SLOW_ANSWER_MS,
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: 'a job that never finishes',
    providerFault: (s) => ({ route: s.submitRoute, times: 1, fault: { kind: 'stall' } }),
    expectedEnd: 'TIMED_OUT',
  },
  { name: 'duplicate SQS delivery', sqsDeliveries: 2, expectedEnd: 'SUCCEEDED' },
  {
    name: 'crash after the provider accepted, before the store write',
    requestFault: { type: 'crash', on: 'provider', method: 'submit', when: 'after' },
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: 'crash between the provider read and the store write',
    pollerFault: { type: 'crash', on: 'store', method: 'update', when: 'before' },
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: 'crash after the store write, before the announcement',
    pollerFault: { type: 'crash', on: 'store', method: 'update', when: 'after' },
    expectedEnd: 'SUCCEEDED',
  },
  {
    name: 'crash after writing the end, before freeing the pair',
    pollerFault: {
      type: 'crash',
      on: 'store',
      method: 'update',
      when: 'after',
      matching: ([written]) => isTerminal((written as Operation).state),
    },
    expectedEnd: 'SUCCEEDED',
  },
  { name: 'two poller ticks at once', overlappingTicks: true, expectedEnd: 'SUCCEEDED' },
  {
    name: "the store's conditional write failing",
    pollerFault: { type: 'stale', method: 'update' },
    expectedEnd: 'SUCCEEDED',
  },
  { name: 'follow-ups delivered', followUps: 'delivered', expectedEnd: 'SUCCEEDED' },
  { name: 'follow-ups lost', followUps: 'lost', expectedEnd: 'SUCCEEDED' },
  { name: 'follow-ups delivered twice at once', followUps: 'duplicated', expectedEnd: 'SUCCEEDED' },
  { name: 'follow-ups delivered early', followUps: 'early', expectedEnd: 'SUCCEEDED' },
];

interface Check {
  invariant: string;
  ok: boolean;
  detail: string;
}

interface CellResult {
  fault: string;
  subject: string;
  checks: Check[];
  /** Notifications delivered twice under one id (receivers drop them): only where a function died. */
  repeats: number;
}

const crashes = (fault: Fault) => fault.requestFault?.type === 'crash' || fault.pollerFault?.type === 'crash';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jobs the provider actually started, by name: what "submitted once" is measured by. */
async function providerJobs(env: TestEnvironment, provider: ProviderName): Promise<string[]> {
  const url = { oceanbase: env.ocp.url, huawei: env.huawei.url, alibaba: env.alibaba.url }[provider];
  const state = (await (await fetch(`${url}/_sandbox/state`)).json()) as {
    tasks?: { name?: string; TaskType?: string }[];
    jobs?: { name: string }[];
  };
  return (state.jobs ?? state.tasks ?? []).map((j) => ('name' in j ? String(j.name) : String(j.TaskType)));
}

/** The checks every cell must pass, on what a person could observe afterwards. */
async function invariants(
  env: TestEnvironment,
  subject: Subject,
  fault: Fault,
  operations: Operation[],
  now: Date,
): Promise<{ checks: Check[]; repeats: number }> {
  const checks: Check[] = [];
  let repeated = 0;
  const check = (invariant: string, ok: boolean, detail: string) => checks.push({ invariant, ok, detail });
  check('one operation per request', operations.length === 1, `${operations.length} operations`);
  const jobs = await providerJobs(env, subject.provider);
  const perName = new Map<string, number>();
  for (const name of jobs) perName.set(name, (perName.get(name) ?? 0) + 1);
  check(
    'submitted to the provider at most once',
    [...perName.values()].every((n) => n <= 1) && jobs.length > 0,
    `provider jobs: ${jobs.join(', ') || 'none'}`,
  );
  for (const operation of operations) {
    check(
      'ended, or reported stuck',
      isTerminal(operation.state) &&
        operation.state ===
          (fault.expectedEnd === 'SUCCEEDED' ? (subject.completes ?? 'SUCCEEDED') : fault.expectedEnd),
      `${operation.state}${operation.outcome ? `: ${operation.outcome}` : ''}`,
    );
    const told = env.sink.forOperation(operation.id).map((r) => r.notification.id);
    const expected = operation.events.map((_, i) => `${operation.id}:${i + 1}`);
    const distinct = new Set(told);
    check(
      'one notification per change',
      distinct.size === expected.length && expected.every((id) => distinct.has(id)),
      `${distinct.size} distinct notifications for ${expected.length} changes`,
    );
    // A function that dies between a delivery and recording it has that change told again, under the same id.
    const repeats = told.length - distinct.size;
    repeated += repeats;
    check(
      'no repeat unless a function died',
      repeats === 0 || crashes(fault),
      `${repeats} repeated notification ids`,
    );
    let state: Operation['state'] | undefined;
    const trail = operation.events.every((event, i) => {
      if (i === 0) {
        state = event.to;
        return event.type === 'created';
      }
      if (event.type !== 'state') return true;
      const ok =
        state !== undefined &&
        event.from === state &&
        event.to !== undefined &&
        canTransition(state, event.to);
      state = event.to;
      return ok;
    });
    check(
      'an audit event for every step',
      trail && state === operation.state,
      operation.events.map((e) => e.to ?? e.type).join(' > '),
    );
    const lock = await env.store.getLock(`pair:${operation.pair}`, now);
    check('pair lock released', lock === undefined, lock ? `held by ${lock.operationId}` : 'free');
    const listed: string[] = [];
    for await (const page of env.store.activePages()) listed.push(...page.map((o) => o.id));
    for await (const page of env.store.untoldEndedPages()) listed.push(...page.map((o) => o.id));
    check("off the poller's list", !listed.includes(operation.id), listed.join(', ') || 'empty');
  }
  return { checks, repeats: repeated };
}

/**
 * The fault matrix for the operation kinds of some providers: every fault against every kind, a real flow
 * through the function's handler, the simulators and dynalite, then the invariants; prints the table.
 */
export function faultMatrix(providers: ProviderName[]) {
  const environment = useTestEnvironment();
  let env: TestEnvironment;
  let healthy: Deps;
  let clock = Date.now();
  const results: CellResult[] = [];

  beforeAll(async () => {
    env = environment();
    healthy = await depsFor(env, {
      now: () => clock,
      adjust: (config) => {
        for (const provider of Object.values(config.providers))
          if (provider) provider.timeoutMs = PROVIDER_TIMEOUT_MS;
      },
    });
  });

  afterAll(() => {
    const checks = results.flatMap((r) => r.checks);
    const violations = checks.filter((c) => !c.ok);
    const rows = FAULTS.map((fault) => {
      const cells = results.filter((r) => r.fault === fault.name);
      const all = cells.flatMap((c) => c.checks);
      const repeats = cells.reduce((sum, c) => sum + c.repeats, 0);
      return `| ${fault.name} | ${cells.length} | ${all.length} | ${all.filter((c) => !c.ok).length} | ${repeats} |`;
    });
    process.stdout.write(
      [
        '',
        `Fault matrix (${providers.join(', ')}): ${results.length} cells, ${checks.length} invariant checks, ${violations.length} violations`,
        '| fault | cells | invariant checks | violations | repeated notification ids (dropped by receivers) |',
        '|---|---|---|---|---|',
        ...rows,
        ...violations.map((v) => `VIOLATION ${v.invariant}: ${v.detail}`),
        '',
      ].join('\n'),
    );
  });

  async function resetProviders() {
    await Promise.all([env.ocp.url, env.huawei.url, env.alibaba.url].map((url) => resetSimulator(url)));
  }

  async function injectProviderFault(subject: Subject, rule: FaultRule) {
    const url = { oceanbase: env.ocp.url, huawei: env.huawei.url, alibaba: env.alibaba.url }[
      subject.provider
    ];
    await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });
  }

  async function request(subject: Subject, fault: Fault, deps: Deps) {
    const handler = operationFunction(subject.spec, async () => deps);
    const context = lambdaContext(fault.requestRemainingMs);
    if (fault.sqsDeliveries) {
      const event = loadEvent<SQSEvent>('sqs', 'switchover');
      const record = event.Records[0] as SQSEvent['Records'][number];
      record.messageId = `matrix-${subject.kind}-${subject.provider}-${clock}`;
      record.body = JSON.stringify(subject.body);
      // SQS may hand the same message to two containers at once, and again after a visibility timeout.
      await Promise.all(Array.from({ length: fault.sqsDeliveries }, () => handler(event, lambdaContext())));
      await handler(event, lambdaContext());
      return undefined;
    }
    const event = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
    event.body = JSON.stringify(subject.body);
    delete event.headers['idempotency-key'];
    return (await handler(event, context).then(httpAnswer, () => undefined))?.status;
  }

  /** Poller ticks until the operations end and every change is told, moving the clock as far as the graces need. */
  async function pollToTheEnd(
    pair: string,
    since: string,
    fault: Fault,
    stalled: boolean,
    followUps?: HeldFollowUps,
  ) {
    let pollerFault = fault.pollerFault ? containerWith(healthy, fault.pollerFault) : undefined;
    for (let tick = 0; tick < 400; tick++) {
      const operations = (await env.store.list({ pair, limit: 20 })).items.filter((o) => o.id > since);
      const settled = operations.every(
        (o) => isTerminal(o.state) && o.events.every((_, i) => o.announced?.includes(i + 1)),
      );
      if (operations.length > 0 && settled) return operations;
      const waiting = operations.some(
        (o) => o.state === 'SUBMITTING' || o.events.some((_, i) => !o.announced?.includes(i + 1)),
      );
      // A job that never ends meets its deadline; a lost submission or announcement waits out its grace.
      clock += stalled && tick > 2 ? 3_600_000 : waiting || tick < 4 ? 61_000 : 1_000;
      if (followUps && fault.followUps) await deliverFollowUps(followUps, fault.followUps, clock);
      const deps = followUps?.deps ?? (pollerFault && !pollerFault.struck() ? pollerFault.deps : healthy);
      if (pollerFault?.struck()) pollerFault = undefined;
      // A tick in a container that dies ends there, as the Lambda would.
      await Promise.all(
        Array.from({ length: fault.overlappingTicks ? 2 : 1 }, () =>
          pollActiveOperations(deps).catch((error: unknown) => {
            if (!(error instanceof SimulatedCrash)) throw error;
          }),
        ),
      );
      await sleep(15);
    }
    throw new Error(`operations on ${pair} did not settle`);
  }

  for (const subject of SUBJECTS.filter((s) => providers.includes(s.provider)))
    describe(`${subject.kind} on ${subject.provider}`, () => {
      for (const fault of FAULTS)
        it(`keeps every invariant under: ${fault.name}`, async () => {
          await resetProviders();
          // A promotion cell before left the pair's old primary unfenced, and the sandbox reset retired it.
          await retireOldPrimaries(subject.pair);
          // A promotion is for a lost primary: on a healthy one it would be a planned failover, refused.
          if (subject.kind === 'promote-standby') await losePrimary(env, subject.pair);
          // Near real time, so the provider's own timestamps and Switchyard's agree as they do in production.
          clock = Date.now();
          const since = (await env.store.list({ pair: subject.pair, limit: 1 })).items[0]?.id ?? '';
          if (fault.providerFault) await injectProviderFault(subject, fault.providerFault(subject));
          const requestContainer = fault.requestFault
            ? containerWith(healthy, fault.requestFault)
            : undefined;
          const followUps = fault.followUps ? holdingFollowUps(healthy) : undefined;
          const status = await request(subject, fault, followUps?.deps ?? requestContainer?.deps ?? healthy);
          if (fault.settleMs) await sleep(fault.settleMs + 100);
          const operations = await pollToTheEnd(
            subject.pair,
            since,
            fault,
            fault.name.includes('never finishes'),
            followUps,
          );
          const { checks, repeats } = await invariants(env, subject, fault, operations, new Date(clock));
          if (followUps) {
            checks.push({
              invariant: 'it followed itself up',
              ok: followUps.sent > 0,
              detail: `${followUps.sent} follow-ups sent`,
            });
            // The live follow-up, and at most one it superseded still in flight (the sweep re-arms one armed for a
            // stage the operation has left): that one finds itself superseded and ends there.
            checks.push({
              invariant: 'one chain of follow-ups',
              ok: followUps.chains <= 2,
              detail: `${followUps.chains} follow-up numbers waiting at once`,
            });
            // A follow-up looked at the operation with its provider (the job may not have moved by then).
            const moved = ['progressed', 'finished', 'unchanged'].some((o) => followUps.outcomes.has(o));
            checks.push({
              invariant: fault.followUps === 'lost' ? 'the sweep took it up' : 'the follow-ups looked at it',
              ok:
                fault.followUps === 'lost'
                  ? followUps.outcomes.size === 0
                  : moved && (fault.followUps !== 'early' || followUps.outcomes.has('early')),
              detail: [...followUps.outcomes].join(', ') || 'none delivered',
            });
          }
          // A caller whose function did not die is told the operation was accepted, even when its outcome is unknown.
          if (!fault.sqsDeliveries && !fault.requestFault)
            checks.push({
              invariant: 'the caller heard 202',
              ok: status === 202,
              detail: `answered ${status}`,
            });
          results.push({
            fault: fault.name,
            subject: `${subject.kind} on ${subject.provider}`,
            checks,
            repeats,
          });
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        });
    });
}
