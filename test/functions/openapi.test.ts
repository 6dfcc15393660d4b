import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import * as z from 'zod';
import {
  type DryRunResultSchema,
  type OpenApiDocument,
  type OpenApiOperation,
  openApiDocument,
  type PairAcknowledgementSchema,
  type PairRolesSetSchema,
} from '../../functions/openapi/document.js';
import { handler as openapi } from '../../functions/openapi/handler.js';
import { SwitchoverRequestSchema } from '../../functions/switchover/schema.js';
import type { acknowledgePair, setPairRoles } from '../../shared/failover/people-actions.js';
import type { DryRunOutcome } from '../../shared/operations/request-operation.js';
import type {
  BrakeViewSchema,
  brakeView,
  describePair,
  listPairs,
  PairDetailSchema,
  PairListSchema,
} from '../../shared/views/pair-status.js';
import { useTestEnvironment } from '../support/environment.js';
import { loadEvent, repoPath } from '../support/fixtures.js';
import { httpAnswer, lambdaContext } from '../support/lambda.js';

useTestEnvironment();

const document: OpenApiDocument = openApiDocument();

const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    route: `${method.toUpperCase()} ${path}`,
    operation: operation as OpenApiOperation,
  })),
);

/** A JSON pointer inside the document, e.g. `#/components/responses/BadRequest`. */
function resolve(ref: string): any {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: any, key) => node?.[key], document);
}

/** Every `$ref` anywhere under a node. */
function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : refsIn(value),
  );
}

/** `METHOD path` of every httpApi event in serverless.yml. */
async function serverlessRoutes(): Promise<string[]> {
  // CloudFormation's short tags (!GetAtt, !Sub) do not matter here: read them as plain values, quietly.
  const config = parse(await readFile(repoPath('serverless.yml'), 'utf8'), { logLevel: 'error' });
  return Object.values(config.functions as Record<string, { events?: Record<string, any>[] }>)
    .flatMap((fn) => fn.events ?? [])
    .filter((event) => event.httpApi)
    .map(({ httpApi }) =>
      typeof httpApi === 'string' ? httpApi : `${httpApi.method.toUpperCase()} ${httpApi.path}`,
    );
}

function openApiEvent(): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>('http', 'get-operation');
  delete event.headers.authorization;
  delete event.pathParameters;
  event.routeKey = 'GET /v1/openapi.json';
  event.rawPath = '/v1/openapi.json';
  event.requestContext.routeKey = event.routeKey;
  event.requestContext.http.path = event.rawPath;
  return event;
}

describe('GET /v1/openapi.json', () => {
  it('answers without a credential, with a valid OpenAPI 3.1 document', async () => {
    const answer = httpAnswer(await openapi(openApiEvent(), lambdaContext()));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const validator = new Validator();
    const result = await validator.validate(answer.body);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(answer.body.openapi).toBe('3.1.0');
  });

  it('describes exactly the httpApi routes serverless.yml deploys', async () => {
    expect(operations.map((o) => o.route).sort()).toEqual((await serverlessRoutes()).sort());
  });

  it('has every $ref point at something in the document', () => {
    const dangling = [...new Set(refsIn(document))].filter((ref) => resolve(ref) === undefined);
    expect(dangling).toEqual([]);
  });

  it.each(operations)('$route declares its security and its problem+json errors', ({ operation }) => {
    const { security, responses } = operation;
    expect(Array.isArray(security)).toBe(true);
    const statuses = Object.keys(responses);
    if (security.length > 0) expect(statuses).toContain('401');
    else expect(['openapi', 'statusPage']).toContain(operation.operationId);
    if (operation.parameters.length > 0 || 'requestBody' in operation) expect(statuses).toContain('400');
    expect(statuses).toContain('500');
    const apiKey = security.find((s) => 'apiKey' in s)?.apiKey;
    if (apiKey) {
      expect(statuses).toContain('403');
      expect(apiKey).toEqual([operation['x-switchyard-scope']]);
    }
    for (const status of statuses.filter((s) => Number(s) >= 400)) {
      const error = resolve((responses as Record<string, { $ref: string }>)[status]!.$ref);
      expect(error.content['application/problem+json'].schema).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
  });

  it('takes request bodies from the zod schemas the functions validate with', () => {
    const body = document.paths['/v1/switchovers']!.post!.requestBody;
    expect(body).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/SwitchoverRequest' } } },
    });
    const schema = document.components.schemas.SwitchoverRequest as Record<string, unknown>;
    expect(schema).toMatchObject({ required: ['pair'], additionalProperties: false });
    const { $schema: _, ...fromZod } = z.toJSONSchema(SwitchoverRequestSchema, {
      target: 'draft-2020-12',
      io: 'input',
    });
    expect(schema).toEqual(fromZod);
  });

  it('documents the answers the code returns (checked by tsc)', () => {
    expectTypeOf<DryRunOutcome>().toExtend<z.output<typeof DryRunResultSchema>>();
    expectTypeOf<Awaited<ReturnType<typeof acknowledgePair>>>().toExtend<
      z.output<typeof PairAcknowledgementSchema>
    >();
    expectTypeOf<Awaited<ReturnType<typeof setPairRoles>>>().toExtend<z.output<typeof PairRolesSetSchema>>();
    expectTypeOf<ReturnType<typeof brakeView>>().toExtend<z.output<typeof BrakeViewSchema>>();
    expectTypeOf<Awaited<ReturnType<typeof listPairs>>>().toExtend<z.output<typeof PairListSchema>>();
    expectTypeOf<Awaited<ReturnType<typeof describePair>>>().toExtend<z.output<typeof PairDetailSchema>>();
  });
});
