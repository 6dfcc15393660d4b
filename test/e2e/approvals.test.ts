import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as approve } from '../../functions/approve-operation/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as reject } from '../../functions/reject-operation/handler.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { createDeps } from '../../shared/create-deps.js';
import { pollActiveOperations } from '../../shared/operations/advance-operation.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { decideOperation, pollUntilDone, postOperation } from '../support/operations.js';
import { retireOldPrimaries } from '../support/outage.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
beforeAll(() => {
  env = environment();
});
const LEDGER_PRIMARY = '5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03';
const LEDGER_DR = '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03';

beforeEach(async () => {
  await resetSimulator(env.huawei.url);
  await retireOldPrimaries('ledger-pg');
  // A promotion is for a lost primary: with the primary up it would be a planned failover, refused on Huawei.
  await fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_PRIMARY}`, {
    method: 'PATCH',
    body: JSON.stringify({ status: 'FAILED' }),
  });
});
const promotionsSent = () => env.huawei.calls.get('drreplica_to_master') ?? 0;

const decide = decideOperation;

async function requestDataLossPromotion() {
  const answer = await postOperation(promoteStandby, 'promote-standby', {
    pair: 'ledger-pg',
    allowDataLoss: true,
  });
  expect(answer.status).toBe(202);
  return answer.body.operation;
}

describe('approvals', () => {
  it('holds a data-loss promotion for two distinct approvers, never the requester, then runs it', async () => {
    const waiting = await requestDataLossPromotion();
    expect(waiting).toMatchObject({
      state: 'PENDING_APPROVAL',
      approval: { approversNeeded: 2, approvals: [] },
    });
    expect(promotionsSent()).toBe(0);

    // The requester (the operator key) may not approve, and a read-only key has no approve scope.
    expect((await decide(approve, waiting.id, 'sandbox-operator-key')).status).toBe(403);
    expect((await decide(approve, waiting.id, 'sandbox-reader-key')).status).toBe(403);

    const first = await decide(approve, waiting.id, 'sandbox-admin-key', 'lag checked, accept the loss');
    expect(first.status).toBe(200);
    expect(first.body.operation).toMatchObject({
      state: 'PENDING_APPROVAL',
      approval: { approvals: [{ principal: 'api-key:sandbox-admin' }] },
    });
    expect((await decide(approve, waiting.id, 'sandbox-admin-key')).status).toBe(409);
    expect(promotionsSent()).toBe(0);

    const second = await decide(approve, waiting.id, 'sandbox-approver-key');
    expect(second.body.operation.state).toBe('RUNNING');
    expect(promotionsSent()).toBe(1);
    expect((await pollUntilDone(env.store, waiting.id)).state).toBe('UNVERIFIED');
  });

  it('ends REJECTED when the precheck fails at approval time', async () => {
    const waiting = await requestDataLossPromotion();
    await fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_DR}`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'FROZEN' }),
    });
    await decide(approve, waiting.id, 'sandbox-admin-key');

    const answer = await decide(approve, waiting.id, 'sandbox-approver-key');

    expect(answer.body.operation.state).toBe('REJECTED');
    expect(answer.body.operation.outcome).toContain('[dr.active]');
    expect(promotionsSent()).toBe(0);
    expect(await env.store.getLock('pair:ledger-pg', new Date())).toBeUndefined();
  });

  it('ends REJECTED when a person rejects it, freeing the pair', async () => {
    const waiting = await requestDataLossPromotion();
    const answer = await decide(reject, waiting.id, 'sandbox-approver-key', 'primary is back');
    expect(answer.body.operation).toMatchObject({
      state: 'REJECTED',
      outcome: 'rejected by api-key:sandbox-approver: primary is back',
    });
    expect(await env.store.getLock('pair:ledger-pg', new Date())).toBeUndefined();
  });

  it('ends CANCELLED when no one approves in time, and an approval after that is refused', async () => {
    const waiting = await requestDataLossPromotion();
    const config = await loadConfig(env.env.SWITCHYARD_CONFIG, async () => '', env.env);
    const later = {
      ...(await createDeps(config, { env: env.env })),
      now: () => new Date(Date.now() + 31 * 60_000),
    };

    await pollActiveOperations(later);

    const expired = await env.store.get(waiting.id);
    expect(expired).toMatchObject({ state: 'CANCELLED', outcome: `approval expired at ${waiting.deadline}` });
    expect((await decide(approve, waiting.id, 'sandbox-admin-key')).status).toBe(409);
    expect(promotionsSent()).toBe(0);
  });
});
