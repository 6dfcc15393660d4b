import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as acknowledgePair } from '../../functions/acknowledge-pair/handler.js';
import type { RegisteredProvider as ProviderName } from '../../shared/providers/registry.js';
import type { TestEnvironment } from './environment.js';
import { loadEvent } from './fixtures.js';
import { httpAnswer, lambdaContext } from './lambda.js';

/** Each sandbox pair's primary, and how its simulator is told it is lost or back, as a drill would. */
export const SANDBOX_PRIMARIES: Record<
  string,
  { provider: ProviderName; path: string; down: Record<string, unknown>; up: Record<string, unknown> }
> = {
  'ledger-pg': {
    provider: 'huawei',
    path: 'instances/5f2e8a9b0c1d4e3f8a7b6c5d4e3f2a1bin03',
    down: { status: 'FAILED' },
    up: { status: 'ACTIVE' },
  },
  'billing-rds': {
    provider: 'alibaba',
    path: 'instances/pgm-bp1billing0primary',
    down: { DBInstanceStatus: 'Stopped' },
    up: { DBInstanceStatus: 'Running' },
  },
  'payments-ob': {
    provider: 'oceanbase',
    path: 'tenants/1003',
    down: { available: false },
    up: { available: true },
  },
  'orders-ob': {
    provider: 'oceanbase',
    path: 'tenants/1001',
    down: { available: false },
    up: { available: true },
  },
};

export function simulatorUrl(env: TestEnvironment, provider: ProviderName): string {
  return { oceanbase: env.ocp.url, huawei: env.huawei.url, alibaba: env.alibaba.url }[provider];
}

/** The pair's primary stops answering, as the provider reports it: what a promotion is for. */
export async function losePrimary(env: TestEnvironment, pair: string, up = false): Promise<void> {
  const primary = SANDBOX_PRIMARIES[pair];
  if (!primary) throw new Error(`no sandbox primary known for ${pair}`);
  const answer = await fetch(`${simulatorUrl(env, primary.provider)}/_sandbox/${primary.path}`, {
    method: 'PATCH',
    body: JSON.stringify(up ? primary.up : primary.down),
  });
  if (!answer.ok)
    throw new Error(`the ${primary.provider} sandbox refused ${primary.path}: ${answer.status}`);
}

/** Every member of every pair the simulator knows, with whether it takes writes now. */
export async function sandboxMembers(env: TestEnvironment, provider: ProviderName) {
  const state = (await (await fetch(`${simulatorUrl(env, provider)}/_sandbox/state`)).json()) as {
    members: { id: string; role: string; available: boolean; fenced: boolean; acceptsWrites: boolean }[];
  };
  return state.members;
}

/**
 * A person says the old primaries of these pairs are out of service (the sandbox was reset), as they would with
 * `POST /v1/pairs/{pair}/ack`: a split-brain risk left by an earlier test stops refusing new promotions.
 */
export async function retireOldPrimaries(...pairs: string[]): Promise<void> {
  for (const pair of pairs) {
    const event = loadEvent<APIGatewayProxyEventV2>('http', 'switchover');
    event.rawPath = `/v1/pairs/${pair}/ack`;
    event.pathParameters = { pair };
    event.headers.authorization = 'Bearer sandbox-approver-key';
    event.body = JSON.stringify({ note: 'sandbox reset', oldPrimaryRetired: true });
    const answer = httpAnswer(await acknowledgePair(event, lambdaContext()));
    if (answer.status !== 200) throw new Error(`ack of ${pair} answered ${answer.status}`);
  }
}
