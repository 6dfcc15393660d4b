import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationTableDefinition } from '../shared/store/table-definition.js';
import { METRICS, NAMESPACE } from '../shared/telemetry/metrics.js';
import { repoPath } from './support/fixtures.js';
import { cleanEnv } from './support/isolated-checkout.js';

const REGION_VARIABLE = ['${', 'AWS::Region}'].join('');

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
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template
const ACCOUNT_ROOT = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root';
/** The SSM parameters of the stage: the config document and the secret paths under it. */
const PARAMETERS_PREFIX = inAccount('ssm', 'parameter/switchyard/ci/');

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const statementsOf = (role: Resource): Statement[] =>
  (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );

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
  if (sub.startsWith(inAccount('logs', 'log-group:/aws/lambda/switchyard-ci-'))) return true;
  if (sub.startsWith(PARAMETERS_PREFIX) && sub !== `${PARAMETERS_PREFIX}*`) return true;
  return sub === inAccount('kms', 'key/*') && usedOnlyBySsm;
}

/** What a resource a statement names is, shortly: a logical id, an index of the table, or an SSM path of the stage. */
function nameOf(resource: unknown): string {
  const r = resource as Record<string, any>;
  if (r?.Ref) return r.Ref;
  if (r?.['Fn::GetAtt']) return r['Fn::GetAtt'][0];
  if (r?.['Fn::Join']?.[0] === '/') return (r['Fn::Join'][1] as unknown[]).map(nameOf).join('/');
  if (typeof r?.['Fn::Sub'] === 'string' && r['Fn::Sub'].startsWith(PARAMETERS_PREFIX))
    return r['Fn::Sub'].slice(PARAMETERS_PREFIX.length);
  return typeof resource === 'string' ? resource : JSON.stringify(resource);
}

/**
 * What a role may do, as "action resource" lines, apart from writing its own log group: a kms:Decrypt line names the
 * SSM path it may decrypt, and only if SSM alone may use the key, for that path.
 */
function grantsOf(role: Resource): string[] {
  return statementsOf(role)
    .filter((s) => ![s.Action].flat().every((a) => a.startsWith('logs:')))
    .flatMap((s) => {
      const actions = [s.Action].flat();
      if (actions.join() !== 'kms:Decrypt')
        return actions.flatMap((a) => [s.Resource].flat().map((r) => `${a} ${nameOf(r)}`));
      const viaSsm =
        JSON.stringify(s.Condition?.StringEquals) ===
        JSON.stringify({ 'kms:ViaService': { 'Fn::Sub': SSM_IN_REGION } });
      const keys = JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::Sub': inAccount('kms', 'key/*') });
      const only =
        Object.keys(s.Condition ?? {})
          .sort()
          .join() === 'StringEquals,StringLike';
      const path = nameOf(s.Condition?.StringLike?.['kms:EncryptionContext:PARAMETER_ARN']);
      return [
        viaSsm && keys && only
          ? `kms:Decrypt ${path}`
          : `kms:Decrypt, not only through SSM: ${JSON.stringify(s)}`,
      ];
    });
}

// What each function's role may do. Derived from its handler and what it reaches in shared/: the table's items
// (deps.store, deps.failover), the indexes (listings, the poller), the queues it sends to (deps.queue: alert
// promotions, chat commands), the notification topic (deps.notifier), and the SSM paths of the secrets it reads.
const items = (...actions: string[]) => actions.map((a) => `dynamodb:${a} OperationsTable`);
const ALL_ITEMS = items('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem');
const QUERY_INDEXES = 'dynamodb:Query OperationsTable/index/*';
const parameters = (...paths: string[]) =>
  paths.flatMap((p) => [`ssm:GetParameter ${p}`, `kms:Decrypt ${p}`]);
const consumes = (queue: string) =>
  ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((a) => `${a} ${queue}`);
const sends = (...queues: string[]) => queues.map((q) => `sqs:SendMessage ${q}`);
const COMMAND_QUEUES = [
  'PromoteStandbyQueue',
  'SwitchoverQueue',
  'UpgradeMinorVersionQueue',
  'ConfigureDrQueue',
  'ActivateMigrationTargetQueue',
];
/** Switchyard's follow-ups to itself: sent sealed, so every sender reads the internal key. */
const FOLLOW_UPS = [...sends('FollowUpQueue'), ...parameters('internal/*')];
const NOTIFIES = ['sns:Publish NotificationTopic', ...parameters('notifications/*')];
/** Consumes its queue, calls its provider, notifies; the internal key checks its queue's signed messages. */
const OPERATION = [
  ...ALL_ITEMS,
  ...NOTIFIES,
  ...sends('FollowUpQueue'),
  ...parameters('config', 'providers/*', 'internal/*'),
];
/** Decides alerts: observes the primary through the provider, and signs the promotions it sends. */
const ALERT_INTAKE = [
  ...ALL_ITEMS,
  ...sends('PromoteStandbyQueue', 'FollowUpQueue'),
  ...NOTIFIES,
  ...parameters('config', 'providers/*', 'internal/*'),
];

const EXPECTED_GRANTS: Record<string, string[]> = {
  switchover: [...OPERATION, ...consumes('SwitchoverQueue')],
  'configure-dr': [...OPERATION, ...consumes('ConfigureDrQueue')],
  reprotect: [...OPERATION, ...consumes('ReprotectQueue')],
  'promote-standby': [...OPERATION, ...consumes('PromoteStandbyQueue')],
  'upgrade-minor-version': [...OPERATION, ...consumes('UpgradeMinorVersionQueue')],
  'activate-migration-target': [...OPERATION, ...consumes('ActivateMigrationTargetQueue')],
  'alerts-alertmanager': [...ALERT_INTAKE, ...parameters('alerting/*')],
  'alerts-grafana': [...ALERT_INTAKE, ...parameters('alerting/*')],
  'alerts-cloudwatch': ALERT_INTAKE,
  // Sends operations and decisions to the queue of their kind; the operation's own function calls the provider.
  'chat-slack': [
    ...items('GetItem', 'PutItem'),
    QUERY_INDEXES,
    ...sends(...COMMAND_QUEUES),
    ...NOTIFIES,
    ...parameters('config', 'internal/*', 'chat/*'),
  ],
  'approve-operation': [...ALL_ITEMS, ...NOTIFIES, ...FOLLOW_UPS, ...parameters('config', 'providers/*')],
  'reject-operation': [...items('GetItem', 'UpdateItem', 'DeleteItem'), ...NOTIFIES, ...parameters('config')],
  'acknowledge-pair': [...items('GetItem', 'PutItem'), ...NOTIFIES, ...parameters('config')],
  'set-brake': [...items('GetItem', 'PutItem'), ...NOTIFIES, ...parameters('config')],
  'set-pair-roles': [...items('GetItem', 'PutItem'), ...NOTIFIES, ...parameters('config')],
  'declare-protection': [...items('GetItem', 'PutItem'), ...NOTIFIES, ...parameters('config')],
  'run-drill': [
    ...ALL_ITEMS,
    QUERY_INDEXES,
    ...NOTIFIES,
    ...FOLLOW_UPS,
    ...parameters('config', 'providers/*'),
  ],
  'get-operation': [...items('GetItem'), ...parameters('config')],
  'list-operations': [QUERY_INDEXES, ...parameters('config')],
  'list-decisions': [QUERY_INDEXES, ...parameters('config')],
  'list-pairs': [...items('GetItem'), QUERY_INDEXES, ...parameters('config')],
  'get-pair': [...items('GetItem'), QUERY_INDEXES, ...parameters('config')],
  'pair-history': [...items('GetItem'), QUERY_INDEXES, ...parameters('config')],
  'get-brake': [...items('GetItem'), ...parameters('config')],
  // A constant page: the browser reads the API with the person's own key.
  'status-page': [],
  // Public, and reaches nothing; its handler loads the config document all the same.
  openapi: parameters('config'),
  'evaluate-pairs': [
    ...ALL_ITEMS,
    QUERY_INDEXES,
    ...NOTIFIES,
    ...FOLLOW_UPS,
    ...parameters('config', 'providers/*'),
  ],
  'follow-up': [
    ...ALL_ITEMS,
    QUERY_INDEXES,
    ...sends('PromoteStandbyQueue', 'FollowUpQueue'),
    ...consumes('FollowUpQueue'),
    ...NOTIFIES,
    ...parameters('config', 'providers/*', 'internal/*'),
  ],
  'poll-jobs': [
    ...ALL_ITEMS,
    QUERY_INDEXES,
    'dynamodb:Query OperationsTable',
    ...sends('PromoteStandbyQueue', 'FollowUpQueue'),
    ...NOTIFIES,
    ...parameters('config', 'providers/*', 'internal/*'),
  ],
};

/** The functions that call a provider (precheck, submit, follow, observe, fence): only they read its credentials. */
const PROVIDER_CALLERS = [
  'switchover',
  'configure-dr',
  'reprotect',
  'run-drill',
  'promote-standby',
  'upgrade-minor-version',
  'activate-migration-target',
  'approve-operation',
  'alerts-alertmanager',
  'alerts-grafana',
  'alerts-cloudwatch',
  'poll-jobs',
  'evaluate-pairs',
  'follow-up',
];

/** Each function's role, by function name (from its handler's folder). */
function rolesByFunction(): Map<string, { id: string; role: Resource; lambda: Resource }> {
  return new Map(
    ofType('AWS::Lambda::Function').map((lambda) => {
      const name = (lambda.Properties.Handler as string).split('/')[1] as string;
      const id = lambda.Properties.Role['Fn::GetAtt'][0] as string;
      return [name, { id, role: resources[id] as Resource, lambda }];
    }),
  );
}

const roleArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const sorted = <T>(values: T[]) =>
  [...values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The IAM principals a statement names. */
const awsPrincipals = (statement: Statement | undefined) =>
  [(statement?.Principal as { AWS?: unknown } | undefined)?.AWS ?? []].flat();

/** CloudWatch may publish to a topic for the alarms of this account whose names match. */
const cloudWatchAlarms = (Sid: string, topic: unknown, names: string) => ({
  Sid,
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: 'sns:Publish',
  Resource: topic,
  Condition: {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: { 'aws:SourceArn': { 'Fn::Sub': inAccount('cloudwatch', `alarm:${names}`) } },
  },
});

/** A topic's subscribers: principals of this account only. */
const subscribersOfThisAccount = (topic: unknown) => [
  {
    Sid: 'SubscribersOfThisAccount',
    Effect: 'Allow',
    Principal: { AWS: { 'Fn::Sub': ACCOUNT_ROOT } },
    Action: 'sns:Subscribe',
    Resource: topic,
  },
  {
    Sid: 'NoSubscribersFromElsewhere',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sns:Subscribe',
    Resource: topic,
    Condition: { StringNotEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
  },
];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'switchyard-package-'));
  // `serverless package` offline, exactly as a deployment would build it.
  await promisify(execFile)(
    repoPath('node_modules/.bin/serverless'),
    ['package', '--stage', 'ci', '--package', outDir],
    {
      cwd: repoPath(''),
      // As a deployment builds it: none of this shell's Switchyard, AWS or Powertools settings.
      env: cleanEnv(),
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
        'functions/declare-protection/handler.handler',
        'functions/reprotect/handler.handler',
        'functions/run-drill/handler.handler',
        'functions/get-operation/handler.handler',
        'functions/list-decisions/handler.handler',
        'functions/list-pairs/handler.handler',
        'functions/get-pair/handler.handler',
        'functions/pair-history/handler.handler',
        'functions/get-brake/handler.handler',
        'functions/status-page/handler.handler',
        'functions/list-operations/handler.handler',
        'functions/openapi/handler.handler',
        'functions/poll-jobs/handler.handler',
        'functions/evaluate-pairs/handler.handler',
        'functions/follow-up/handler.handler',
        'functions/promote-standby/handler.handler',
        'functions/reject-operation/handler.handler',
        'functions/set-brake/handler.handler',
        'functions/set-pair-roles/handler.handler',
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
        'GET /',
        'GET /v1/brake',
        'GET /v1/pairs',
        'GET /v1/pairs/{pair}',
        'GET /v1/pairs/{pair}/history',
        'GET /v1/decisions',
        'GET /v1/operations',
        'GET /v1/operations/{id}',
        'GET /v1/openapi.json',
        'POST /v1/alerts/alertmanager',
        'POST /v1/alerts/grafana',
        'POST /v1/brake',
        'PUT /v1/pairs/{pair}/roles',
        'PUT /v1/pairs/{pair}/protection',
        'POST /v1/drills',
        'POST /v1/reprotections',
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

  it.each([
    'Switchover',
    'ConfigureDr',
    'Reprotect',
    'PromoteStandby',
    'UpgradeMinorVersion',
    'ActivateMigrationTarget',
    'FollowUp',
  ])('feeds the %s queue to its function with partial batch failures, and redrives it to a DLQ', (name) => {
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
  });

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

  it('gives every function a role of its own, and no role to any two', () => {
    const roles = rolesByFunction();
    expect(roles.size).toBe(Object.keys(EXPECTED_GRANTS).length);
    expect(new Set([...roles.values()].map((r) => r.id)).size).toBe(roles.size);
    expect(ofType('AWS::IAM::Role')).toHaveLength(roles.size);
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
    for (const [name, { role, lambda }] of roles) {
      expect(role.Type, name).toBe('AWS::IAM::Role');
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
      ]);
      expect(role.Properties.ManagedPolicyArns ?? [], name).toEqual([]);
      // Its own log group, and no other.
      const logs = statementsOf(role).filter((s) => [s.Action].flat().some((a) => a.startsWith('logs:')));
      expect(logs, name).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'],
          Resource: [
            { 'Fn::Sub': inAccount('logs', `log-group:/aws/lambda/${lambda.Properties.FunctionName}:*:*`) },
          ],
        },
      ]);
    }
  });

  it('grants each function exactly what it uses', () => {
    const roles = rolesByFunction();
    expect([...roles.keys()].sort()).toEqual(Object.keys(EXPECTED_GRANTS).sort());
    for (const [name, { role }] of roles)
      expect(grantsOf(role).sort(), name).toEqual(EXPECTED_GRANTS[name]?.sort());
  });

  it('lets only the functions that call a provider read its credentials', () => {
    const readers = [...rolesByFunction()]
      .filter(([, { role }]) => grantsOf(role).some((grant) => grant.includes('providers/')))
      .map(([name]) => name);
    expect(readers.sort()).toEqual([...PROVIDER_CALLERS].sort());
  });

  it('gives the public openapi function no table, queue, topic or secret: the config document only', () => {
    const openapi = rolesByFunction().get('openapi')?.role as Resource;
    const grants = grantsOf(openapi);
    expect(grants.filter((g) => /^(dynamodb|sqs|sns):/.test(g))).toEqual([]);
    expect(grants.sort()).toEqual(['kms:Decrypt config', 'ssm:GetParameter config']);
  });

  it('limits every role to the table, queues, topic, log groups and SSM parameters Switchyard owns', () => {
    const statements = ofType('AWS::IAM::Role').flatMap(statementsOf);
    expect(statements.length).toBeGreaterThan(18);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of [statement.Action].flat()) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      for (const resource of [statement.Resource].flat())
        expect(ownResource(resource, statement), JSON.stringify(resource)).toBe(true);
    }
  });

  it.each([...COMMAND_QUEUES, 'FollowUpQueue'])(
    'lets only the functions that send to %s send to it',
    (queue) => {
      const senders = [...rolesByFunction()]
        .filter(([name]) => EXPECTED_GRANTS[name]?.includes(`sqs:SendMessage ${queue}`))
        .map(([, { id }]) => roleArn(id));
      expect(senders.length).toBeGreaterThan(0);
      const send = { Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queue, 'Arn'] } };
      const policy = resources[`${queue}Policy`] as Resource;
      expect(policy.Type).toBe('AWS::SQS::QueuePolicy');
      expect(policy.Properties.Queues).toEqual([{ Ref: queue }]);
      const [allow, deny, ...more] = policy.Properties.PolicyDocument.Statement as Statement[];
      expect(more).toEqual([]);
      expect({ ...allow, Principal: { AWS: sorted(awsPrincipals(allow)) } }).toEqual({
        Sid: 'Senders',
        Effect: 'Allow',
        Principal: { AWS: sorted(senders) },
        ...send,
      });
      // Everyone else is refused, in this account (whatever their IAM policies say) or not.
      expect(deny).toMatchObject({ Sid: 'NoOtherSenders', Effect: 'Deny', Principal: '*', ...send });
      expect(sorted(deny?.Condition?.ArnNotEquals?.['aws:PrincipalArn'] as unknown[])).toEqual(
        sorted(senders),
      );
      expect(Object.keys(deny?.Condition ?? {})).toEqual(['ArnNotEquals']);
    },
  );

  it('lets the senders a deployer lists send to the command queues too, and refuses a name that is no ARN', async () => {
    // custom.externalQueueSenders is SWITCHYARD_EXTERNAL_QUEUE_SENDERS (none here): the plugin's own parts.
    const plugin = await import(repoPath('deploy/least-privilege.js'));
    const external = plugin.externalQueueSenders(
      ' arn:aws:iam::123456789012:role/dr-runbook, arn:aws:iam::210987654321:user/etl ,',
    );
    expect(external).toEqual([
      'arn:aws:iam::123456789012:role/dr-runbook',
      'arn:aws:iam::210987654321:user/etl',
    ]);
    expect(plugin.externalQueueSenders('')).toEqual([]);
    expect(plugin.externalQueueSenders(['arn:aws:iam::123456789012:role/a'])).toEqual([
      'arn:aws:iam::123456789012:role/a',
    ]);
    expect(() => plugin.externalQueueSenders('123456789012')).toThrow(/not the ARN of an IAM role or user/);

    const chat = roleArn('ChatDashslackIamRoleLambdaExecution');
    const [allow, deny] = plugin.queuePolicy(
      'SwitchoverQueue',
      ['ChatDashslackIamRoleLambdaExecution'],
      external,
    ).Properties.PolicyDocument.Statement;
    expect(allow.Principal.AWS).toEqual([chat, ...external]);
    expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual([chat, ...external]);
    // With no sender at all, nobody may send.
    const [only, ...none] = plugin.queuePolicy('SwitchoverQueue', [], []).Properties.PolicyDocument.Statement;
    expect(none).toEqual([]);
    expect(only).toEqual({
      Sid: 'NoOtherSenders',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': ['SwitchoverQueue', 'Arn'] },
    });
  });

  it("takes alarms into the alarm topic only from CloudWatch, for this account's alarms", () => {
    const policy = resources.AlarmTopicPolicy as Resource;
    expect(policy.Type).toBe('AWS::SNS::TopicPolicy');
    expect(policy.Properties.Topics).toEqual([{ Ref: 'AlarmTopic' }]);
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
    const topic = { Ref: 'AlarmTopic' };
    expect(statements.filter((s) => s.Action === 'sns:Publish')).toEqual([
      cloudWatchAlarms('AlarmsOfThisAccount', topic, '*'),
      // Within the account an IAM policy alone would do: every IAM principal is refused outright.
      {
        Sid: 'NoOtherPublishers',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topic,
        Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' } },
      },
    ]);
    expect(statements.filter((s) => s.Action === 'sns:Subscribe')).toEqual(subscribersOfThisAccount(topic));
    expect(statements.every((s) => ['sns:Publish', 'sns:Subscribe'].includes(s.Action as string))).toBe(true);
  });

  it("takes notifications only from the functions that notify and the stack's own alarms", () => {
    const notifiers = [...rolesByFunction()]
      .filter(([name]) => EXPECTED_GRANTS[name]?.includes('sns:Publish NotificationTopic'))
      .map(([, { id }]) => roleArn(id));
    const policy = resources.NotificationTopicPolicy as Resource;
    expect(policy.Type).toBe('AWS::SNS::TopicPolicy');
    expect(policy.Properties.Topics).toEqual([{ Ref: 'NotificationTopic' }]);
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
    const topic = { Ref: 'NotificationTopic' };
    const [roles, alarms, others, ...rest] = statements.filter((s) => s.Action === 'sns:Publish');
    expect(rest).toEqual([]);
    expect(roles).toMatchObject({ Sid: 'SwitchyardNotifiers', Effect: 'Allow', Resource: topic });
    expect(sorted(awsPrincipals(roles))).toEqual(sorted(notifiers));
    expect(alarms).toEqual(cloudWatchAlarms('SwitchyardAlarms', topic, 'switchyard-ci-*'));
    expect(others).toMatchObject({
      Sid: 'NoOtherPublishers',
      Effect: 'Deny',
      Principal: '*',
      Resource: topic,
    });
    expect(others?.Condition?.Bool).toEqual({ 'aws:PrincipalIsAWSService': 'false' });
    expect(sorted(others?.Condition?.ArnNotEquals?.['aws:PrincipalArn'] as unknown[])).toEqual(
      sorted(notifiers),
    );
    expect(statements.filter((s) => s.Action === 'sns:Subscribe')).toEqual(subscribersOfThisAccount(topic));
    expect(statements).toHaveLength(5);

    // Every alarm of the stack notifies this topic under a name the policy lets through.
    for (const alarm of ofType('AWS::CloudWatch::Alarm').map((a) => a.Properties)) {
      const name = alarm.AlarmName;
      const queue = name?.['Fn::Join']?.[1]?.[0]?.['Fn::GetAtt']?.[0];
      const literal = typeof name === 'string' ? name : resources[queue]?.Properties.QueueName;
      expect(literal, JSON.stringify(name)).toMatch(/^switchyard-ci-/);
    }
  });

  it('throttles every route of the HTTP API by default', () => {
    expect((resources.HttpApiStage as Resource).Properties.DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
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
    expect(functions).toHaveLength(Object.keys(EXPECTED_GRANTS).length);
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
    expect(deadLetterQueues).toHaveLength(7);
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

  it('runs the poller every minute and the pair evaluation every fifteen', () => {
    expect(
      ofType('AWS::Events::Rule')
        .map((rule) => rule.Properties.ScheduleExpression)
        .sort(),
    ).toEqual(['rate(1 minute)', 'rate(15 minutes)']);
  });

  it('draws every metric Switchyard writes on its dashboard, by the dimensions it writes them with', () => {
    const dashboards = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const source = dashboards[0]?.Properties.DashboardBody['Fn::Sub'] as string;
    const body = JSON.parse(source.replaceAll(REGION_VARIABLE, 'eu-west-1')) as {
      widgets: { properties: { metrics: unknown[][] } }[];
    };
    const drawn = new Map<string, string[]>();
    for (const widget of body.widgets)
      for (const line of widget.properties.metrics) {
        const [first, second, ...rest] = line;
        if (typeof first === 'object' && first !== null && 'expression' in first) {
          // SEARCH('{Switchyard,service,kind,provider} MetricName="OperationStarted"', ...)
          const found = /SEARCH\('\{Switchyard,([^}]*)\} MetricName="(\w+)"/.exec(
            (first as { expression: string }).expression,
          );
          if (found) drawn.set(found[2] as string, (found[1] as string).split(','));
        } else if (first === NAMESPACE) {
          const dimensions = rest.filter((_, i) => i % 2 === 0 && typeof rest[i] === 'string') as string[];
          drawn.set(second as string, dimensions);
        }
      }
    expect([...drawn.keys()].sort()).toEqual(Object.keys(METRICS).sort());
    for (const [name, { dimensions }] of Object.entries(METRICS))
      expect(drawn.get(name), name).toEqual(['service', ...dimensions]);
  });

  it('gives every function the logger and metrics settings', () => {
    for (const lambda of ofType('AWS::Lambda::Function'))
      expect(lambda.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'switchyard',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        SWITCHYARD_LOG_FORMAT: 'json',
        POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
        POWERTOOLS_METRICS_DISABLED: 'false',
      });
  });
});
