import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationTableDefinition } from '../shared/store/table-definition.js';
import { repoPath } from './support/fixtures.js';

type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let outDir: string;

const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'switchyard-package-'));
  // `serverless package` offline, exactly as a deployment would build it.
  await promisify(execFile)(
    repoPath('node_modules/.bin/serverless'),
    ['package', '--stage', 'ci', '--package', outDir],
    {
      cwd: repoPath(''),
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
      timeout: 180_000,
    },
  );
  const template = JSON.parse(
    await readFile(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  resources = template.Resources;
}, 200_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('the packaged CloudFormation template', () => {
  it('holds one function per handler, on the Node 22 runtime', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map((f) => f.Properties.Handler).sort()).toEqual(
      [
        'functions/acknowledge-pair/handler.handler',
        'functions/activate-migration-target/handler.handler',
        'functions/alerts-alertmanager/handler.handler',
        'functions/alerts-cloudwatch/handler.handler',
        'functions/alerts-grafana/handler.handler',
        'functions/approve-operation/handler.handler',
        'functions/chat-slack/handler.handler',
        'functions/configure-dr/handler.handler',
        'functions/get-operation/handler.handler',
        'functions/list-decisions/handler.handler',
        'functions/list-operations/handler.handler',
        'functions/openapi/handler.handler',
        'functions/poll-jobs/handler.handler',
        'functions/promote-standby/handler.handler',
        'functions/reject-operation/handler.handler',
        'functions/set-brake/handler.handler',
        'functions/switchover/handler.handler',
        'functions/upgrade-minor-version/handler.handler',
      ].sort(),
    );
    expect(functions.every((f) => f.Properties.Runtime === 'nodejs22.x')).toBe(true);
  });

  it('routes the HTTP API', () => {
    expect(
      ofType('AWS::ApiGatewayV2::Route')
        .map((r) => r.Properties.RouteKey)
        .sort(),
    ).toEqual(
      [
        'GET /v1/decisions',
        'GET /v1/operations',
        'GET /v1/operations/{id}',
        'GET /v1/openapi.json',
        'POST /v1/alerts/alertmanager',
        'POST /v1/alerts/grafana',
        'POST /v1/brake',
        'POST /v1/chat/slack',
        'POST /v1/dr-relations',
        'POST /v1/migration-activations',
        'POST /v1/operations/{id}/approve',
        'POST /v1/operations/{id}/reject',
        'POST /v1/minor-upgrades',
        'POST /v1/pairs/{pair}/ack',
        'POST /v1/promotions',
        'POST /v1/switchovers',
      ].sort(),
    );
  });

  it.each(['Switchover', 'ConfigureDr', 'PromoteStandby', 'UpgradeMinorVersion', 'ActivateMigrationTarget'])(
    'feeds the %s queue to its function with partial batch failures, and redrives it to a DLQ',
    (name) => {
      const queueArn = JSON.stringify({ 'Fn::GetAtt': [`${name}Queue`, 'Arn'] });
      const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(
        (m) => JSON.stringify(m.Properties.EventSourceArn) === queueArn,
      );
      expect(mappings).toHaveLength(1);
      expect(mappings[0]?.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      const queue = resources[`${name}Queue`] as Resource;
      expect(queue.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({
        'Fn::GetAtt': [`${name}DeadLetterQueue`, 'Arn'],
      });
      expect(resources[`${name}DeadLetterQueue`]?.Type).toBe('AWS::SQS::Queue');
    },
  );

  it('declares the table the code expects, with point-in-time recovery and TTL', () => {
    const table = (resources.OperationsTable as Resource).Properties;
    const expected = operationTableDefinition(table.TableName);
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(table.KeySchema).toEqual(expected.KeySchema);
    expect(table.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(table.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
  });

  it('subscribes the CloudWatch intake to the alarm topic', () => {
    const [subscription] = ofType('AWS::SNS::Subscription');
    expect(subscription?.Properties.TopicArn).toEqual({ Ref: 'AlarmTopic' });
    expect(resources.AlarmTopic?.Type).toBe('AWS::SNS::Topic');
  });

  it('gives every function a notification topic it may publish to, and every operation queue', () => {
    expect(resources.NotificationTopic?.Type).toBe('AWS::SNS::Topic');
    const role = ofType('AWS::IAM::Role')[0];
    const statements = JSON.stringify(role?.Properties.Policies);
    expect(statements).toContain('"sns:Publish"');
    for (const queue of [
      'SwitchoverQueue',
      'PromoteStandbyQueue',
      'UpgradeMinorVersionQueue',
      'ConfigureDrQueue',
      'ActivateMigrationTargetQueue',
    ])
      expect(statements).toContain(`"${queue}"`);
  });

  it('runs the poller on a schedule', () => {
    const [rule] = ofType('AWS::Events::Rule');
    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 minute)');
  });
});
