import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackRequest } from '../../../shared/chat/slack-signature.js';

// Slack's own example, from https://api.slack.com/docs/verifying-requests-from-slack.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const headers = { 'x-slack-request-timestamp': TIMESTAMP, 'x-slack-signature': SIGNATURE };
const at = (seconds: number) => new Date(seconds * 1000);

describe('Slack request signatures (v0)', () => {
  it("matches Slack's published example", () => {
    expect(slackSignature(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(() => verifySlackRequest(SECRET, headers, BODY, at(1531420618 + 299))).not.toThrow();
  });

  it('refuses a changed body, a missing header and a timestamp over five minutes either way', () => {
    expect(() => verifySlackRequest(SECRET, headers, `${BODY}x`, at(1531420618))).toThrow(/does not match/);
    expect(() =>
      verifySlackRequest(SECRET, { 'x-slack-signature': SIGNATURE }, BODY, at(1531420618)),
    ).toThrow(/Missing/);
    expect(() => verifySlackRequest(SECRET, headers, BODY, at(1531420618 + 301))).toThrow(/five minutes/);
    expect(() => verifySlackRequest(SECRET, headers, BODY, at(1531420618 - 301))).toThrow(/five minutes/);
  });
});
