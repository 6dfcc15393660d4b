import * as z from 'zod';
import { version } from '../../package.json';
import { type Scope, ScopeSchema } from '../../shared/config/config-schema.js';
import { DecisionSchema } from '../../shared/domain/decision.js';
import {
  FindingSchema,
  OperationKindSchema,
  OperationSchema,
  StepSchema,
} from '../../shared/domain/operation.js';
import { ProtectionSchema } from '../../shared/domain/pair-condition.js';
import { MAX_BODY_BYTES } from '../../shared/edge/http-handler.js';
import { IdempotencyKeySchema } from '../../shared/edge/operation-function.js';
import { PROBLEM_CONTENT_TYPE } from '../../shared/edge/problem.js';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../../shared/notify/channel-notifiers.js';
import { NotificationSchema } from '../../shared/notify/notifier.js';
import { PairHistorySchema } from '../../shared/views/pair-history.js';
import {
  BrakeViewSchema,
  OperationGlanceSchema,
  PairDetailSchema,
  PairListSchema,
  PairSummarySchema,
} from '../../shared/views/pair-status.js';
import { AcknowledgePairBodySchema, AcknowledgePairPathSchema } from '../acknowledge-pair/schema.js';
import { ActivateMigrationTargetRequestSchema } from '../activate-migration-target/schema.js';
import { AlertmanagerPayloadSchema } from '../alerts-alertmanager/schema.js';
import { GrafanaPayloadSchema } from '../alerts-grafana/schema.js';
import { DecideOperationBodySchema, DecideOperationPathSchema } from '../approve-operation/schema.js';
import { SlackCommandFormSchema } from '../chat-slack/schema.js';
import { ConfigureDrRequestSchema } from '../configure-dr/schema.js';
import { DeclareProtectionBodySchema, DeclareProtectionPathSchema } from '../declare-protection/schema.js';
import { GetBrakeQuerySchema } from '../get-brake/schema.js';
import { GetOperationPathSchema } from '../get-operation/schema.js';
import { GetPairPathSchema, GetPairQuerySchema } from '../get-pair/schema.js';
import { ListDecisionsQuerySchema } from '../list-decisions/schema.js';
import { ListOperationsQuerySchema } from '../list-operations/schema.js';
import { ListPairsQuerySchema } from '../list-pairs/schema.js';
import { PairHistoryPathSchema, PairHistoryQuerySchema } from '../pair-history/schema.js';
import { PromoteStandbyRequestSchema } from '../promote-standby/schema.js';
import { ReprotectRequestSchema } from '../reprotect/schema.js';
import { RunDrillBodySchema } from '../run-drill/schema.js';
import { SetBrakeBodySchema } from '../set-brake/schema.js';
import { SetPairRolesBodySchema, SetPairRolesPathSchema } from '../set-pair-roles/schema.js';
import { SwitchoverRequestSchema } from '../switchover/schema.js';
import { UpgradeMinorVersionRequestSchema } from '../upgrade-minor-version/schema.js';

/**
 * GET /v1/openapi.json: the HTTP API as OpenAPI 3.1, its schemas converted from the zod schemas the functions
 * validate with, so the contract cannot drift from what is enforced.
 */

// ---- What the routes answer: the shapes the handlers return, named so clients get one type for each.

/** RFC 9457 problem details, as `shared/edge/problem.ts` writes them for every error. */
export const ProblemSchema = z.looseObject({
  type: z.string().describe('https://switchyard.dev/problems/<code>, or about:blank for an internal error'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional().describe('The request path'),
  code: z.string().optional().describe('A stable, machine-readable name for the problem'),
  errors: z
    .array(
      z.object({
        field: z.string().describe('Dotted path of the offending field, e.g. body.pair or query.state'),
        message: z.string(),
      }),
    )
    .optional(),
});

export const OperationEnvelopeSchema = z.object({ operation: OperationSchema });

/** A dry run's verdict (`DryRunOutcome`): the precheck, nothing recorded or sent. */
export const DryRunResultSchema = z.object({
  type: z.literal('dry-run'),
  kind: OperationKindSchema,
  pair: z.string(),
  valid: z.boolean(),
  findings: z.array(FindingSchema),
  target: OperationSchema.shape.target,
});

export const OperationPageSchema = z.object({
  items: z.array(OperationSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
});

export const DecisionListSchema = z.object({ items: z.array(DecisionSchema) });

export const AlertIntakeSchema = z.object({
  received: z.number().int().min(0),
  decisions: z.array(DecisionSchema.pick({ id: true, pair: true, outcome: true, reason: true })),
});

export const PairAcknowledgementSchema = z.object({
  pair: z.string(),
  lastAutomaticFailoverAt: z.string().nullable(),
  acknowledgedAt: z.string(),
  acknowledgedBy: z.string(),
});

/** What a person said of a pair's roles (PUT /v1/pairs/{pair}/roles). */
export const PairRolesSetSchema = z.object({
  pair: z.string(),
  primary: z.string().describe('The member now taken for the primary, as a person reads it'),
  since: z.string(),
  by: z.string(),
  reason: z.string(),
});

/** What a person said of a pair's protection (PUT /v1/pairs/{pair}/protection). */
export const ProtectionDeclaredSchema = z.object({
  pair: z.string(),
  protection: ProtectionSchema.optional(),
});

/** What Slack shows the person who typed the command, and only them. */
export const SlackReplySchema = z.object({
  response_type: z.literal('ephemeral'),
  text: z.string(),
  blocks: z.array(z.record(z.string(), z.unknown())),
});

const OpenApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

/** Everything Switchyard sends (answers, the notification webhook's body) and the shapes inside, by component name. */
const ANSWER_COMPONENTS = {
  Problem: ProblemSchema,
  Operation: OperationSchema,
  Step: StepSchema,
  Finding: FindingSchema,
  Decision: DecisionSchema,
  OperationEnvelope: OperationEnvelopeSchema,
  DryRunResult: DryRunResultSchema,
  DryRunOrReplay: z.union([DryRunResultSchema, OperationEnvelopeSchema]),
  OperationPage: OperationPageSchema,
  DecisionList: DecisionListSchema,
  AlertIntake: AlertIntakeSchema,
  PairAcknowledgement: PairAcknowledgementSchema,
  Brake: BrakeViewSchema,
  PairRolesSet: PairRolesSetSchema,
  ProtectionDeclared: ProtectionDeclaredSchema,
  PairList: PairListSchema,
  PairSummary: PairSummarySchema,
  PairDetail: PairDetailSchema,
  PairHistory: PairHistorySchema,
  OperationGlance: OperationGlanceSchema,
  StatusPage: z.string().describe('One HTML page; it reads the API with a read key the person types in'),
  SlackReply: SlackReplySchema,
  OpenApiDocument: OpenApiDocumentSchema,
  Notification: NotificationSchema,
} satisfies Record<string, z.ZodType>;
type AnswerComponent = keyof typeof ANSWER_COMPONENTS;

// ---- The route table: one entry per httpApi event in serverless.yml.

/** How a caller proves who it is; `public` needs nothing. */
type Access =
  | { kind: 'apiKey'; scope: Scope }
  | { kind: 'webhook'; source: 'alertmanager' | 'grafana' }
  | { kind: 'slack' }
  | { kind: 'public' };

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 500 | 502;

interface Answer {
  description: string;
  schema: AnswerComponent;
  /** application/json unless said. */
  mediaType?: 'text/html';
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

interface DocumentedRoute {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** The serverless.yml function that serves the route, camel-cased. */
  operationId: string;
  tag: (typeof TAGS)[number]['name'];
  summary: string;
  description: string;
  access: Access;
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  headers?: HeaderParameter[];
  body?: {
    /** The component name clients see for it. */
    id: string;
    schema: z.ZodType;
    mediaType?: 'application/json' | 'application/x-www-form-urlencoded';
  };
  answers: Partial<Record<200 | 202, Answer>>;
  /** Besides those every route of its kind may answer (see `errorStatuses`). */
  errors?: ErrorStatus[];
}

interface HeaderParameter {
  name: string;
  in: 'header';
  required: boolean;
  description: string;
  schema: Record<string, unknown>;
}

const TAGS = [
  { name: 'operations', description: 'Ask for an operation on a pair and follow it' },
  { name: 'approvals', description: 'People approve or reject operations that wait for them' },
  { name: 'alerts', description: 'Monitoring webhooks, and what Switchyard decided about each alert' },
  {
    name: 'pairs',
    description:
      'Every pair at a glance (roles, health, cooldown, what runs on it), the brake, the status page',
  },
  { name: 'failover', description: 'Automatic failover: acknowledgements and the global brake' },
  { name: 'chat', description: 'Slack slash commands' },
  { name: 'meta', description: 'This document' },
] as const;

const OPERATION_LOCATION = {
  description: 'The operation: /v1/operations/{id}',
  schema: { type: 'string' },
};

const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key and request answer the first operation (200, Idempotent-Replayed: true); the same key with another request is refused (422).',
  schema: z.toJSONSchema(IdempotencyKeySchema.unwrap(), { target: 'draft-2020-12' }),
} as const;

/** An operation kind's route, as `operationFunction` serves it: one answer scheme for all five. */
function operationRoute(
  route: Pick<DocumentedRoute, 'path' | 'operationId' | 'summary' | 'description'> & {
    body: { id: string; schema: z.ZodObject };
  },
): DocumentedRoute {
  return {
    ...route,
    method: 'POST',
    tag: 'operations',
    access: { kind: 'apiKey', scope: 'operate' },
    headers: [IDEMPOTENCY_KEY_HEADER],
    answers: {
      202: {
        description: 'Accepted: the operation is recorded and submitted, or waits in PENDING_APPROVAL',
        schema: 'OperationEnvelope',
        headers: { Location: OPERATION_LOCATION },
      },
      200: {
        description:
          'With `dryRun: true`, the precheck alone (nothing recorded or sent); otherwise the operation an earlier request with the same Idempotency-Key made',
        schema: 'DryRunOrReplay',
        headers: {
          Location: { ...OPERATION_LOCATION, description: 'On a replay: /v1/operations/{id}' },
          'Idempotent-Replayed': {
            description: '"true" when the operation is an earlier one',
            schema: { type: 'string' },
          },
        },
      },
    },
    errors: [409, 422, 502],
  };
}

const webhookRoute = (
  source: 'alertmanager' | 'grafana',
  body: DocumentedRoute['body'],
): DocumentedRoute => ({
  method: 'POST',
  path: `/v1/alerts/${source}`,
  operationId: source === 'alertmanager' ? 'alertsAlertmanager' : 'alertsGrafana',
  tag: 'alerts',
  summary:
    source === 'alertmanager'
      ? 'Prometheus Alertmanager webhook (payload version 4)'
      : 'Grafana alerting webhook',
  description: `Each alert of the payload is routed to a pair and decided (hold, notify, ask for a promotion, or wait for a person); the answer lists the decisions. The credential is the one configured under \`alerting.${source}\`.`,
  access: { kind: 'webhook', source },
  body,
  answers: {
    200: { description: 'The alerts received and what was decided about each', schema: 'AlertIntake' },
  },
});

const ROUTES: readonly DocumentedRoute[] = [
  operationRoute({
    path: '/v1/switchovers',
    operationId: 'switchover',
    summary: "Swap a pair's primary and standby roles",
    description: 'OceanBase OCP tenant switchover: a planned swap of roles.',
    body: { id: 'SwitchoverRequest', schema: SwitchoverRequestSchema },
  }),
  operationRoute({
    path: '/v1/dr-relations',
    operationId: 'configureDr',
    summary: "Set up cross-region DR between a pair's primary and DR instance",
    description: 'Huawei RDS: two provider jobs, primary side first, shown as the steps of one operation.',
    body: { id: 'ConfigureDrRequest', schema: ConfigureDrRequestSchema },
  }),
  operationRoute({
    path: '/v1/reprotections',
    operationId: 'reprotect',
    summary: 'Rebuild DR in the direction a pair stands after a promotion',
    description:
      'Huawei RDS: configure DR with the roles as they stand, its rules checked first (after a promotion they refuse it, naming the rule: the new primary is standalone). Alibaba RDS and OceanBase OCP offer no API for it (422, saying why): rebuild DR there and say so with PUT /v1/pairs/{pair}/protection. The pair is `reprotecting` while it runs.',
    body: { id: 'ReprotectRequest', schema: ReprotectRequestSchema },
  }),
  {
    method: 'POST',
    path: '/v1/drills',
    operationId: 'runDrill',
    tag: 'operations',
    summary: 'Rehearse a failover of a pair',
    description:
      "Where the provider offers a switchover (OceanBase OCP), a drill switches the pair over and back: each leg a switchover operation of its own, verified and measured. Elsewhere it is the readiness evaluation: the promotion's prechecks as a dry run, the observers, the lag and the fence. The drill ends SUCCEEDED only when every leg was verified, or a failover would go through now; its report is in GET /v1/pairs/{pair}/history.",
    access: { kind: 'apiKey', scope: 'operate' },
    headers: [IDEMPOTENCY_KEY_HEADER],
    body: { id: 'RunDrillBody', schema: RunDrillBodySchema },
    answers: {
      202: {
        description: 'The drill, recorded; an evaluation drill has already ended',
        schema: 'OperationEnvelope',
        headers: { Location: OPERATION_LOCATION },
      },
      200: {
        description: 'The drill an earlier request with the same Idempotency-Key made',
        schema: 'OperationEnvelope',
        headers: {
          Location: OPERATION_LOCATION,
          'Idempotent-Replayed': {
            description: '"true": the drill is an earlier one',
            schema: { type: 'string' },
          },
        },
      },
    },
    errors: [409, 422, 502],
  },
  operationRoute({
    path: '/v1/promotions',
    operationId: 'promoteStandby',
    summary: "Promote a pair's DR/standby instance to primary",
    description:
      'Huawei RDS, Alibaba RDS, OceanBase tenant failover. With `allowDataLoss` the operation waits for two people to approve it.',
    body: { id: 'PromoteStandbyRequest', schema: PromoteStandbyRequestSchema },
  }),
  operationRoute({
    path: '/v1/minor-upgrades',
    operationId: 'upgradeMinorVersion',
    summary: "Upgrade an instance's minor version",
    description: 'Huawei RDS, Alibaba RDS; now or in the maintenance window (`isDelayed`).',
    body: { id: 'UpgradeMinorVersionRequest', schema: UpgradeMinorVersionRequestSchema },
  }),
  operationRoute({
    path: '/v1/migration-activations',
    operationId: 'activateMigrationTarget',
    summary: 'Cut a self-managed PostgreSQL over to its RDS destination',
    description:
      'Alibaba Cloud cloud migration; refused (422) unless the migration is in its incremental stage.',
    body: { id: 'ActivateMigrationTargetRequest', schema: ActivateMigrationTargetRequestSchema },
  }),
  {
    method: 'GET',
    path: '/v1/operations/{id}',
    operationId: 'getOperation',
    tag: 'operations',
    summary: 'Show one operation with its steps and audit trail',
    description: 'The operation as stored: state, provider steps, findings, approvals and every event.',
    access: { kind: 'apiKey', scope: 'read' },
    pathParams: GetOperationPathSchema,
    answers: { 200: { description: 'The operation', schema: 'OperationEnvelope' } },
    errors: [404],
  },
  {
    method: 'GET',
    path: '/v1/operations',
    operationId: 'listOperations',
    tag: 'operations',
    summary: 'List operations by pair and state',
    description:
      'Without a pair only active operations are listed; name a pair to see finished ones. Pages of `limit`, newest first, continued with `cursor`; with `state`, a page is shorter when a thousand operations were read for it: follow `cursor` while there is one.',
    access: { kind: 'apiKey', scope: 'read' },
    query: ListOperationsQuerySchema,
    answers: { 200: { description: 'One page of operations', schema: 'OperationPage' } },
    errors: [422],
  },
  {
    method: 'POST',
    path: '/v1/operations/{id}/approve',
    operationId: 'approveOperation',
    tag: 'approvals',
    summary: 'Approve an operation waiting for approval',
    description:
      'Not the requester, and each person once. At the last approval the prechecks run again: the operation is submitted, or ends REJECTED.',
    access: { kind: 'apiKey', scope: 'approve' },
    pathParams: DecideOperationPathSchema,
    body: { id: 'DecideOperationBody', schema: DecideOperationBodySchema },
    answers: { 200: { description: 'The operation after the approval', schema: 'OperationEnvelope' } },
    errors: [404, 409, 502],
  },
  {
    method: 'POST',
    path: '/v1/operations/{id}/reject',
    operationId: 'rejectOperation',
    tag: 'approvals',
    summary: 'Reject an operation waiting for approval',
    description: 'The operation ends REJECTED and its pair is free.',
    access: { kind: 'apiKey', scope: 'approve' },
    pathParams: DecideOperationPathSchema,
    body: { id: 'DecideOperationBody', schema: DecideOperationBodySchema },
    answers: { 200: { description: 'The rejected operation', schema: 'OperationEnvelope' } },
    errors: [404, 409],
  },
  webhookRoute('alertmanager', { id: 'AlertmanagerPayload', schema: AlertmanagerPayloadSchema }),
  webhookRoute('grafana', { id: 'GrafanaPayload', schema: GrafanaPayloadSchema }),
  {
    method: 'GET',
    path: '/v1/decisions',
    operationId: 'listDecisions',
    tag: 'alerts',
    summary: 'What Switchyard decided about each alert, and why',
    description: "A pair's decisions, newest first; without a pair, the alerts that matched no route.",
    access: { kind: 'apiKey', scope: 'read' },
    query: ListDecisionsQuerySchema,
    answers: { 200: { description: 'The decisions', schema: 'DecisionList' } },
    errors: [422],
  },
  {
    method: 'GET',
    path: '/v1/pairs',
    operationId: 'listPairs',
    tag: 'pairs',
    summary: 'Every pair at a glance, with the brake',
    description:
      'Each configured pair with its provider, failover mode, members by role, health (what to look at first, with reasons), cooldown (until when, and who may acknowledge it), split-brain risk, the operation holding it, its newest operation and its latest decision. Built from what Switchyard recorded: it probes no database, so `quiet` means nothing is open, not that the primary was seen up.',
    access: { kind: 'apiKey', scope: 'read' },
    query: ListPairsQuerySchema,
    answers: { 200: { description: 'The pairs, in config order, and the brake', schema: 'PairList' } },
  },
  {
    method: 'GET',
    path: '/v1/pairs/{pair}',
    operationId: 'getPair',
    tag: 'pairs',
    summary: 'One pair in full',
    description:
      'The pair as `GET /v1/pairs` shows it, with the provider ids its operations act on and its `recent` newest operations and decisions.',
    access: { kind: 'apiKey', scope: 'read' },
    pathParams: GetPairPathSchema,
    query: GetPairQuerySchema,
    answers: { 200: { description: 'The pair', schema: 'PairDetail' } },
    errors: [404],
  },
  {
    method: 'GET',
    path: '/v1/pairs/{pair}/history',
    operationId: 'getPairHistory',
    tag: 'pairs',
    summary: "A pair's promotions and switchovers, each with its RTO, RPO and outcome",
    description:
      "Newest first. Each run has its timeline (the alert's start as its sender said, received, decided, requested, approved, fenced, submitted, provider done, verified, told: the moments that happened), its RTO (the first sign of trouble, or the request, to verified, with each stage's share; no figure when the result was not verified) and its RPO (the lag read just before the promotion, in the provider's units and normalised where it allows; `unknown` when none could be read, never zero; `none` for a switchover). A page holds `limit` runs unless the history has ended or a thousand operations were read for it; follow `cursor` while there is one.",
    access: { kind: 'apiKey', scope: 'read' },
    pathParams: PairHistoryPathSchema,
    query: PairHistoryQuerySchema,
    answers: { 200: { description: 'The runs, newest first', schema: 'PairHistory' } },
    errors: [404],
  },
  {
    method: 'GET',
    path: '/v1/brake',
    operationId: 'getBrake',
    tag: 'failover',
    summary: 'The global brake on automatic failover',
    description:
      'Engaged or not, by whom, when and why, and the automatic failovers counted towards the hourly limit.',
    access: { kind: 'apiKey', scope: 'read' },
    query: GetBrakeQuerySchema,
    answers: { 200: { description: 'The brake', schema: 'Brake' } },
  },
  {
    method: 'GET',
    path: '/',
    operationId: 'statusPage',
    tag: 'pairs',
    summary: 'The status page',
    description:
      'One HTML page showing every pair, the running operations with their steps, the recent decisions and the brake; it refreshes itself. The page itself needs nothing; it asks for a read API key, keeps it in the tab (sessionStorage) and sends it as a bearer token to the routes above.',
    access: { kind: 'public' },
    answers: { 200: { description: 'The page', schema: 'StatusPage', mediaType: 'text/html' } },
  },
  {
    method: 'POST',
    path: '/v1/pairs/{pair}/ack',
    operationId: 'acknowledgePair',
    tag: 'failover',
    summary: "Acknowledge a pair's automatic failover, ending its cooldown",
    description:
      'A person has looked at the last automatic failover: the pair may be failed over on its own again. It re-arms automatic failover, so it needs the approve scope, and it is announced.',
    access: { kind: 'apiKey', scope: 'approve' },
    pathParams: AcknowledgePairPathSchema,
    body: { id: 'AcknowledgePairBody', schema: AcknowledgePairBodySchema },
    answers: { 200: { description: "The pair's failover state", schema: 'PairAcknowledgement' } },
    errors: [404],
  },
  {
    method: 'PUT',
    path: '/v1/pairs/{pair}/roles',
    operationId: 'setPairRoles',
    tag: 'failover',
    summary: "Say which configured member is a pair's primary now",
    description:
      "After a failback or a DR rebuild done outside Switchyard, or when Switchyard's record names a member the config no longer does (health `unknown`, 409 `pair.roles-unknown` on operations): every later operation, precheck, observer and alert acts on the member named. Refused (409) while an operation holds the pair. Announced.",
    access: { kind: 'apiKey', scope: 'admin' },
    pathParams: SetPairRolesPathSchema,
    body: { id: 'SetPairRolesBody', schema: SetPairRolesBodySchema },
    answers: { 200: { description: 'The roles as they now stand', schema: 'PairRolesSet' } },
    errors: [404, 409, 422],
  },
  {
    method: 'PUT',
    path: '/v1/pairs/{pair}/protection',
    operationId: 'declareProtection',
    tag: 'failover',
    summary: 'Say a pair is protected again, after rebuilding its DR outside Switchyard',
    description:
      'Where no provider API could re-protect the pair (the reprotect answer says why): a person rebuilt DR and says so. Refused (409) while an operation holds the pair, while it is at risk of split brain, while it is being re-protected, or when it is protected already; refused (422) for a pair with no standby. Announced and kept with who said it; an evaluation that cannot tell leaves it standing, one that finds the relation broken says so.',
    access: { kind: 'apiKey', scope: 'approve' },
    pathParams: DeclareProtectionPathSchema,
    body: { id: 'DeclareProtectionBody', schema: DeclareProtectionBodySchema },
    answers: { 200: { description: "The pair's protection as it now stands", schema: 'ProtectionDeclared' } },
    errors: [404, 409, 422],
  },
  {
    method: 'POST',
    path: '/v1/brake',
    operationId: 'setBrake',
    tag: 'failover',
    summary: 'Engage or release the global brake on automatic failover',
    description: 'Engaged, every pair waits for a person; released, automatic failover is re-armed.',
    access: { kind: 'apiKey', scope: 'admin' },
    body: { id: 'SetBrakeBody', schema: SetBrakeBodySchema },
    answers: { 200: { description: 'The brake as it now is', schema: 'Brake' } },
  },
  {
    method: 'POST',
    path: '/v1/chat/slack',
    operationId: 'chatSlack',
    tag: 'chat',
    summary: 'Slack slash command (/switchyard)',
    description:
      "Operations, approvals, acknowledgements and the brake from Slack. The request is checked against the Slack app's signing secret over the raw body, must be under five minutes old, and is refused if replayed (409). The person is found by Slack user id in `chat.slack.users`, with that entry's scopes.",
    access: { kind: 'slack' },
    headers: [
      {
        name: 'X-Slack-Request-Timestamp',
        in: 'header',
        required: true,
        description: 'Unix seconds when Slack sent the request; signed with the body',
        schema: { type: 'string', pattern: '^\\d{1,12}$' },
      },
    ],
    body: {
      id: 'SlackCommandForm',
      schema: SlackCommandFormSchema,
      mediaType: 'application/x-www-form-urlencoded',
    },
    answers: { 200: { description: 'The reply Slack shows the person', schema: 'SlackReply' } },
    errors: [409, 413],
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    operationId: 'openapi',
    tag: 'meta',
    summary: 'This document',
    description:
      'The HTTP API as OpenAPI 3.1, generated from the schemas the functions validate with: generate clients from it.',
    access: { kind: 'public' },
    answers: { 200: { description: 'The OpenAPI document', schema: 'OpenApiDocument' } },
  },
];

// ---- Building the document.

const ERROR_RESPONSES: Record<ErrorStatus, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description:
      'The body, query or path does not validate; `errors[].field` names each bad field. Nothing was written.',
  },
  401: { name: 'Unauthorized', description: 'No valid credential.' },
  403: {
    name: 'Forbidden',
    description: 'The credential lacks the scope this request needs, or the rule forbids this person.',
  },
  404: { name: 'NotFound', description: 'No such operation or pair.' },
  409: {
    name: 'Conflict',
    description:
      "The pair is busy with another operation (`activeOperation` names it), the provider refused because of the target's state, the operation is not in a state to allow this, or a Slack request was replayed.",
  },
  413: { name: 'PayloadTooLarge', description: `The body is over ${MAX_BODY_BYTES} bytes.` },
  415: { name: 'UnsupportedMediaType', description: 'The body is not JSON.' },
  422: {
    name: 'UnprocessableContent',
    description:
      'Well formed but refused: unknown pair, unsupported operation, reused Idempotency-Key, or the precheck said no (`precheck_failed`, with the REJECTED operation and its findings).',
  },
  500: { name: 'InternalError', description: 'An internal error; the body says nothing more.' },
  502: {
    name: 'BadGateway',
    description:
      'The provider refused the submission (the operation is recorded FAILED) or could not be reached.',
  },
};

/** What every route of a kind may answer, whatever it does: the edge's own checks, and 500. */
function errorStatuses(route: DocumentedRoute): ErrorStatus[] {
  const json =
    route.body !== undefined && (route.body.mediaType ?? 'application/json') === 'application/json';
  const statuses: ErrorStatus[] = [
    ...(route.pathParams || route.query || route.body ? [400 as const] : []),
    ...(route.access.kind === 'public' ? [] : [401 as const]),
    ...(route.access.kind === 'apiKey' ? [403 as const] : []),
    ...(json ? [413 as const, 415 as const] : []),
    ...(route.errors ?? []),
    500,
  ];
  return [...new Set(statuses)].sort((a, b) => a - b);
}

const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description: `An API key as \`Authorization: Bearer <key>\`. Each key has scopes (${ScopeSchema.options.join(', ')}; admin allows everything); each route names the scope it needs in its description and in \`x-switchyard-scope\`. A missing or unknown key is 401, a key without the scope 403.`,
  },
  alertmanagerAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      "Alertmanager's http_config bearer token, configured as `alerting.alertmanager.bearerToken`.",
  },
  alertmanagerBasicAuth: {
    type: 'http',
    scheme: 'basic',
    description: "Alertmanager's http_config basic auth, configured as `alerting.alertmanager.basic`.",
  },
  grafanaAuth: {
    type: 'http',
    scheme: 'bearer',
    description: "The Grafana contact point's bearer token, configured as `alerting.grafana.bearerToken`.",
  },
  grafanaBasicAuth: {
    type: 'http',
    scheme: 'basic',
    description: "The Grafana contact point's basic auth, configured as `alerting.grafana.basic`.",
  },
  slackSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Slack-Signature',
    description:
      "Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` with the Slack app's signing secret (`chat.slack.signingSecret`).",
  },
} as const;

function security(access: Access): Record<string, string[]>[] {
  switch (access.kind) {
    case 'apiKey':
      return [{ apiKey: [access.scope] }];
    case 'webhook':
      // Either credential the sender is configured with.
      return [{ [`${access.source}Auth`]: [] }, { [`${access.source}BasicAuth`]: [] }];
    case 'slack':
      return [{ slackSignature: [] }];
    case 'public':
      return [];
  }
}

function accessNote(access: Access): string {
  switch (access.kind) {
    case 'apiKey':
      return `Needs an API key with the \`${access.scope}\` scope (or \`admin\`).`;
    case 'webhook':
      return `Needs the ${access.source} webhook credential (bearer or basic), not an API key.`;
    case 'slack':
      return "Needs Slack's request signature, not an API key.";
    case 'public':
      return 'Needs no credential.';
  }
}

type JsonSchema = Record<string, unknown>;

const componentRef = (id: string) => `#/components/schemas/${id}`;

/** JSON Schema 2020-12 of each registered schema, referring to the others as components. */
function componentSchemas(
  registry: z.core.$ZodRegistry<{ id: string }>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, uri: componentRef });
  // Each comes out as a document of its own; inside the OpenAPI document it is a plain schema.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [id, schema]),
  );
}

/** One OpenAPI parameter per property of a path or query schema, as the function reads it (io: input). */
function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function content(mediaType: string, id: string) {
  return { [mediaType]: { schema: { $ref: componentRef(id) } } };
}

function operationObject(route: DocumentedRoute, requests: z.core.$ZodRegistry<{ id: string }>) {
  const body = route.body;
  if (body) {
    const known = requests.get(body.schema)?.id;
    if (known !== undefined && known !== body.id)
      throw new Error(`${route.path}: its body is already the component ${known}, not ${body.id}`);
    requests.add(body.schema, { id: body.id });
  }
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: `${route.description}\n\n${accessNote(route.access)}`,
    ...(route.access.kind === 'apiKey' ? { 'x-switchyard-scope': route.access.scope } : {}),
    security: security(route.access),
    parameters: [
      ...parameters('path', route.pathParams),
      ...parameters('query', route.query),
      ...(route.headers ?? []),
    ],
    ...(body
      ? {
          requestBody: {
            // The edge reads a missing body as {}: it is optional when {} is a valid request.
            required: !body.schema.safeParse({}).success,
            content: content(body.mediaType ?? 'application/json', body.id),
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(route.answers).map(([status, answer]) => [
          status,
          {
            description: answer.description,
            ...(answer.headers ? { headers: answer.headers } : {}),
            content: content(answer.mediaType ?? 'application/json', answer.schema),
          },
        ]),
      ),
      ...Object.fromEntries(
        errorStatuses(route).map((status) => [
          String(status),
          { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` },
        ]),
      ),
    },
  };
}

export type OpenApiOperation = ReturnType<typeof operationObject>;

/** What Switchyard sends, not serves: the signed generic notification webhook (`notifications.webhooks`). */
const WEBHOOKS = {
  notification: {
    post: {
      operationId: 'notification',
      summary: 'A change of an operation, or a decision on an alert',
      description:
        'Sent once per change to every configured webhook, retried on failure: drop a redelivery by `id`. Check the signature before trusting the body.',
      parameters: [
        {
          name: WEBHOOK_SIGNATURE_HEADER,
          in: 'header',
          required: true,
          description: `\`v1=\` + hex HMAC-SHA256 of \`<${WEBHOOK_TIMESTAMP_HEADER}>.<raw body>\` with the webhook's secret`,
          schema: { type: 'string', pattern: '^v1=[0-9a-f]{64}$' },
        },
        {
          name: WEBHOOK_TIMESTAMP_HEADER,
          in: 'header',
          required: true,
          description: 'Unix seconds when it was sent; refuse old ones',
          schema: { type: 'string' },
        },
        {
          name: 'x-switchyard-delivery',
          in: 'header',
          required: true,
          description: "The notification's id",
          schema: { type: 'string' },
        },
      ],
      requestBody: { required: true, content: content('application/json', 'Notification') },
      responses: { '2XX': { description: 'Received; any other answer is retried' } },
    },
  },
};

/** The whole HTTP API as an OpenAPI 3.1 document. */
export function openApiDocument() {
  const requests = z.registry<{ id: string }>();
  const answers = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(ANSWER_COMPONENTS)) answers.add(schema, { id });

  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, OpenApiOperation>)[route.method.toLowerCase()] = operationObject(
      route,
      requests,
    );
  }

  // Requests as the functions accept them (defaults optional), answers as they are sent (defaults filled).
  const requestSchemas = componentSchemas(requests, 'input');
  const answerSchemas = componentSchemas(answers, 'output');
  const clash = Object.keys(requestSchemas).find((id) => id in answerSchemas);
  if (clash) throw new Error(`The component ${clash} is both a request and an answer`);

  return {
    openapi: '3.1.0' as const,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Switchyard',
      version,
      summary: 'A control plane for database disaster recovery across clouds',
      description: `Operations on database pairs (switchover, promotion, DR set-up, minor upgrades, migration cut-over), their approvals, and alert-driven failover. Errors are ${PROBLEM_CONTENT_TYPE} (RFC 9457) with \`errors[].field\` naming each bad field.`,
    },
    tags: TAGS.map((tag) => ({ ...tag })),
    paths,
    webhooks: WEBHOOKS,
    components: {
      schemas: { ...requestSchemas, ...answerSchemas },
      responses: Object.fromEntries(
        Object.values(ERROR_RESPONSES).map(({ name, description }) => [
          name,
          {
            description,
            ...(name === 'Unauthorized'
              ? {
                  headers: {
                    'WWW-Authenticate': {
                      description: 'Bearer realm="switchyard"',
                      schema: { type: 'string' },
                    },
                  },
                }
              : {}),
            content: content(PROBLEM_CONTENT_TYPE, 'Problem'),
          },
        ]),
      ),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
