import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as alertsAlertmanager } from '../../functions/alerts-alertmanager/handler.js';
import { handler as promoteStandby } from '../../functions/promote-standby/handler.js';
import { handler as reject } from '../../functions/reject-operation/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { parseChatCommand } from '../../shared/chat/chat-commands.js';
import { runChatCommand } from '../../shared/chat/run-chat-command.js';
import type { Deps } from '../../shared/deps.js';
import { evaluateDueDecisions } from '../../shared/failover/decide-alert.js';
import { slackLink } from '../../shared/notify/mrkdwn.js';
import type { SlackMessage } from '../../shared/notify/slack-message.js';
import { depsFor, type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';
import { decideOperation, pollUntilDone, postOperation } from '../support/operations.js';
import { losePrimary } from '../support/outage.js';

/** The reason the security review saw reach Slack verbatim: a channel-wide ping and a disguised link. */
const HOSTILE_REASON = '<!channel> urgent: approve here <https://evil.example/sso|runbook>';
const HOSTILE_COMMENT =
  '<@U0ATTACKER> <!here> fine & done, see <https://evil.example/approve|the approval page>';
const HOSTILE_SUMMARY = '<!subteam^S0DBA> primary down, log in at <https://evil.example/sso|the DR console>';
const HOSTILE_LABEL = '<@U0ATTACKER> <https://evil.example/x|runbook>';

const environment = useTestEnvironment();
let env: TestEnvironment;
/** The functions' deps on a clock the test moves past an alert's hold-off. */
let later: Deps;
let offsetMs = 0;
beforeAll(async () => {
  env = environment();
  later = await depsFor(env, { now: () => Date.now() + offsetMs });
});

type SlackBody = Pick<SlackMessage, 'text'> & { blocks?: unknown[] };

/** Every mrkdwn text of a Slack message: the fallback, and each section's and context's text. */
function mrkdwnTexts(body: SlackBody): string[] {
  const blocks = (body.blocks ?? []) as { text?: { text?: string }; elements?: { text?: string }[] }[];
  const inBlocks = blocks.flatMap((b) => [b.text?.text, ...(b.elements ?? []).map((e) => e.text)]);
  return [body.text, ...inBlocks].filter((t): t is string => typeof t === 'string');
}

/** What Slack would act on: any `<…>` left unescaped (a ping, a mention, a link). Switchyard adds none today. */
const liveSequences = (bodies: SlackBody[]) =>
  bodies.flatMap(mrkdwnTexts).flatMap((text) => text.match(/<[^<>]*>/g) ?? []);

/** What reached the Slack stand-in (incoming webhook and response_urls) that names `id`. */
const slackPostsAbout = (id: string): SlackBody[] =>
  env.sink.slack.map((p) => p.body).filter((body) => JSON.stringify(body).includes(id));

/** Notifications go out beside the work: waits until Slack has told as many of the operation's changes as the webhook. */
async function slackCaughtUp(id: string) {
  await expect
    .poll(
      () =>
        slackPostsAbout(id).filter((b) => JSON.stringify(b).includes('*Progress:*')).length ===
          env.sink.forOperation(id).length && env.sink.forOperation(id).length > 0,
      { timeout: 5_000 },
    )
    .toBe(true);
}

function expectOnlyEscaped(bodies: SlackBody[], escaped: string) {
  expect(bodies.length).toBeGreaterThan(0);
  expect(liveSequences(bodies)).toEqual([]);
  expect(bodies.flatMap(mrkdwnTexts).some((text) => text.includes(escaped))).toBe(true);
}

let alertSeq = 0;
/** The published Alertmanager example with the labels and summary given, firing now. */
async function sendAlert(labels: Record<string, string>, summary: string) {
  const event = loadEvent<APIGatewayProxyEventV2>('alerts', 'alertmanager-firing');
  const body = JSON.parse(event.body as string);
  Object.assign(body.alerts[0], {
    labels,
    annotations: { summary },
    fingerprint: `hostile-${Date.now()}-${alertSeq++}`,
    startsAt: new Date().toISOString(),
  });
  event.body = JSON.stringify(body);
  const answer = httpAnswer(await alertsAlertmanager(event, lambdaContext()));
  expect(answer.status).toBe(200);
  return answer.body.decisions[0] as { id: string; outcome: string };
}

const ADMIN = { principal: { principal: 'ada.admin', channel: 'chat' as const }, scopes: ['admin' as const] };
let chatSeq = 0;
/** A slash command as its handler runs it once Slack's signature is checked. */
const chat = (text: string) =>
  runChatCommand(later, {
    user: ADMIN,
    command: parseChatCommand(text),
    slashCommand: '/switchyard',
    replyTo: { slackResponseUrl: `${env.sink.slackUrl}/commands/T0HOSTILE/${++chatSeq}` },
    triggerId: `${Date.now()}.${chatSeq}.hostile`,
  });

describe('Slack mrkdwn injection', () => {
  it("escapes a request's reason in every Slack message about the operation, keeping Switchyard's own formatting", async () => {
    const accepted = await postOperation(switchover, 'switchover', {
      pair: 'orders-ob',
      reason: HOSTILE_REASON,
    });
    expect(accepted.status).toBe(202);
    const id = accepted.body.operation.id as string;
    await pollUntilDone(env.store, id);
    await slackCaughtUp(id);

    const posts = slackPostsAbout(id);
    expectOnlyEscaped(
      posts,
      '&lt;!channel&gt; urgent: approve here &lt;https://evil.example/sso|runbook&gt;',
    );
    expect(posts.flatMap(mrkdwnTexts)).toContainEqual(
      expect.stringContaining('*switchover* on *orders-ob* is *SUCCEEDED*'),
    );
    expect(posts.flatMap(mrkdwnTexts)).toContainEqual(expect.stringContaining(`\`${id}\``));
    // The plain channels carry it as data, as it was asked.
    expect(env.sink.forOperation(id)[0]?.notification.operation.reason).toBe(HOSTILE_REASON);

    expectOnlyEscaped([await chat(`status ${id}`)], '&lt;!channel&gt;');
  });

  it("escapes an alert's name and labels, and the summary its automatic failover names", async () => {
    const unrouted = await sendAlert(
      { alertname: `<!here> ${HOSTILE_LABEL}`, team: HOSTILE_LABEL },
      HOSTILE_SUMMARY,
    );
    expect(unrouted.outcome).toBe('unrouted');
    await expect.poll(() => slackPostsAbout(unrouted.id).length, { timeout: 5_000 }).toBeGreaterThan(0);
    expectOnlyEscaped(slackPostsAbout(unrouted.id), '&lt;!here&gt; &lt;@U0ATTACKER&gt;');

    await losePrimary(env, 'ledger-pg');
    const held = await sendAlert(
      { alertname: 'PostgresPrimaryDown', cluster: 'ledger', team: HOSTILE_LABEL },
      HOSTILE_SUMMARY,
    );
    expect(held.outcome).toBe('holding');
    offsetMs = 31_000;
    await evaluateDueDecisions(later);
    offsetMs = 0;
    const { items } = await env.store.list({ pair: 'ledger-pg', limit: 10 });
    const promotion = items.find((o) => o.trigger?.decisionId === held.id);
    expect(promotion?.reason).toContain(HOSTILE_SUMMARY);
    await pollUntilDone(env.store, promotion?.id as string);
    await slackCaughtUp(promotion?.id as string);
    expectOnlyEscaped(slackPostsAbout(promotion?.id as string), '&lt;!subteam^S0DBA&gt; primary down');
    expectOnlyEscaped(slackPostsAbout(held.id), 'alert *PostgresPrimaryDown* on *ledger-pg*');
  });

  it("escapes a rejection's comment in the outcome Slack is told", async () => {
    const asked = await postOperation(promoteStandby, 'promote-standby', { pair: 'billing-rds' });
    expect(asked.body.operation.state).toBe('PENDING_APPROVAL');
    const id = asked.body.operation.id as string;

    const rejected = await decideOperation(reject, id, 'sandbox-approver-key', HOSTILE_COMMENT);
    expect(rejected.body.operation.state).toBe('REJECTED');
    await slackCaughtUp(id);

    expectOnlyEscaped(
      slackPostsAbout(id),
      '*Why:* rejected by api-key:sandbox-approver: &lt;@U0ATTACKER&gt; &lt;!here&gt; fine &amp; done',
    );
  });

  it("escapes what people type into the slash command: a brake's reason, a pair's name, an unknown command", async () => {
    expectOnlyEscaped([await chat(`brake on ${HOSTILE_REASON}`)], '(&lt;!channel&gt; urgent');
    await chat('brake off');
    expectOnlyEscaped([await chat('status <!channel>')], 'No pair named "&lt;!channel&gt;"');
    // The help that follows keeps its own `<pair>` placeholders as text, not as links Slack would try to open.
    expectOnlyEscaped([await chat('<!here> now')], 'I don\'t know the command "&lt;!here&gt;"');
  });

  it("keeps Switchyard's own links live, with their labels escaped", () => {
    expect(slackLink('https://switchyard.example/v1/operations/01J|x', '<!channel> & co').text).toBe(
      '<https://switchyard.example/v1/operations/01J%7Cx|&lt;!channel&gt; &amp; co>',
    );
  });
});
