import type { Dispatcher } from 'undici';
import * as z from 'zod';
import type { Deps } from '../deps.js';
import { describeError } from '../domain/errors.js';
import type { Operation } from '../domain/operation.js';
import { type ApplicationCheck, DEFAULT_VERIFICATION } from '../domain/pair-policy.js';
import { transition } from '../domain/state-machine.js';
import {
  allPassed,
  describeNotPassed,
  PROVIDER_CHECKS,
  ProviderCheckSchema,
  providerSaidNo,
  sameFindings,
  type Verification,
  type VerificationCheck,
} from '../domain/verification.js';
import { request } from '../http/request.js';
import type { CallOptions, OperationDriver, ProviderCheck } from '../providers/provider.js';
import { endOperation } from './end-operation.js';
import { persistAndNotify } from './persist.js';
import { inputOf } from './pipeline.js';
import { markAtRisk, markIfAtRisk } from './split-brain.js';

/**
 * Asks an application check once: 2xx passed, any other status failed, no answer in time unknown. It follows no
 * redirect, and says the URL without its query, which may carry a token.
 */
export async function probeApplication(
  check: ApplicationCheck,
  at: string,
  options: CallOptions & { dispatcher?: Dispatcher } = {},
): Promise<VerificationCheck> {
  const url = new URL(check.url);
  const asked = `${check.method} ${url.origin}${url.pathname}`;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(check.timeoutMs)])
    : AbortSignal.timeout(check.timeoutMs);
  const started = performance.now();
  const base = { name: `app:${check.name}`, by: 'application' as const, at };
  try {
    const answer = await request(check.url, {
      method: check.method,
      signal,
      headersTimeout: check.timeoutMs,
      bodyTimeout: check.timeoutMs,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    await answer.body.dump();
    const ms = Math.round(performance.now() - started);
    const ok = answer.statusCode >= 200 && answer.statusCode < 300;
    return { ...base, outcome: ok ? 'passed' : 'failed', detail: `${asked}: HTTP ${answer.statusCode}`, ms };
  } catch (error) {
    return { ...base, outcome: 'unknown', detail: `${asked}: no answer (${describeError(error)})` };
  }
}

/** One round: the provider's word on both members and every application check of the pair, asked at once. */
async function checkRound(
  deps: Deps,
  operation: Operation,
  driver: OperationDriver,
  options: CallOptions,
): Promise<VerificationCheck[]> {
  const at = deps.now().toISOString();
  const pair = deps.config.pairs.find((p) => p.name === operation.pair);
  const fromProvider = async (): Promise<ProviderCheck[]> => {
    if (!driver.verify) return [];
    try {
      // A driver's answer is checked like any input: a check of another shape is no answer at all.
      const said = z.array(ProviderCheckSchema).safeParse(await driver.verify(inputOf(operation), options));
      return said.success ? said.data : [];
    } catch (error) {
      return PROVIDER_CHECKS.map((name) => ({
        name,
        outcome: 'unknown' as const,
        detail: `no answer (${describeError(error)})`,
      }));
    }
  };
  // Every promotion is confirmed on the same three facts: one the provider said nothing about is unknown.
  const complete = (said: ProviderCheck[]): ProviderCheck[] => [
    ...said,
    ...PROVIDER_CHECKS.filter((name) => !said.some((c) => c.name === name)).map((name) => ({
      name,
      outcome: 'unknown' as const,
      detail: `${operation.provider} offers Switchyard no way to confirm this`,
    })),
  ];
  const [provider, application] = await Promise.all([
    fromProvider().then(complete),
    Promise.all((pair?.verification.checks ?? []).map((check) => probeApplication(check, at, options))),
  ]);
  return [...provider.map((c) => ({ ...c, by: 'provider' as const, at })), ...application];
}

/**
 * After a promotion or switchover's provider job completed: asks whether the pair is what the job said (the
 * promoted member primary and taking writes, the old one fenced or demoted, the application answering). All
 * passed: SUCCEEDED. A provider's positive no, or the pair's window (or the operation's deadline) over with a
 * check not passed: UNVERIFIED, saying what failed. Otherwise the operation stays RUNNING, verifying, and the poller
 * asks again; a round that finds what the last one did is not written. `message` is what happened just before
 * (the job's completion), told with the first round.
 */
export async function verifyPromotion(
  deps: Deps,
  operation: Operation,
  driver: OperationDriver,
  context: { actor: string; message?: string },
  options: CallOptions = {},
): Promise<Operation> {
  const checks = await checkRound(deps, operation, driver, options);
  const now = deps.now();
  const at = now.toISOString();
  const windowSeconds = (
    deps.config.pairs.find((p) => p.name === operation.pair)?.verification ?? DEFAULT_VERIFICATION
  ).windowSeconds;
  const previous = operation.verification;
  const verification: Verification = {
    state: 'verifying',
    startedAt: previous?.startedAt ?? at,
    // The window counts from when the provider said the job was done.
    until:
      previous?.until ??
      new Date(Date.parse(operation.providerDoneAt ?? at) + windowSeconds * 1000).toISOString(),
    checks,
  };
  const lead = context.message ? `${context.message}; ` : '';
  const { actor } = context;
  if (allPassed(checks))
    return endOperation(
      deps,
      transition(
        operation,
        'SUCCEEDED',
        { at, actor, message: `${lead}verified: ${checks.map((c) => c.name).join(', ')} passed` },
        { verification: { ...verification, state: 'verified', finishedAt: at } },
      ),
    );
  const notPassed = describeNotPassed(checks);
  const timeUp =
    now.getTime() >= Date.parse(verification.until) || now.getTime() > Date.parse(operation.deadline);
  if (providerSaidNo(checks) || timeUp) {
    // The provider says the old primary still takes writes (or could): the pair is at risk, whatever the fencing
    // record says, until it is fenced or a person retires it.
    const oldPrimary = checks.find((c) => c.name === 'old-primary.fenced' && c.outcome === 'failed');
    if (oldPrimary)
      await markAtRisk(deps, operation, operation.fencing?.member ?? 'the old primary', oldPrimary.detail);
    return endOperation(
      deps,
      transition(
        operation,
        'UNVERIFIED',
        {
          at,
          actor,
          message: `${lead}not verified${providerSaidNo(checks) ? '' : ` by ${verification.until}`}: ${notPassed}`,
        },
        {
          verification: { ...verification, state: 'unverified', finishedAt: at },
          outcome: `the provider's job completed, but Switchyard could not confirm the result: ${notPassed}`,
        },
      ),
    );
  }
  if (previous && sameFindings(previous.checks, checks)) return operation;
  const message = `${lead}verifying: ${notPassed}; asked again until ${verification.until}`;
  const next =
    operation.state === 'RUNNING'
      ? {
          ...operation,
          verification,
          updatedAt: at,
          events: [...operation.events, { at, actor, type: 'verification' as const, message }],
        }
      : transition(operation, 'RUNNING', { at, actor, message }, { verification });
  // The standby is primary now: an old primary not fenced puts the pair at risk while the checks go on.
  await markIfAtRisk(deps, next);
  return persistAndNotify(deps, next);
}
