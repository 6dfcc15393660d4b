import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as getOperation } from '../../functions/get-operation/handler.js';
import { handler as listOperations } from '../../functions/list-operations/handler.js';
import { handler as switchover } from '../../functions/switchover/handler.js';
import { type TestEnvironment, useTestEnvironment } from '../support/environment.js';
import { loadEvent } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';

const environment = useTestEnvironment();
let env: TestEnvironment;
beforeAll(() => {
  env = environment();
});

function switchoverEvent(change: (event: APIGatewayProxyEventV2) => void) {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
  change(event);
  return event;
}

/** Nothing reached OCP's write APIs and nothing was stored. */
async function expectNothingChanged() {
  expect(env.ocp.calls.get('switchover') ?? 0).toBe(0);
  expect(await env.store.listActive()).toEqual([]);
  expect((await env.store.list({ pair: 'orders-ob', limit: 10 })).items).toEqual([]);
}

describe('the HTTP edge', () => {
  it.each([
    ['no Authorization header', (e: APIGatewayProxyEventV2) => delete e.headers.authorization, 401],
    ['an unknown key', (e: APIGatewayProxyEventV2) => (e.headers.authorization = 'Bearer not-a-key'), 401],
    [
      'another scheme',
      (e: APIGatewayProxyEventV2) => (e.headers.authorization = 'Basic c2FuZGJveDpzYW5kYm94'),
      401,
    ],
    [
      'a read-only key',
      (e: APIGatewayProxyEventV2) => (e.headers.authorization = 'Bearer sandbox-reader-key'),
      403,
    ],
  ])('refuses a switchover with %s and changes nothing', async (_case, change, status) => {
    const answer = httpAnswer(await switchover(switchoverEvent(change), lambdaContext()));
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    await expectNothingChanged();
  });

  it('checks the credential before the body, so an anonymous caller learns nothing about pairs', async () => {
    const answer = httpAnswer(
      await switchover(
        switchoverEvent((e) => {
          delete e.headers.authorization;
          e.body = JSON.stringify({ pair: 'no-such-pair' });
        }),
        lambdaContext(),
      ),
    );
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).not.toContain('no-such-pair');
  });

  it.each([
    ['a missing pair', {}, 'body.pair'],
    ['a pair of the wrong type', { pair: 42 }, 'body.pair'],
    ['a misspelt dryRun', { pair: 'orders-ob', dryrun: true }, 'body.dryrun'],
    ['dryRun as a string', { pair: 'orders-ob', dryRun: 'yes' }, 'body.dryRun'],
  ])('answers 400 naming the field for %s, and changes nothing', async (_case, body, field) => {
    const answer = httpAnswer(
      await switchover(
        switchoverEvent((e) => (e.body = JSON.stringify(body))),
        lambdaContext(),
      ),
    );
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    await expectNothingChanged();
  });

  it('answers 400 for a body that is not JSON, 415 for another media type, 413 for an oversized body', async () => {
    const notJson = httpAnswer(
      await switchover(
        switchoverEvent((e) => (e.body = '{"pair":')),
        lambdaContext(),
      ),
    );
    expect(notJson.status).toBe(400);
    expect(notJson.body.errors).toEqual([{ field: 'body', message: 'not valid JSON' }]);
    const form = httpAnswer(
      await switchover(
        switchoverEvent((e) => (e.headers['content-type'] = 'application/x-www-form-urlencoded')),
        lambdaContext(),
      ),
    );
    expect(form.status).toBe(415);
    const huge = httpAnswer(
      await switchover(
        switchoverEvent((e) => (e.body = JSON.stringify({ pair: 'orders-ob', reason: 'x'.repeat(70_000) }))),
        lambdaContext(),
      ),
    );
    expect(huge.status).toBe(413);
    await expectNothingChanged();
  });

  it('answers 422 naming the pair field for a pair that is not configured', async () => {
    const answer = httpAnswer(
      await switchover(
        switchoverEvent((e) => (e.body = JSON.stringify({ pair: 'nope' }))),
        lambdaContext(),
      ),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([{ field: 'pair', message: 'no pair named "nope"' }]);
    await expectNothingChanged();
  });

  it('answers 422 for an Idempotency-Key that is not printable ASCII', async () => {
    const answer = httpAnswer(
      await switchover(
        switchoverEvent((e) => (e.headers['idempotency-key'] = 'has spaces in it')),
        lambdaContext(),
      ),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0].field).toBe('headers.idempotency-key');
    await expectNothingChanged();
  });

  it('answers 404 for an unknown operation and 400 for an id that is not one', async () => {
    const unknown = loadEvent<APIGatewayProxyEventV2>('http', 'get-operation');
    expect(httpAnswer(await getOperation(unknown, lambdaContext())).status).toBe(404);
    const malformed = loadEvent<APIGatewayProxyEventV2>('http', 'get-operation');
    malformed.pathParameters = { id: '../../etc/passwd' };
    const answer = httpAnswer(await getOperation(malformed, lambdaContext()));
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].field).toBe('path.id');
  });

  it('asks for a pair when listing finished operations, and refuses an unknown state', async () => {
    const event = loadEvent<APIGatewayProxyEventV2>('http', 'list-operations');
    event.queryStringParameters = { state: 'SUCCEEDED' };
    const noPair = httpAnswer(await listOperations(event, lambdaContext()));
    expect(noPair.status).toBe(400);
    expect(noPair.body.errors[0].field).toBe('query.pair');
    event.queryStringParameters = { pair: 'orders-ob', state: 'DONE' };
    const badState = httpAnswer(await listOperations(event, lambdaContext()));
    expect(badState.status).toBe(400);
    expect(badState.body.errors[0].field).toBe('query.state');
  });
});
