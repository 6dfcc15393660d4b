import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { parseChatCommand } from '../../shared/chat/chat-commands.js';
import { runChatCommand } from '../../shared/chat/run-chat-command.js';
import { SLACK_MAX_AGE_SECONDS, verifySlackRequest } from '../../shared/chat/slack-signature.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { AppError, ConflictError, UnauthorizedError } from '../../shared/domain/errors.js';
import { lowerCaseHeaders, MAX_BODY_BYTES, TIMEOUT_EARLY_MS } from '../../shared/edge/http-handler.js';
import { problemResponse, validationError } from '../../shared/edge/problem.js';
import type { SlackMessage } from '../../shared/notify/slack-message.js';
import { SlackCommandFormSchema } from './schema.js';

const ephemeral = (reply: SlackMessage): APIGatewayProxyResultV2 => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ response_type: 'ephemeral', ...reply }),
});

/**
 * Slack's slash command: the signature and its age are checked over the raw body before anything else,
 * a replayed request is refused, and the answer comes within Slack's three seconds.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context>({
  timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
})
  .use({
    onError: async (request) => {
      if (!(request.error instanceof AppError && request.error.expose))
        console.error(`[chat] slack command failed: ${request.error?.stack ?? request.error}`);
      request.response = problemResponse(request.error, request.event.rawPath);
    },
  })
  .handler(async (event) => {
    const deps = await sharedDeps();
    const slack = deps.config.chat.slack;
    if (!slack)
      throw new UnauthorizedError('Slack is not configured (chat.slack), so every request is refused.');
    const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    if (raw.length > MAX_BODY_BYTES)
      throw new AppError('payload_too_large', 413, `The body is over ${MAX_BODY_BYTES} bytes.`);
    const rawBody = raw.toString('utf8');
    const headers = lowerCaseHeaders(event.headers);
    const now = deps.now();
    verifySlackRequest(
      await deps.secrets.resolve(slack.signingSecret, 'chat.slack.signingSecret'),
      headers,
      rawBody,
      now,
    );
    // A signed request is good for five minutes: remember its signature that long, so a copy is refused.
    const signature = headers['x-slack-signature'] as string;
    const seen = await deps.store.putIdempotency(
      `slack-request:${signature}`,
      { operationId: 'slack-request', fingerprint: signature },
      SLACK_MAX_AGE_SECONDS * 2,
      now,
    );
    if (seen) throw new ConflictError('This Slack request was already received; a replay is refused.');

    const parsed = SlackCommandFormSchema.safeParse(Object.fromEntries(new URLSearchParams(rawBody)));
    if (!parsed.success) throw validationError(parsed.error, 'body');
    const form = parsed.data;
    const user = slack.users.find((u) => u.userId === form.user_id);
    if (!user) {
      const text = `Sorry, I don't know you (Slack user ${form.user_id}), so I can't act for you. Nothing was done; ask a Switchyard admin to add you to chat.slack.users.`;
      return ephemeral({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    }
    const reply = await runChatCommand(deps, {
      user: { principal: { principal: user.principal, channel: 'chat' }, scopes: user.scopes },
      command: parseChatCommand(form.text),
      slashCommand: form.command,
      replyTo: { slackResponseUrl: form.response_url },
      triggerId: form.trigger_id,
    });
    return ephemeral(reply);
  });
