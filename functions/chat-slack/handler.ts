import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { withInvocationSignal } from '../../shared/aws/request-handler.js';
import { parseChatCommand } from '../../shared/chat/chat-commands.js';
import { runChatCommand } from '../../shared/chat/run-chat-command.js';
import { SLACK_MAX_AGE_SECONDS, verifySlackRequest } from '../../shared/chat/slack-signature.js';
import { sharedDeps } from '../../shared/create-deps.js';
import { isUnderPrefix } from '../../shared/domain/allowed-url.js';
import {
  ConflictError,
  ForbiddenError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/domain/errors.js';
import {
  type EdgeContext,
  type EdgeMiddleware,
  forLambdaRuntime,
  loadDeps,
  lowerCaseHeaders,
  problemErrors,
  rawBody,
} from '../../shared/edge/http-middleware.js';
import { validationError } from '../../shared/edge/problem.js';
import { TIMEOUT_EARLY_MS } from '../../shared/edge/work-signal.js';
import { mrkdwn } from '../../shared/notify/mrkdwn.js';
import { type SlackMessage, sectionMessage } from '../../shared/notify/slack-message.js';
import { observed } from '../../shared/telemetry/middleware.js';
import { SlackCommandFormSchema } from './schema.js';

interface SlackContext extends EdgeContext {
  slack: NonNullable<EdgeContext['deps']['config']['chat']['slack']>;
}

/** Without chat.slack every request is refused, before its body is even measured. */
function slackConfigured(): EdgeMiddleware<SlackContext> {
  return {
    before: ({ context }) => {
      const slack = context.deps.config.chat.slack;
      if (!slack)
        throw new UnauthorizedError('Slack is not configured (chat.slack), so every request is refused.');
      context.slack = slack;
    },
  };
}

const ephemeral = (reply: SlackMessage): APIGatewayProxyResultV2 => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ response_type: 'ephemeral', ...reply }),
});

/**
 * Slack's slash command: the signature and its age are checked over the raw body before anything else,
 * a replayed request is refused, and the answer comes within Slack's three seconds.
 */
export const handler = forLambdaRuntime(
  middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, SlackContext>({
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
  })
    .use(observed())
    .use(problemErrors())
    .use(loadDeps(sharedDeps))
    .use(slackConfigured())
    .use(rawBody())
    .use(lowerCaseHeaders())
    .handler((_event, context, { signal }) =>
      withInvocationSignal(signal, async () => {
        const { deps, slack, headers } = context;
        const rawBody = context.rawBody ?? '';
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
        // Signed by our app, but possibly from another workspace it is installed in, or for another app.
        if (form.team_id !== slack.teamId)
          throw new ForbiddenError(`This command comes from another Slack workspace (${form.team_id}).`);
        if (slack.apiAppId && form.api_app_id !== slack.apiAppId)
          throw new ForbiddenError('This command was sent to another Slack app.');
        // Switchyard posts to the response_url: only Slack's own hooks host (or the configured ones) will do.
        if (!isUnderPrefix(form.response_url, slack.responseUrls))
          throw new ValidationError('The response_url is not a Slack hooks URL.', [
            { field: 'body.response_url', message: `must start with ${slack.responseUrls.join(' or ')}` },
          ]);
        const user = slack.users.find((u) => u.userId === form.user_id);
        if (!user) {
          return ephemeral(
            sectionMessage(
              mrkdwn`Sorry, I don't know you (Slack user ${form.user_id}), so I can't act for you. Nothing was done; ask a Switchyard admin to add you to chat.slack.users.`,
            ),
          );
        }
        const reply = await runChatCommand(deps, {
          user: {
            principal: { principal: user.principal, channel: 'chat', person: user.person },
            scopes: user.scopes,
          },
          command: parseChatCommand(form.text),
          slashCommand: form.command,
          replyTo: { slackResponseUrl: form.response_url },
          triggerId: form.trigger_id,
        });
        return ephemeral(reply);
      }),
    ),
);
