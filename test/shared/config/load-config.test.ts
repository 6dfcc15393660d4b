import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, SecretResolver } from '../../../shared/config/load-config.js';
import { ConfigError } from '../../../shared/domain/errors.js';
import { repoPath } from '../../support/fixtures.js';

const noSsm = async (name: string) => {
  throw new Error(`no SSM here (${name})`);
};

async function configFile(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-config-'));
  const path = join(dir, 'config.yaml');
  await writeFile(path, text);
  return `file:${path}`;
}

describe('configuration', () => {
  it('loads the shipped sandbox config, with endpoints overridable from the environment', async () => {
    const config = await loadConfig(`file:${repoPath('config/sandbox.yaml')}`, noSsm, {
      OCP_ENDPOINT: 'http://127.0.0.1:9999',
    });
    expect(config.providers.oceanbase?.endpoint).toBe('http://127.0.0.1:9999');
    expect(config.pairs.map((p) => p.name)).toEqual([
      'orders-ob',
      'payments-ob',
      'orders-pg',
      'ledger-pg',
      'crm-migration',
      'billing-rds',
    ]);
    expect(config.operations.deadlineSeconds.switchover).toBe(1800);
    expect(config.operations.deadlineSeconds['promote-standby']).toBe(3600);
  });

  it('loads the annotated production example', async () => {
    // serverless.yml sets the topic's ARN for every function.
    const env = {
      SWITCHYARD_NOTIFICATION_TOPIC: 'arn:aws:sns:us-east-1:123456789012:switchyard-prod-notifications',
    };
    const config = await loadConfig(`file:${repoPath('config/production.example.yaml')}`, noSsm, env);
    expect(config.pairs.length).toBeGreaterThan(0);
    expect(config.notifications.sns[0]?.topicArn).toBe(env.SWITCHYARD_NOTIFICATION_TOPIC);
    expect(config.chat.slack?.users).toHaveLength(3);
  });

  it('reads the production example converted to JSON, as the README stores it in SSM, to the same config', async () => {
    const env = {
      SWITCHYARD_NOTIFICATION_TOPIC: 'arn:aws:sns:us-east-1:123456789012:switchyard-prod-notifications',
    };
    const asYaml = await loadConfig(`file:${repoPath('config/production.example.yaml')}`, noSsm, env);
    const { parse } = await import('yaml');
    const text = await readFile(repoPath('config/production.example.yaml'), 'utf8');
    const asJson = await loadConfig(
      'ssm:/switchyard/prod/config',
      async () => JSON.stringify(parse(text)),
      env,
    );
    expect(asJson).toEqual(asYaml);
    // A YAML flow mapping starts with a brace too, and is still read as YAML.
    const flow = await configFile(
      '{ providers: { oceanbase: { endpoint: "http://ocp:8080", auth: { type: basic, username: { value: u }, password: { value: p } } } } }',
    );
    expect((await loadConfig(flow, noSsm, {})).providers.oceanbase?.endpoint).toBe('http://ocp:8080');
  });

  it('refuses a JSON document that repeats a key, as it refuses the same YAML, rather than keep the last', async () => {
    const env = {
      SWITCHYARD_NOTIFICATION_TOPIC: 'arn:aws:sns:us-east-1:123456789012:switchyard-prod-notifications',
    };
    const { parse } = await import('yaml');
    const document = parse(await readFile(repoPath('config/production.example.yaml'), 'utf8'));
    const json = JSON.stringify(document).replace(
      '"mode":"approve"',
      // A second "mode" in the same object, written as an escape so a plain text search would miss it.
      '"mode":"approve","m\\u006fde":"auto"',
    );
    expect(json).toContain('m\\u006fde');
    const error = await loadConfig('ssm:/switchyard/prod/config', async () => json, env).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/the key "mode" is written twice in one object/);
    // The same document without the repeat loads.
    await expect(loadConfig('ssm:/x', async () => JSON.stringify(document), env)).resolves.toBeDefined();
  });

  it('keeps a variable inside its JSON string whatever it holds, and never reads a JSON document as YAML', async () => {
    const { parse } = await import('yaml');
    const document = parse(await readFile(repoPath('config/production.example.yaml'), 'utf8'));
    const json = JSON.stringify(document);
    // A value that would close its string and add a key, were it pasted in as it is.
    const injected = 'arn:aws:sns:x", "failover": {"mode": "auto"}, "description": "x';
    const config = await loadConfig('ssm:/c', async () => json, { SWITCHYARD_NOTIFICATION_TOPIC: injected });
    expect(config.notifications.sns[0]?.topicArn).toBe(injected);
    expect(config.pairs.find((p) => p.name === 'orders-ob')?.failover.mode).toBe('approve');
  });

  it('names the bad key when a value is wrong', async () => {
    const location = await configFile(`
providers:
  oceanbase:
    endpoint: http://ocp:8080
    auth: { type: aksk, accessKeyId: { env: AK }, accessKeySecret: { env: SK } }
pairs:
  - name: orders
    provider: oceanbase
    oceanbase:
      primary: { clusterId: 1, tenantId: "1001" }
      standby: { clusterId: 2, tenantId: 1002 }
`);
    await expect(loadConfig(location, noSsm, {})).rejects.toThrow(/pairs\.0\.oceanbase\.primary\.tenantId/);
  });

  it('names an unknown key, so a typo does not pass silently', async () => {
    const location = await configFile('pollerr: { concurrency: 4 }\n');
    await expect(loadConfig(location, noSsm, {})).rejects.toThrow(/pollerr/);
  });

  it('refuses a pair whose provider has no endpoint, and duplicate pair names', async () => {
    const pair = `  - name: orders
    provider: oceanbase
    oceanbase: { primary: { clusterId: 1, tenantId: 1 }, standby: { clusterId: 2, tenantId: 2 } }
`;
    await expect(loadConfig(await configFile(`pairs:\n${pair}`), noSsm, {})).rejects.toThrow(
      /pairs\.0\.provider/,
    );
    const endpoint = `providers:
  oceanbase: { endpoint: "http://ocp", auth: { type: basic, username: { value: u }, password: { value: p } } }
`;
    await expect(
      loadConfig(await configFile(`${endpoint}pairs:\n${pair}${pair}`), noSsm, {}),
    ).rejects.toThrow(/pairs\.1\.name: duplicate/);
  });

  it('refuses a lag budget the provider cannot measure, naming the key, and requires a known lag by default', async () => {
    const providers = `providers:
  oceanbase: { endpoint: "http://ocp", auth: { type: basic, username: { value: u }, password: { value: p } } }
  alibaba: { auth: { accessKeyId: { value: a }, accessKeySecret: { value: s } } }
`;
    const alibaba = (failover: string) => `pairs:
  - name: billing
    provider: alibaba
    failover: ${failover}
    alibaba: { regionId: cn-hangzhou, primary: { instanceId: p }, standby: { instanceId: s } }
`;
    const refused = loadConfig(
      await configFile(`${providers}${alibaba('{ mode: auto, maxLagSeconds: 30 }')}`),
      noSsm,
      {},
    );
    await expect(refused).rejects.toThrow(
      /pairs\.0\.failover\.maxLagSeconds: Alibaba Cloud reports no replication lag/,
    );
    const ocp = `pairs:
  - name: orders
    provider: oceanbase
    failover: { mode: auto, maxLagMb: 16 }
    oceanbase: { primary: { clusterId: 1, tenantId: 1 }, standby: { clusterId: 2, tenantId: 2 } }
`;
    await expect(loadConfig(await configFile(`${providers}${ocp}`), noSsm, {})).rejects.toThrow(
      /pairs\.0\.failover\.maxLagMb/,
    );
    const config = await loadConfig(await configFile(`${providers}${alibaba('{ mode: auto }')}`), noSsm, {});
    expect(config.pairs[0]?.failover).toMatchObject({ requireKnownLag: true, fencing: 'required' });
  });

  it("refuses an application check with credentials in its URL, or two of one name, and defaults a pair's verification", async () => {
    const providers = `providers:
  oceanbase: { endpoint: "http://ocp", auth: { type: basic, username: { value: u }, password: { value: p } } }
`;
    const pair = (verification: string) => `pairs:
  - name: orders
    provider: oceanbase
    verification: ${verification}
    oceanbase: { primary: { clusterId: 1, tenantId: 1 }, standby: { clusterId: 2, tenantId: 2 } }
`;
    const load = async (verification: string) =>
      loadConfig(await configFile(`${providers}${pair(verification)}`), noSsm, {});
    await expect(
      load('{ checks: [{ name: w, url: "https://app:secret@orders.example.com/w" }] }'),
    ).rejects.toThrow(/pairs\.0\.verification\.checks\.0\.url: no credentials in the URL/);
    await expect(
      load(
        '{ checks: [{ name: w, url: "https://a.example.com/" }, { name: w, url: "https://b.example.com/" }] }',
      ),
    ).rejects.toThrow(/pairs\.0\.verification\.checks: check names must differ/);
    await expect(load('{ windowSeconds: 3600 }')).rejects.toThrow(/pairs\.0\.verification\.windowSeconds/);
    const config = await load('{ checks: [{ name: w, url: "https://orders.example.com/w" }] }');
    expect(config.pairs[0]?.verification).toEqual({
      windowSeconds: 120,
      checks: [{ name: 'w', url: 'https://orders.example.com/w', method: 'GET', timeoutMs: 3000 }],
    });
  });

  it('says where the YAML is broken without quoting the line, which may hold a secret', async () => {
    const location = await configFile(
      'chat:\n  slack:\n    signingSecret: { value: inline-secret-4d2f } users: []\n',
    );
    const error = (await loadConfig(location, noSsm, {}).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/is not valid YAML: .* at line 3, column \d+$/);
    expect(error.message).not.toContain('inline-secret-4d2f');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('inline-secret-4d2f');
  });

  it('says which variable is missing', async () => {
    const location = await configFile(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} syntax
      'providers:\n  oceanbase: { endpoint: "${OCP_ENDPOINT}", auth: { type: basic, username: { value: u }, password: { value: p } } }\n',
    );
    await expect(loadConfig(location, noSsm, {})).rejects.toThrow(/OCP_ENDPOINT is not set/);
    await expect(loadConfig(undefined, noSsm, {})).rejects.toBeInstanceOf(ConfigError);
  });

  it('resolves secrets from the environment and SSM, reading each parameter once', async () => {
    let reads = 0;
    const secrets = new SecretResolver(
      async (name) => {
        reads++;
        return `secret-of-${name}`;
      },
      { OCP_SK: 'from-env' },
    );
    expect(await secrets.resolve({ env: 'OCP_SK' }, 'x')).toBe('from-env');
    expect(await secrets.resolve({ ssm: '/switchyard/prod/ocp-sk' }, 'x')).toBe(
      'secret-of-/switchyard/prod/ocp-sk',
    );
    await secrets.resolve({ ssm: '/switchyard/prod/ocp-sk' }, 'x');
    expect(reads).toBe(1);
    await expect(
      secrets.resolve({ env: 'MISSING' }, 'providers.oceanbase.auth.accessKeySecret'),
    ).rejects.toThrow(/providers\.oceanbase\.auth\.accessKeySecret: environment variable MISSING is not set/);
  });
});
