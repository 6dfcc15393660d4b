import * as z from 'zod';

/** POST /v1/chat/slack: the form Slack posts for a slash command (fields Switchyard reads; others tolerated). */
export const SlackCommandFormSchema = z.looseObject({
  team_id: z.string().min(1).max(40),
  api_app_id: z.string().max(40).optional(),
  channel_id: z.string().max(40).optional(),
  user_id: z.string().min(1).max(40),
  user_name: z.string().max(100).optional(),
  command: z.string().regex(/^\/[\w-]{1,31}$/, 'a slash command such as /switchyard'),
  text: z.string().max(2000).default(''),
  response_url: z.url({ protocol: /^https?$/ }).max(500),
  // It becomes the idempotency key `slack:<trigger_id>`, which must fit the queue's 200 characters.
  trigger_id: z.string().min(1).max(190),
});
export type SlackCommandForm = z.infer<typeof SlackCommandFormSchema>;
