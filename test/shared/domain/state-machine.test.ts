import { describe, expect, it } from 'vitest';
import { OPERATION_STATES, type Operation, TERMINAL_STATES } from '../../../shared/domain/operation.js';
import {
  InvalidTransitionError,
  recordSteps,
  TRANSITIONS,
  transition,
} from '../../../shared/domain/state-machine.js';

const operation: Operation = {
  id: '01JD0000000000000000000000',
  kind: 'switchover',
  provider: 'oceanbase',
  pair: 'orders-ob',
  target: { clusterId: 1, tenantId: 1001 },
  params: {},
  state: 'SUBMITTING',
  requestedBy: { principal: 'api-key:ops', channel: 'http' },
  source: 'http',
  findings: [],
  submission: { attempts: 0, ambiguous: false },
  phase: 0,
  jobs: [],
  steps: [],
  createdAt: '2026-11-21T00:00:00.000Z',
  updatedAt: '2026-11-21T00:00:00.000Z',
  deadline: '2026-11-21T01:00:00.000Z',
  version: 1,
  events: [],
};
const context = { at: '2026-11-21T00:00:01.000Z', actor: 'poller', message: 'job 7 submitted' };

describe('operation state machine', () => {
  it('lets nothing out of a terminal state', () => {
    for (const state of TERMINAL_STATES) expect(TRANSITIONS[state]).toEqual([]);
    expect(OPERATION_STATES.filter((s) => TRANSITIONS[s].length > 0)).toEqual([
      'PENDING_APPROVAL',
      'SUBMITTING',
      'RUNNING',
    ]);
  });

  it('records an audit event for every transition and leaves the original untouched', () => {
    const next = transition(operation, 'RUNNING', context);
    expect(next.state).toBe('RUNNING');
    expect(next.events).toEqual([{ ...context, type: 'state', from: 'SUBMITTING', to: 'RUNNING' }]);
    expect(operation.state).toBe('SUBMITTING');
  });

  it('refuses a transition the table does not allow', () => {
    const done = transition(operation, 'FAILED', context);
    expect(() => transition(done, 'RUNNING', context)).toThrow(InvalidTransitionError);
  });

  it('records step progress only when something a person would notice changed', () => {
    const step = { id: '1', name: 'Prepare', status: 'running' as const, upstreams: [], downstreams: [] };
    const first = recordSteps(operation, [step], { at: context.at, actor: 'poller' });
    expect(first?.events.at(-1)?.message).toBe('provider reported 1 steps');
    expect(recordSteps(first as Operation, [step], { at: context.at, actor: 'poller' })).toBeUndefined();
    const done = recordSteps(first as Operation, [{ ...step, status: 'succeeded' }], {
      at: context.at,
      actor: 'poller',
    });
    expect(done?.events.at(-1)?.message).toBe('Prepare: running -> done');
  });
});

describe('step progress', () => {
  it('is announced when it crosses a quarter, not at every percent', () => {
    const step = {
      id: '1',
      name: 'Upgrade',
      status: 'running' as const,
      upstreams: [],
      downstreams: [],
      progress: 10,
    };
    const at = { at: context.at, actor: 'poller' };
    const started = recordSteps(operation, [step], at) as Operation;
    expect(recordSteps(started, [{ ...step, progress: 20 }], at)).toBeUndefined();
    expect(recordSteps(started, [{ ...step, progress: 30 }], at)?.events.at(-1)?.message).toBe(
      'Upgrade: 30%',
    );
  });
});
