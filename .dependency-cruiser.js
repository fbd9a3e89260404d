/**
 * Dependency direction (npm run lint). Core (verification, channels, prompts) sees ports only;
 * adapters never import each other, the API, or the core's service; only the composition root
 * (src/main.ts and its wiring modules in src/app/) and the CLI wire concrete parts together.
 */
const ADAPTERS = '^src/(pbx/(simulator|asterisk-ari|freeswitch-esl|dialer)|store/(memory|redis)|webhooks|sms/(pbx-message|smpp|kannel|http))/';

/**
 * One capability's adapters (`adapters`, folders under src/<folder>/) never import each other
 * (nor `siblings` of theirs) or the outer parts listed in `outside`; `shared` folders beside them
 * (history's sql/) are held to the same rule and may be imported by every adapter.
 */
function adaptersIndependent({ name, comment, folder, adapters, shared = [], siblings = [], outside }) {
  return {
    name,
    ...(comment ? { comment } : {}),
    severity: 'error',
    from: { path: `^src/${folder}/(${[...shared, ...adapters].join('|')})/` },
    to: { path: [`^src/${folder}/(${[...adapters, ...siblings].join('|')})/`, ...outside], pathNot: `^src/${folder}/$1/` },
  };
}

/** A library (and its types) is used only inside `inside` (a path pattern under src/). */
function libraryOnlyIn({ name, comment, inside, packages }) {
  return { name, comment, severity: 'error', from: { path: '^src/', pathNot: inside }, to: { path: `(^|/)node_modules/(${packages.join('|')})/` } };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true, dependencyTypesNot: ['type-only'] } },
    {
      name: 'core-not-to-adapters',
      comment: 'The domain and the call scripts use ports, never a concrete driver, store or the API.',
      severity: 'error',
      from: { path: '^src/(verification|channels|prompts)/' },
      to: { path: [ADAPTERS, '^src/api/', '^src/cli/', '^src/main\\.ts$', '^src/metrics/'] },
    },
    {
      name: 'core-imports-ports-as-types',
      comment: 'The domain imports the Pbx and Store ports with `import type` only.',
      severity: 'error',
      from: { path: '^src/verification/' },
      to: { path: '^src/(pbx|store)/port\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'lower-floors-not-to-verification',
      comment:
        'pbx/, prompts/ and lib/ sit below the domain and never import src/verification/: the error ' +
        'catalogue lives in lib/errors.ts so that they need not.',
      severity: 'error',
      from: { path: '^src/(pbx|prompts|lib)/' },
      to: { path: '^src/verification/' },
    },
    {
      name: 'store-sees-only-domain-types',
      comment:
        'The Store port serves the domain, so store/ may name its types, and only those: ' +
        'VerificationRecord and friends (verification/model.ts, the records it persists) and ' +
        'EnginePeers (verification/ports.ts, which the Redis peers implement). Anything else in ' +
        'src/verification/ is out of reach.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/verification/', pathNot: '^src/verification/(model|ports)\\.ts$' },
    },
    {
      name: 'store-imports-domain-types-only',
      comment: 'Those two files are imported with `import type` only: no domain code runs inside a store.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/verification/(model|ports)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    adaptersIndependent({
      name: 'pbx-adapters-independent',
      comment: 'A PBX driver never imports another driver, the API, the service or a store.',
      folder: 'pbx',
      adapters: ['simulator', 'asterisk-ari', 'freeswitch-esl'],
      siblings: ['dialer'],
      outside: ['^src/api/', '^src/verification/service', '^src/store/', '^src/channels/'],
    }),
    {
      name: 'dialer-uses-the-port',
      comment: 'The dialer decorates PBX nodes through the Pbx port only; src/app/pbx.ts builds the drivers.',
      severity: 'error',
      from: { path: '^src/pbx/dialer/' },
      to: { path: ['^src/pbx/(simulator|asterisk-ari|freeswitch-esl)/', '^src/api/', '^src/verification/', '^src/store/', '^src/channels/'] },
    },
    adaptersIndependent({
      name: 'sms-adapters-independent',
      comment: 'An SMS gateway adapter never imports another adapter, the API, the service, a store or a channel.',
      folder: 'sms',
      adapters: ['pbx-message', 'smpp', 'kannel', 'http'],
      outside: ['^src/api/', '^src/verification/', '^src/store/', '^src/channels/'],
    }),
    {
      name: 'sms-core-uses-the-port',
      comment: 'The SMS dispatcher, encoding and templates see gateways through src/sms/port.ts only.',
      severity: 'error',
      from: { path: '^src/sms/[^/]+\\.ts$' },
      to: { path: ['^src/sms/(pbx-message|smpp|kannel|http)/', '^src/api/', '^src/verification/', '^src/store/', '^src/channels/'] },
    },
    libraryOnlyIn({
      name: 'smpp-stays-in-its-adapter',
      comment: 'SMPP PDUs and sessions (the smpp package) never leave src/sms/smpp/.',
      inside: '^src/sms/smpp/',
      packages: ['smpp'],
    }),
    adaptersIndependent({
      name: 'store-adapters-independent',
      folder: 'store',
      adapters: ['memory', 'redis'],
      outside: ['^src/api/', '^src/pbx/', '^src/channels/'],
    }),
    {
      name: 'only-composition-root-wires',
      comment: 'main.ts is imported by the CLI only.',
      severity: 'error',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'app-wiring-only-from-the-root',
      comment:
        'src/app/ holds one wiring module per capability and may import any concrete part (as ' +
        'main.ts does); only main.ts, the CLI and src/app/ itself import it.',
      severity: 'error',
      from: { pathNot: '^src/(main\\.ts$|cli/|app/)' },
      to: { path: '^src/app/' },
    },
    libraryOnlyIn({
      name: 'sql-stays-in-history-adapters',
      comment: 'Kysely, better-sqlite3 and pg (and their types) are used only by the history SQL layer and its two adapters.',
      inside: '^src/history/(sql|sqlite|postgres)/',
      packages: ['kysely', 'better-sqlite3', 'pg', 'pg-[a-z-]+', '@types/(better-sqlite3|pg)'],
    }),
    adaptersIndependent({
      name: 'history-adapters-independent',
      comment: 'The SQLite and PostgreSQL adapters share sql/, never each other; the SQL layer never imports an adapter.',
      folder: 'history',
      adapters: ['sqlite', 'postgres'],
      shared: ['sql'],
      outside: ['^src/(api|verification|channels|pbx|store|webhooks|cli|app)/', '^src/main\\.ts$'],
    }),
    {
      name: 'core-not-to-history',
      comment: 'The domain emits events; it never imports the history (which consumes them).',
      severity: 'error',
      from: { path: '^src/(verification|channels|prompts|pbx|store)/' },
      to: { path: '^src/history/' },
    },
    {
      name: 'api-not-to-adapters',
      comment: 'The API uses the service and ports; the simulator QA routes are the one exception.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: ADAPTERS, pathNot: '^src/pbx/simulator/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|test|bench)/' },
  },
};
