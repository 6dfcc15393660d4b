/**
 * Slack mrkdwn in which only Switchyard's own formatting is live. Every value put into it (a reason, an alert's
 * name or labels, a comment, a provider's message) is escaped as Slack asks
 * (https://api.slack.com/reference/surfaces/formatting#escaping), so none can ping a channel (`<!channel>`),
 * mention someone (`<@U…>`) or disguise a link (`<https://…|runbook>`).
 */

const BUILT_HERE: unique symbol = Symbol('mrkdwn');

/** Text Slack reads as mrkdwn; only this module makes it, so a message cannot take a bare string by mistake. */
export interface Mrkdwn {
  readonly [BUILT_HERE]: true;
  readonly text: string;
}

const built = (text: string): Mrkdwn => ({ [BUILT_HERE]: true, text });

const isMrkdwn = (value: unknown): value is Mrkdwn =>
  typeof value === 'object' && value !== null && BUILT_HERE in value;

/** Slack's three control characters as entities: `<` and `>` open and close its links and mentions. */
function escapeControlCharacters(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What may be put into mrkdwn: plain values, escaped, or mrkdwn built here, kept as it is. */
type MrkdwnValue = string | number | Mrkdwn;

const asMrkdwnText = (value: MrkdwnValue): string =>
  isMrkdwn(value) ? value.text : escapeControlCharacters(String(value));

/**
 * The template is Switchyard's own formatting (`*bold*`, code, line breaks) and stays live; every value in it is
 * escaped unless it is mrkdwn built here. ``mrkdwn`*${pair}* is *${state}*` ``.
 */
export function mrkdwn(template: TemplateStringsArray, ...values: MrkdwnValue[]): Mrkdwn {
  return built(template.reduce((text, part, i) => text + asMrkdwnText(values[i - 1] as MrkdwnValue) + part));
}

/** Pieces of mrkdwn one after the other, `separator` (Switchyard's own) between them. */
export function joinMrkdwn(pieces: readonly Mrkdwn[], separator: string): Mrkdwn {
  return built(pieces.map((piece) => piece.text).join(separator));
}

/** A link of Switchyard's own, the one `<…>` it makes live: the label escaped, a `|` in the URL encoded. */
export function slackLink(url: string, label: string): Mrkdwn {
  const href = escapeControlCharacters(new URL(url).href.replace(/\|/g, '%7C'));
  return built(`<${href}|${escapeControlCharacters(label)}>`);
}

/** Mrkdwn cut to at most `max` characters, never inside an entity (`&amp;`), marked with an ellipsis when cut. */
export function clipMrkdwn(piece: Mrkdwn, max: number): Mrkdwn {
  if (piece.text.length <= max) return piece;
  return built(`${piece.text.slice(0, max - 1).replace(/&[a-z]*$/, '')}…`);
}
