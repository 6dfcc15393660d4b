import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load-config.js';
import { createDeps } from '../../shared/create-deps.js';
import type { Deps } from '../../shared/deps.js';
import { resetSimulator, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { pollUntilDone, settleOperations } from '../support/operations.js';
import { losePrimary, retireOldPrimaries } from '../support/outage.js';
import {
  ADMIN,
  APPROVER,
  OPERATOR,
  READER,
  repliesTo as repliesToCommand,
  type Signed,
  sendSlashCommand,
  slashCommand as signedCommand,
} from '../support/slack-command.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
let deps: Deps;

const LEDGER_DR = '9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din03';

beforeAll(async () => {
  env = environment();
  const config = await loadConfig(env.env.SWITCHYARD_CONFIG, async () => '', env.env);
  deps = await createDeps(config, { env: env.env });
});

beforeEach(async () => {
  // Idle pairs and a released brake for each command.
  await settleOperations(env.store, deps);
  await resetSimulator(env.huawei.url);
  await retireOldPrimaries('ledger-pg');
  const brake = await deps.failover.getBrake();
  await deps.failover.putBrake({ engaged: false, recent: [], version: brake.version + 1 });
});

const slashCommand = (user: string, text: string, options: Parameters<typeof signedCommand>[3] = {}) =>
  signedCommand(env, user, text, options);
const send = sendSlashCommand;
const repliesTo = (signed: Signed) => repliesToCommand(env, signed);
const operationsOn = async (pair: string) => (await env.store.list({ pair, limit: 100 })).items;

describe('the Slack slash command', () => {
  it('answers a correctly signed command, even base64-encoded by API Gateway', async () => {
    const answer = await send(slashCommand(OPERATOR, 'help', { base64: true }));
    expect(answer.status).toBe(200);
    expect(answer.body.response_type).toBe('ephemeral');
    // Slack's text is escaped mrkdwn: `&lt;pair&gt;` is what shows as `<pair>`.
    expect(answer.body.text).toContain('`switchover &lt;pair&gt; [--dry-run]`');
  });

  it('refuses a wrong signature, a stale timestamp and a replayed body, doing nothing', async () => {
    const before = (await operationsOn('orders-ob')).length;
    const forged = await send(slashCommand(OPERATOR, 'switchover orders-ob', { secret: 'guessed' }));
    expect(forged.status).toBe(401);
    expect(forged.headers['content-type']).toBe('application/problem+json');
    const stale = await send(
      slashCommand(OPERATOR, 'switchover orders-ob', { timestamp: Math.floor(Date.now() / 1000) - 301 }),
    );
    expect(stale.status).toBe(401);
    expect(stale.body.detail).toContain('five minutes');

    const original = slashCommand(OPERATOR, 'switchover orders-ob --dry-run');
    expect((await send(original)).status).toBe(200);
    const replayed = await send(original);
    expect(replayed.status).toBe(409);
    expect(replayed.body.detail).toContain('replay');
    expect((await operationsOn('orders-ob')).length).toBe(before);
    expect(repliesTo(original)).toHaveLength(1);
  });

  it('politely refuses an unknown user and a missing scope, and gives help for an unknown command', async () => {
    const before = (await operationsOn('orders-ob')).length;
    const stranger = await send(slashCommand('U0STRANGER', 'switchover orders-ob'));
    expect(stranger.body.text).toContain("Sorry, I don't know you (Slack user U0STRANGER)");
    const reader = await send(slashCommand(READER, 'switchover orders-ob'));
    expect(reader.body.text).toBe(
      'Sorry, rita.reader: `switchover` needs the "operate" scope, which you don\'t have. Nothing was done; ask a Switchyard admin if you need it.',
    );
    expect((await operationsOn('orders-ob')).length).toBe(before);

    const unknown = await send(slashCommand(OPERATOR, 'failover orders-ob'));
    expect(unknown.body.text).toContain('I don\'t know the command "failover"');
    expect(unknown.body.text).toContain('`promote &lt;pair&gt; [--allow-data-loss]`');
  });

  it('lists the pairs with their failover mode', async () => {
    const answer = await send(slashCommand(READER, 'pairs'));
    expect(answer.body.text).toContain('*ledger-pg* (huawei, failover auto)');
    expect(answer.body.text).toContain('*billing-rds* (alibaba, failover approve)');
  });

  it('runs a switchover through its queue and posts each state change to the response_url', async () => {
    const command = slashCommand(OPERATOR, 'switchover orders-ob');
    const answer = await send(command);
    expect(answer.body.text).toBe(
      'On it: switchover on *orders-ob* is queued. Each state change will be posted here.',
    );
    const [operation] = await operationsOn('orders-ob');
    expect(operation).toMatchObject({
      kind: 'switchover',
      source: 'chat',
      requestedBy: { principal: 'olivia.operator', channel: 'chat' },
    });
    const done = await pollUntilDone(env.store, operation?.id as string);
    expect(done.state).toBe('SUCCEEDED');

    const replies = repliesTo(command);
    expect(replies.every((r) => r.response_type === 'in_channel')).toBe(true);
    expect(replies.map((r) => r.text)).toEqual([
      expect.stringContaining('SUBMITTING'),
      expect.stringContaining('SUBMITTING -&gt; RUNNING'),
      expect.stringContaining('RUNNING -&gt; SUCCEEDED'),
    ]);
    expect(JSON.stringify(replies.at(-1))).toContain('10 done / 0 running / 0 waiting / 0 failed');

    // The channel's incoming webhook and the SNS topic heard of the same changes, each once.
    const id = operation?.id as string;
    const channel = env.sink.slack.filter((p) => p.path === '/slack/incoming' && p.body.text.includes(id));
    const paged = env.sink.sns.filter((m) => m.message.default?.includes(id));
    const webhook = env.sink.forOperation(id);
    expect(channel.length).toBe(webhook.length);
    expect(paged.length).toBe(webhook.length);
    expect(new Set(paged.map((m) => JSON.parse(m.message.default as string).id)).size).toBe(paged.length);
    const last = paged.at(-1);
    expect(last?.topicArn).toBe('arn:aws:sns:us-east-1:000000000000:switchyard-dev-notifications');
    expect(last?.message.email).toContain('RUNNING -> SUCCEEDED');
    expect(last?.message.email).toContain('Next: Nothing to do.');
    expect(last?.subject?.length).toBeLessThanOrEqual(100);
  });

  it("posts a dry run's findings and starts nothing", async () => {
    const command = slashCommand(OPERATOR, 'switchover orders-ob --dry-run');
    const before = (await operationsOn('orders-ob')).length;
    expect((await send(command)).body.text).toContain('Checking: switchover (dry run)');
    expect(repliesTo(command)[0]?.text).toBe('Dry run of switchover on orders-ob: it would proceed.');
    expect((await operationsOn('orders-ob')).length).toBe(before);
  });

  it('shows the status of an operation, of a pair, and of everything running', async () => {
    await send(slashCommand(OPERATOR, 'switchover orders-ob'));
    const [operation] = await operationsOn('orders-ob');
    const id = operation?.id as string;
    const one = await send(slashCommand(READER, `status ${id.toLowerCase()}`));
    expect(one.body.text).toContain(`switchover on orders-ob (${id})`);
    expect(JSON.stringify(one.body.blocks)).toContain('*Next:*');
    const pair = await send(slashCommand(READER, 'status orders-ob'));
    expect(pair.body.text).toContain(`\`${id}\``);
    const all = await send(slashCommand(READER, 'status'));
    expect(all.body.text).toMatch(/^Running now:\n\*switchover\* on \*orders-ob\*/);
    await pollUntilDone(env.store, id);
    expect((await send(slashCommand(READER, 'status'))).body.text).toBe('Nothing is running.');
  });

  it('holds a data-loss promotion for two approvers, refusing the requester, and runs it', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = slashCommand(OPERATOR, 'promote ledger-pg --allow-data-loss');
    await send(asked);
    const [waiting] = (await operationsOn('ledger-pg')).filter((o) => o.kind === 'promote-standby');
    expect(waiting).toMatchObject({ state: 'PENDING_APPROVAL', approval: { approversNeeded: 2 } });
    expect(repliesTo(asked)[0]?.text).toContain('PENDING_APPROVAL');
    const id = waiting?.id as string;

    const self = slashCommand(OPERATOR, `approve ${id}`);
    expect((await send(self)).body.text).toContain('needs the "approve" scope');
    const selfAdmin = slashCommand(ADMIN, `approve ${id} looks right`);
    await send(selfAdmin);
    expect(repliesTo(selfAdmin)[0]?.text).toContain('is recorded (1 of 2)');
    const twice = slashCommand(ADMIN, `approve ${id}`);
    await send(twice);
    expect(repliesTo(twice)[0]?.text).toContain('was refused: ada has already approved');

    const second = slashCommand(APPROVER, `approve ${id}`);
    expect((await send(second)).body.text).toContain('is on its way');
    expect(repliesTo(second)[0]?.text).toContain('promote-standby on ledger-pg is now RUNNING');
    expect(env.huawei.calls.get('drreplica_to_master')).toBe(1);
    expect((await pollUntilDone(env.store, id)).state).toBe('UNVERIFIED');
    // The requester's conversation heard each state change, not the approvals: the second SUBMITTING is the
    // old primary's fence, sent once the promotion is done (Huawei allows no earlier).
    expect(repliesTo(asked).map((r) => r.text.match(/-&gt; (\w+)\./)?.[1] ?? 'created')).toEqual([
      'created',
      'SUBMITTING',
      'RUNNING',
      'SUBMITTING',
      'UNVERIFIED',
    ]);
    // Ended, it waits for no one: said at once, nothing queued.
    const late = slashCommand(APPROVER, `approve ${id}`);
    expect((await send(late)).body.text).toContain('is UNVERIFIED: nothing waits for a decision');
  });

  it('refuses the requester approving their own operation, and rejects on request', async () => {
    await losePrimary(env, 'ledger-pg');
    const asked = slashCommand(ADMIN, 'promote ledger-pg --allow-data-loss');
    await send(asked);
    const [waiting] = (await operationsOn('ledger-pg')).filter((o) => o.state === 'PENDING_APPROVAL');
    const self = slashCommand(ADMIN, `approve ${waiting?.id}`);
    await send(self);
    expect(repliesTo(self)[0]?.text).toContain(
      'was refused: The requester of an operation cannot approve it',
    );

    const no = slashCommand(APPROVER, `reject ${waiting?.id} primary is back`);
    await send(no);
    expect(repliesTo(no)[0]?.text).toContain('is now REJECTED');
    expect(await env.store.get(waiting?.id as string)).toMatchObject({
      state: 'REJECTED',
      outcome: 'rejected by adam.approver: primary is back',
    });
  });

  it('upgrades with a named minor version', async () => {
    const command = slashCommand(OPERATOR, 'upgrade billing-rds --version rds_postgres_1400_20250430');
    expect((await send(command)).body.text).toContain('upgrade-minor-version on *billing-rds* is queued');
    const [upgrade] = (await operationsOn('billing-rds')).filter((o) => o.kind === 'upgrade-minor-version');
    expect(upgrade?.params).toMatchObject({ targetMinorVersion: 'rds_postgres_1400_20250430' });
    await pollUntilDone(env.store, upgrade?.id as string);
  });

  it('acknowledges a pair and sets the brake, admins only for the brake', async () => {
    const ack = await send(slashCommand(APPROVER, 'ack ledger-pg'));
    expect(ack.body.text).toContain('Acknowledged *ledger-pg*');
    expect(await deps.failover.getPairState('ledger-pg')).toMatchObject({
      acknowledgedBy: 'adam.approver',
    });

    expect((await send(slashCommand(OPERATOR, 'brake on'))).body.text).toContain('needs the "admin" scope');
    expect((await deps.failover.getBrake()).engaged).toBe(false);
    const on = await send(slashCommand(ADMIN, 'brake on maintenance tonight'));
    expect(on.body.text).toContain('Brake engaged');
    expect(await deps.failover.getBrake()).toMatchObject({ engaged: true, reason: 'maintenance tonight' });
    await send(slashCommand(ADMIN, 'brake off'));
    expect((await deps.failover.getBrake()).engaged).toBe(false);
  });

  it('refuses a malformed form with problem+json naming the field', async () => {
    const command = slashCommand(OPERATOR, 'help', { form: { response_url: undefined } });
    const answer = await send(command);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ field: 'body.response_url', message: expect.any(String) }]);
  });

  it('refuses a promotion the DR side cannot take, in the conversation', async () => {
    await fetch(`${env.huawei.url}/_sandbox/instances/${LEDGER_DR}`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'FROZEN' }),
    });
    const command = slashCommand(OPERATOR, 'promote ledger-pg');
    await send(command);
    expect(repliesTo(command)[0]?.text).toContain('REJECTED');
    expect(env.huawei.calls.get('drreplica_to_master') ?? 0).toBe(0);
  });
});
