import { describe, expect, it, vi } from 'vitest';
import { type ParameterReader, SecretResolver, secretsTtlMs } from '../../../shared/config/load-config.js';
import { containerDeps, refreshingDeps } from '../../../shared/create-deps.js';
import type { Deps } from '../../../shared/deps.js';
import { ConfigError } from '../../../shared/domain/errors.js';

const TTL_MS = 300_000;

/** A config document kept in SSM that names its secrets as SecureString parameters. */
const document = (description: string) => `
providers:
  oceanbase:
    endpoint: http://127.0.0.1:9
    auth:
      type: aksk
      accessKeyId: { ssm: /switchyard/test/ocp/access-key-id }
      accessKeySecret: { ssm: /switchyard/test/ocp/access-key-secret }
pairs:
  - name: orders-ob
    provider: oceanbase
    description: ${description}
    oceanbase: { primary: { clusterId: 1, tenantId: 1001 }, standby: { clusterId: 2, tenantId: 1002 } }
notifications:
  console: false
  webhooks:
    - name: sink
      url: http://127.0.0.1:9/notifications
      secret: { ssm: /switchyard/test/webhook-secret }
`;

/** A parameter store on a clock the test moves: counts reads, can be made slow or failing. */
function parameterStore() {
  const values = new Map<string, string>([
    ['/switchyard/test/config', document('first')],
    ['/switchyard/test/ocp/access-key-id', 'ocp-ak'],
    ['/switchyard/test/ocp/access-key-secret', 'ocp-sk-first-7f3a'],
    ['/switchyard/test/webhook-secret', 'webhook-secret-first-c21d'],
  ]);
  const reads = new Map<string, number>();
  let gate: Promise<void> | undefined;
  let failing: string | undefined;
  const read: ParameterReader = async (name) => {
    reads.set(name, (reads.get(name) ?? 0) + 1);
    await gate;
    if (name === failing)
      throw Object.assign(new Error(`Rate exceeded for ${name}`), { name: 'ThrottlingException' });
    const value = values.get(name);
    if (value === undefined) throw new Error(`ParameterNotFound: ${name}`);
    return value;
  };
  return {
    values,
    read,
    readsOf: (name: string) => reads.get(name) ?? 0,
    totalReads: () => [...reads.values()].reduce((a, b) => a + b, 0),
    /** Holds every read until the returned function is called. */
    hold() {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    failOn(name: string | undefined) {
      failing = name;
    },
  };
}

/** sharedDeps, with the parameter reader and clock injected instead of SSM and Date.now. */
function depsFrom(store: ReturnType<typeof parameterStore>, clock: { now: number }, log: string[] = []) {
  const env = {
    SWITCHYARD_TABLE: 'switchyard-test',
    SWITCHYARD_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
    SWITCHYARD_CONFIG: 'ssm:/switchyard/test/config',
    SWITCHYARD_SECRETS_TTL_SECONDS: String(TTL_MS / 1000),
  };
  return containerDeps({
    env,
    readParameter: store.read,
    now: () => clock.now,
    log: (line) => log.push(line),
  });
}

/** What an OCP call and a webhook delivery read: the secrets, as the config keys that name them. */
async function useSecrets(deps: Deps) {
  const ocp = deps.config.providers.oceanbase;
  const hook = deps.config.notifications.webhooks[0];
  if (ocp?.auth.type !== 'aksk' || !hook) throw new Error('the test document names these secrets');
  await deps.secrets.resolve(ocp.auth.accessKeyId, 'providers.oceanbase.auth.accessKeyId');
  await deps.secrets.resolve(ocp.auth.accessKeySecret, 'providers.oceanbase.auth.accessKeySecret');
  return deps.secrets.resolve(hook.secret, 'notifications.webhooks.0.secret');
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('deps read again after the TTL', () => {
  it('reads the document once, a secret only when first used, and neither again within the TTL', async () => {
    const store = parameterStore();
    const clock = { now: 0 };
    const deps = depsFrom(store, clock);

    const first = await deps();
    // Nothing has asked for a secret yet: a function that never calls OCP never reads its key.
    expect(store.totalReads()).toBe(1);
    await useSecrets(first);
    clock.now = TTL_MS - 1;
    expect(await deps()).toBe(first);
    expect(await deps()).toBe(first);

    expect(store.readsOf('/switchyard/test/config')).toBe(1);
    expect(store.readsOf('/switchyard/test/ocp/access-key-secret')).toBe(1);
    expect(store.readsOf('/switchyard/test/webhook-secret')).toBe(1);
    expect(store.totalReads()).toBe(4);
  });

  it('answers the call that notices the expiry with the deps in use, and the next calls with new ones', async () => {
    const store = parameterStore();
    const clock = { now: 0 };
    const deps = depsFrom(store, clock);
    const first = await deps();
    await useSecrets(first);
    store.values.set('/switchyard/test/config', document('second'));
    store.values.set('/switchyard/test/ocp/access-key-secret', 'ocp-sk-second-9b1e');

    clock.now = TTL_MS;
    const release = store.hold();
    // SSM is not answering, yet the call is served at once from what it has.
    expect(await deps()).toBe(first);
    expect(await deps()).toBe(first);
    expect(store.readsOf('/switchyard/test/config')).toBe(2);
    release();
    await vi.waitFor(async () => expect(await deps()).not.toBe(first));

    const second = await deps();
    expect(second.config.pairs[0]?.description).toBe('second');
    expect(await second.secrets.resolve({ ssm: '/switchyard/test/ocp/access-key-secret' }, 'x')).toBe(
      'ocp-sk-second-9b1e',
    );
    expect(store.readsOf('/switchyard/test/ocp/access-key-secret')).toBe(2);
    expect(store.readsOf('/switchyard/test/webhook-secret')).toBe(2);
    // The new deps are as fresh as their build: no read until another TTL has passed.
    clock.now = 2 * TTL_MS - 1;
    await deps();
    expect(store.totalReads()).toBe(8);
  });

  it('keeps the deps in use when a refresh fails, says so without a secret, and tries again a TTL later', async () => {
    const store = parameterStore();
    const clock = { now: 0 };
    const log: string[] = [];
    const deps = depsFrom(store, clock, log);
    const first = await deps();
    await useSecrets(first);

    store.failOn('/switchyard/test/webhook-secret');
    clock.now = TTL_MS;
    expect(await deps()).toBe(first);
    await settled();
    expect(await deps()).toBe(first);

    expect(log).toHaveLength(1);
    expect(log[0]).toContain('keeping those in use');
    expect(log[0]).toContain(
      'notifications.webhooks.0.secret: cannot read SSM parameter /switchyard/test/webhook-secret',
    );
    for (const secret of ['ocp-sk-first-7f3a', 'webhook-secret-first-c21d'])
      expect(log[0]).not.toContain(secret);

    // Not every request hammers SSM while it fails: the next try is a TTL after the failure.
    const readsAfterFailure = store.totalReads();
    clock.now = 2 * TTL_MS - 1;
    await deps();
    expect(store.totalReads()).toBe(readsAfterFailure);

    store.failOn(undefined);
    clock.now = 2 * TTL_MS;
    await deps();
    await vi.waitFor(async () => expect(await deps()).not.toBe(first));
  });

  it('retries a first build that failed on the next call, as before', async () => {
    const store = parameterStore();
    const clock = { now: 0 };
    const deps = depsFrom(store, clock);
    store.failOn('/switchyard/test/config');

    await expect(deps()).rejects.toThrow(/Cannot read configuration from ssm:\/switchyard\/test\/config/);
    store.failOn(undefined);

    expect((await deps()).config.pairs[0]?.name).toBe('orders-ob');
  });

  it('builds once for good with a TTL of 0', async () => {
    const clock = { now: 0 };
    let builds = 0;
    const deps = refreshingDeps({
      ttlMs: 0,
      now: () => clock.now,
      build: async () => {
        builds++;
        return { builds } as unknown as Deps;
      },
    });
    const first = await deps();
    clock.now = 100 * TTL_MS;
    expect(await deps()).toBe(first);
    expect(builds).toBe(1);
  });
});

describe('secrets read again after the TTL', () => {
  it('serves an expired secret at once while reading it again, then the new value', async () => {
    const store = parameterStore();
    const clock = { now: 0 };
    const secrets = new SecretResolver(store.read, {}, { ttlMs: TTL_MS, now: () => clock.now });
    const ref = { ssm: '/switchyard/test/webhook-secret' };

    expect(await secrets.resolve(ref, 'x')).toBe('webhook-secret-first-c21d');
    clock.now = TTL_MS - 1;
    expect(await secrets.resolve(ref, 'x')).toBe('webhook-secret-first-c21d');
    expect(store.readsOf(ref.ssm)).toBe(1);

    store.values.set(ref.ssm, 'webhook-secret-rotated-55aa');
    clock.now = TTL_MS;
    const release = store.hold();
    expect(await secrets.resolve(ref, 'x')).toBe('webhook-secret-first-c21d');
    expect(await secrets.resolve(ref, 'x')).toBe('webhook-secret-first-c21d');
    expect(store.readsOf(ref.ssm)).toBe(2);
    release();
    await settled();
    expect(await secrets.resolve(ref, 'x')).toBe('webhook-secret-rotated-55aa');
  });

  it('keeps the value it has when reading again fails, and logs the parameter, not the value', async () => {
    const store = parameterStore();
    const clock = { now: 0 };
    const log: string[] = [];
    const secrets = new SecretResolver(
      store.read,
      {},
      { ttlMs: TTL_MS, now: () => clock.now, log: (line) => log.push(line) },
    );
    const ref = { ssm: '/switchyard/test/webhook-secret' };
    await secrets.resolve(ref, 'notifications.webhooks.0.secret');

    store.failOn(ref.ssm);
    clock.now = TTL_MS;
    expect(await secrets.resolve(ref, 'notifications.webhooks.0.secret')).toBe('webhook-secret-first-c21d');
    await settled();
    expect(await secrets.resolve(ref, 'notifications.webhooks.0.secret')).toBe('webhook-secret-first-c21d');
    expect(log).toEqual([
      '[config] notifications.webhooks.0.secret: cannot read SSM parameter /switchyard/test/webhook-secret again, keeping the value read before: ThrottlingException: Rate exceeded for /switchyard/test/webhook-secret',
    ]);
    expect(store.readsOf(ref.ssm)).toBe(2);
  });

  it('reads SWITCHYARD_SECRETS_TTL_SECONDS, 300 s by default', () => {
    expect(secretsTtlMs({})).toBe(300_000);
    expect(secretsTtlMs({ SWITCHYARD_SECRETS_TTL_SECONDS: '60' })).toBe(60_000);
    expect(secretsTtlMs({ SWITCHYARD_SECRETS_TTL_SECONDS: '0' })).toBe(0);
    expect(() => secretsTtlMs({ SWITCHYARD_SECRETS_TTL_SECONDS: 'soon' })).toThrow(ConfigError);
  });
});
