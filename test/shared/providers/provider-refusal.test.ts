import { describe, expect, it } from 'vitest';
import { alibabaError } from '../../../shared/providers/alibaba/alibaba-client.js';
import { huaweiError } from '../../../shared/providers/huawei/huawei-client.js';
import { ocpError } from '../../../shared/providers/oceanbase/ocp-client.js';

const alibaba = (status: number, Code: string) =>
  alibabaError({ status, headers: {}, text: JSON.stringify({ Code, Message: 'm', RequestId: 'r' }) });
const huawei = (status: number, error_code: string) =>
  huaweiError({ status, headers: {}, text: JSON.stringify({ error_code, error_msg: 'm' }) });
const ocp = (status: number) =>
  ocpError({
    status,
    headers: {},
    text: JSON.stringify({ successful: false, status, error: { code: 10001, message: 'm' } }),
  });

// One answer for a refusal, whichever provider gave it: 409 for the target's state, 422 for the request itself,
// 502 when the provider failed us (its fault, throttling, or our credentials).
const cases = [
  ['alibaba: the instance is in the wrong state', alibaba(400, 'IncorrectDBInstanceState'), 409],
  ['alibaba: a bad parameter', alibaba(400, 'InvalidParameter'), 422],
  ['alibaba: our signature refused', alibaba(400, 'SignatureDoesNotMatch'), 502],
  ['alibaba: throttled', alibaba(400, 'Throttling.User'), 502],
  ['alibaba: its own failure', alibaba(500, 'InternalError'), 502],
  ['huawei: busy with another job', huawei(400, 'DBS.201202'), 409],
  ['huawei: a refused request', huawei(400, 'DBS.280400'), 422],
  ['huawei: our credentials refused', huawei(401, 'APIGW.0301'), 502],
  ['huawei: throttled', huawei(429, 'APIGW.0308'), 502],
  ['huawei: its own failure', huawei(500, 'DBS.111205'), 502],
  ['ocp: a conflict', ocp(409), 409],
  ['ocp: a refused request', ocp(400), 422],
  ['ocp: no tenant of that id', ocp(404), 422],
  ['ocp: our credentials refused', ocp(401), 502],
  ['ocp: throttled', ocp(429), 502],
  ['ocp: its own failure', ocp(503), 502],
] as const;

describe('a provider refusal, answered the same for every provider', () => {
  it.each(cases)('%s → %i', (_case, error, status) => {
    expect(error.answerStatus).toBe(status);
    expect(error.refusedFor).toBe(status === 409 ? 'state' : status === 422 ? 'request' : 'provider');
  });

  it('sends a busy or throttled request again, and never says a 4xx refusal may have been applied', () => {
    expect(huawei(400, 'DBS.201202')).toMatchObject({ retryable: true, outcome: 'not-applied' });
    expect(ocp(429)).toMatchObject({ retryable: true, outcome: 'not-applied' });
    expect(alibaba(400, 'IncorrectDBInstanceState')).toMatchObject({
      retryable: false,
      outcome: 'not-applied',
    });
    expect(ocp(503)).toMatchObject({ retryable: true, outcome: 'unknown' });
  });
});
