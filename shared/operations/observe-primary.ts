import type { Dispatcher } from 'undici';
import type { PairConfig } from '../config/config-schema.js';
import { describeError } from '../domain/errors.js';
import {
  combineVerdicts,
  type Evidence,
  type Observation,
  type PrimaryVerdict,
} from '../domain/observation.js';
import type { HttpObserver } from '../domain/pair-policy.js';
import { request } from '../http/request.js';
import type { CallOptions, OperationDriver, OperationInput } from '../providers/provider.js';

/** A provider with no health view says nothing about the primary: a person decides. */
function noHealthView(displayName: string): Observation {
  return {
    primary: 'unknown',
    evidence: [
      {
        observer: displayName,
        asked: 'a health view of the primary',
        answer: 'the provider offers none',
        verdict: 'unknown',
      },
    ],
    lagDetail: 'the lag is unknown',
  };
}

/**
 * Probes the pair's own observer once. It follows no redirect (a redirect is not the write path answering) and
 * never waits past its timeout; only a status it was told means down counts as down.
 */
export async function probeHttpObserver(
  observer: HttpObserver,
  options: CallOptions & { dispatcher?: Dispatcher } = {},
): Promise<Evidence> {
  const asked = `GET ${new URL(observer.url).origin}${new URL(observer.url).pathname}`;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(observer.timeoutMs)])
    : AbortSignal.timeout(observer.timeoutMs);
  try {
    const answer = await request(observer.url, {
      method: 'GET',
      signal,
      headersTimeout: observer.timeoutMs,
      bodyTimeout: observer.timeoutMs,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    await answer.body.dump();
    const verdict: PrimaryVerdict =
      answer.statusCode >= 200 && answer.statusCode < 300
        ? 'up'
        : observer.downStatuses.includes(answer.statusCode)
          ? 'down'
          : 'unknown';
    return { observer: 'the pair observer', asked, answer: `HTTP ${answer.statusCode}`, verdict };
  } catch (error) {
    return {
      observer: 'the pair observer',
      asked,
      answer: `no answer (${describeError(error)})`,
      verdict: 'unknown',
      reached: false,
    };
  }
}

/**
 * Every observer of the pair's primary, asked at once: the provider's own view and, when configured, the pair's
 * observer. Down only when all say down; an observer that disagrees makes it unknown, and a person decides.
 */
export async function observePrimary(
  pair: PairConfig,
  provider: { displayName: string },
  driver: OperationDriver,
  input: OperationInput,
  options: CallOptions & { now?: () => Date } = {},
): Promise<Observation> {
  const [seen, own] = await Promise.all([
    driver.observe ? driver.observe(input, options) : noHealthView(provider.displayName),
    pair.failover.observer ? probeHttpObserver(pair.failover.observer, options) : undefined,
  ]);
  const evidence = own ? [...seen.evidence, own] : seen.evidence;
  return {
    ...seen,
    primary: combineVerdicts(evidence.map((e) => e.verdict)),
    evidence,
    at: (options.now?.() ?? new Date()).toISOString(),
  };
}
