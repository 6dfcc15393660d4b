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

// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template
const IN_ACCOUNT = 'arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:';
/** An Fn::Sub ARN in the stack's own partition, region and account. */
const inAccount = (service: string, rest: string) => `${IN_ACCOUNT.replace('%s', service)}${rest}`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template
const SSM_IN_REGION = 'ssm.${AWS::Region}.amazonaws.com';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * A resource of this stack (by Ref or Fn::GetAtt, or an ARN built on one), the stage's own log groups
 * and SSM parameters, or KMS keys that only SSM may use on the role's behalf. Never "*".
 */
function ownResource(resource: unknown, statement: Statement): boolean {
  const usedOnlyBySsm =
    statement.Condition?.StringEquals?.['kms:ViaService'] !== undefined &&
    statement.Condition?.StringLike?.['kms:EncryptionContext:PARAMETER_ARN'] !== undefined;
  // SWITCHYARD_SECRETS_KEY_ARN at deploy time names the one key.
  if (typeof resource === 'string')
    return /^arn:[\w-]+:kms:[\w-]+:\d{12}:key\/[\w-]+$/.test(resource) && usedOnlyBySsm;
  const r = resource as Record<string, any>;
  if (r.Ref) return r.Ref in resources;
  if (r['Fn::GetAtt']) return r['Fn::GetAtt'][0] in resources;
  if (r['Fn::Join'])
    return (r['Fn::Join'][1] as unknown[]).every((part) =>
      typeof part === 'string' ? part !== '*' : ownResource(part, statement),
    );
  const sub = r['Fn::Sub'] as string;
  if (sub.startsWith(inAccount('logs', 'log-group:/aws/lambda/switchyard-ci'))) return true;
  if (sub === inAccount('ssm', 'parameter/switchyard/ci/*')) return true;
  return sub === inAccount('kms', 'key/*') && usedOnlyBySsm;
}

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

  it('limits the role to the table, queues, topic, log groups and SSM parameters Switchyard owns', () => {
    const statements = ofType('AWS::IAM::Role').flatMap((role) =>
      (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
        (policy) => policy.PolicyDocument.Statement,
      ),
    );
    expect(statements.length).toBeGreaterThan(5);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of [statement.Action].flat()) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      for (const resource of [statement.Resource].flat())
        expect(ownResource(resource, statement), JSON.stringify(resource)).toBe(true);
    }

    const parameters = { 'Fn::Sub': inAccount('ssm', 'parameter/switchyard/ci/*') };
    const ssm = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('ssm:')));
    expect(ssm).toEqual([{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [parameters] }]);
    const kms = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(1);
    expect(kms[0]?.Action).toEqual(['kms:Decrypt']);
    expect(kms[0]?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Sub': SSM_IN_REGION } },
      StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameters },
    });
  });

  it('reads the configuration and its secrets again every five minutes', () => {
    for (const fn of ofType('AWS::Lambda::Function'))
      expect(fn.Properties.Environment.Variables.SWITCHYARD_SECRETS_TTL_SECONDS).toBe('300');
  });

  it("alarms into the notification topic on every function's errors and every dead-letter queue's depth", () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map((a) => a.Properties);
    // Alarms go to people, never to AlarmTopic, which feeds failover decisions.
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: 'NotificationTopic' }]);
      expect(alarm.OKActions).toEqual([{ Ref: 'NotificationTopic' }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    const watching = (namespace: string, metric: string, dimension: unknown) =>
      alarms.filter(
        (a) =>
          a.Namespace === namespace &&
          a.MetricName === metric &&
          JSON.stringify(a.Dimensions?.[0]?.Value) === JSON.stringify(dimension),
      );

    const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(18);
    for (const [id] of functions)
      expect(watching('AWS/Lambda', 'Errors', { Ref: id }), id).toEqual([
        expect.objectContaining({
          Statistic: 'Sum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      ]);

    const deadLetterQueues = ofType('AWS::SQS::Queue')
      .map((q) => q.Properties.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0])
      .filter(Boolean);
    expect(deadLetterQueues).toHaveLength(5);
    for (const id of deadLetterQueues)
      expect(
        watching('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { 'Fn::GetAtt': [id, 'QueueName'] }),
        id,
      ).toEqual([expect.objectContaining({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' })]);

    const poller = { Ref: 'PollDashjobsLambdaFunction' };
    expect(watching('AWS/Lambda', 'Throttles', poller)).toHaveLength(1);
    const [slow] = watching('AWS/Lambda', 'Duration', poller);
    const timeoutMs = (resources.PollDashjobsLambdaFunction as Resource).Properties.Timeout * 1000;
    expect(slow).toMatchObject({ Statistic: 'Maximum', Threshold: timeoutMs * 0.8 });
    expect(alarms).toHaveLength(functions.length + deadLetterQueues.length + 2);
  });

  it('runs the poller on a schedule', () => {
    const [rule] = ofType('AWS::Events::Rule');
    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 minute)');
  });
});
