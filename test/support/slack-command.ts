import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as chatSlack } from '../../functions/chat-slack/handler.js';
import type { SlackPost } from '../../sandbox/webhook-sink.js';
import { slackSignature } from '../../shared/chat/slack-signature.js';
import type { TestEnvironment } from './environment.js';
import { loadEvent } from './fixtures.js';
import { type HttpAnswer, httpAnswer, lambdaContext } from './lambda.js';

/** The sandbox's Slack app: its signing secret, workspace and people (config/sandbox.yaml). */
export const SLACK_SECRET = 'sandbox-slack-signing-secret';
export const SLACK_TEAM = 'T0SANDBOX';
export const OPERATOR = 'U0SANDBOXOP';
export const APPROVER = 'U0SANDBOXAP';
export const ADMIN = 'U0SANDBOXAD';
export const READER = 'U0SANDBOXRD';

export interface Signed {
  event: APIGatewayProxyEventV2;
  responseUrl: string;
}

let sequence = 0;

/** Slack's published slash-command request (events/http/chat-slack.json) with our fields, signed now. */
export function slashCommand(
  env: { sink: Pick<TestEnvironment['sink'], 'slackUrl'> },
  user: string,
  text: string,
  options: {
    timestamp?: number;
    secret?: string;
    base64?: boolean;
    /** Form fields to set (or, with undefined, remove) after ours: a forged workspace, a foreign response_url. */
    form?: Record<string, string | undefined>;
  } = {},
): Signed {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'chat-slack');
  const form = new URLSearchParams(
    Buffer.from(event.body as string, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8'),
  );
  const n = ++sequence;
  form.set('team_id', SLACK_TEAM);
  form.set('user_id', user);
  form.set('command', '/switchyard');
  form.set('text', text);
  form.set('response_url', `${env.sink.slackUrl}/commands/${SLACK_TEAM}/${n}`);
  form.set('trigger_id', `${Date.now()}.${n}.sandbox`);
  for (const [name, value] of Object.entries(options.form ?? {}))
    value === undefined ? form.delete(name) : form.set(name, value);
  const body = form.toString();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  event.headers['x-slack-request-timestamp'] = timestamp;
  event.headers['x-slack-signature'] = slackSignature(options.secret ?? SLACK_SECRET, timestamp, body);
  event.body = options.base64 ? Buffer.from(body).toString('base64') : body;
  event.isBase64Encoded = options.base64 ?? false;
  return { event, responseUrl: form.get('response_url') ?? '' };
}

/** Sends a signed command to the chat-slack function and reads its answer. */
export async function sendSlashCommand({ event }: Signed): Promise<HttpAnswer> {
  return httpAnswer(await chatSlack(event, lambdaContext()));
}

/** What was posted back to one command's response_url, in order. */
export function repliesTo(env: TestEnvironment, { responseUrl }: Signed): SlackPost['body'][] {
  return env.sink.slack.filter((p) => responseUrl.endsWith(p.path)).map((p) => p.body);
}
