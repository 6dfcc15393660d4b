/**
 * The layering ARCHITECTURE.md describes, enforced by `npm run lint`: each folder of shared/ imports only the
 * folders below it (type-only imports included), and nothing imports in a cycle.
 */
const below = {
  domain: [],
  aws: [],
  http: [],
  telemetry: [],
  providers: ['domain', 'http'],
  config: ['domain', 'providers', 'aws'],
  alerts: ['domain'],
  store: ['domain', 'aws'],
  notify: ['domain', 'http'],
  queue: ['domain', 'aws'],
  auth: ['domain', 'config'],
  operations: ['domain', 'http', 'config', 'providers', 'store', 'notify', 'queue', 'deps\\.ts'],
  failover: [
    'domain',
    'config',
    'alerts',
    'providers',
    'store',
    'notify',
    'queue',
    'deps\\.ts',
    'operations',
  ],
  views: ['domain', 'config', 'providers', 'store', 'deps\\.ts', 'operations', 'failover'],
  chat: [
    'domain',
    'config',
    'auth',
    'providers',
    'store',
    'notify',
    'queue',
    'deps\\.ts',
    'operations',
    'failover',
    'views',
  ],
  edge: [
    'domain',
    'aws',
    'config',
    'auth',
    'alerts',
    'providers',
    'store',
    'notify',
    'queue',
    'deps\\.ts',
    'operations',
    'failover',
    'views',
    'chat',
  ],
};
// Logs and metrics are written from every layer, as Powertools' logger and metrics are meant to be.
for (const [folder, allowed] of Object.entries(below))
  if (!['domain', 'aws', 'http', 'telemetry'].includes(folder)) allowed.push('telemetry');

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle ties two rooms together: move the shared piece down a layer.',
      from: {},
      to: { circular: true },
    },
    ...Object.entries(below).map(([folder, allowed]) => ({
      name: `${folder}-imports-only-below`,
      severity: 'error',
      comment: `shared/${folder} may import only ${allowed.length ? allowed.join(', ') : 'nothing else in shared/'} (ARCHITECTURE.md)`,
      from: { path: `^shared/${folder}/` },
      to: { path: '^shared/', pathNot: `^shared/(${[folder, ...allowed].join('|')})(/|$)` },
    })),
    {
      name: 'deps-is-a-container-of-ports',
      severity: 'error',
      comment: 'shared/deps.ts names the ports; it imports no pipeline, decision or edge code.',
      from: { path: '^shared/deps\\.ts$' },
      to: { path: '^shared/(operations|failover|chat|edge|auth|alerts)/' },
    },
    {
      name: 'composition-root-builds-no-edge',
      severity: 'error',
      comment:
        'shared/create-deps.ts builds the adapters; the edge and the functions build on it, not the reverse.',
      from: { path: '^shared/create-deps\\.ts$' },
      to: { path: '^(shared/edge/|functions/)' },
    },
    {
      name: 'a-provider-is-one-folder',
      severity: 'error',
      comment: 'A provider folder imports no other provider folder: each is added or removed on its own.',
      from: { path: '^shared/providers/([^/]+)/' },
      to: { path: '^shared/providers/[^/]+/', pathNot: '^shared/providers/$1/' },
    },
    {
      name: 'providers-through-the-registry',
      severity: 'error',
      comment:
        'Outside shared/providers, a provider is reached through registry.ts and the port, never its folder.',
      from: { path: '^shared/(?!providers/)' },
      to: { path: '^shared/providers/[^/]+/' },
    },
    {
      name: 'product-code-imports-no-tooling',
      severity: 'error',
      comment: 'What ships never imports the sandbox, the tests or the benchmarks.',
      from: { path: '^(shared|functions)/' },
      to: { path: '^(sandbox|test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
