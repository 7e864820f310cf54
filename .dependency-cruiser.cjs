// src/i18n (languages, the text catalogue) is shared like errors, secret and log: every layer may use it.
// The layer table of docs/architecture.md as rules: a folder of src/ may import only the folders its row "knows
// about" (and what those know, down the table) plus the shared top-level files (errors, secret, log). `npm run lint`
// runs this; an upward import fails CI.
//
// KNOWN exceptions: none today (issue 16 removed the last ones); list a file here only with an issue that removes it.

/** Folder → the folders it may import (besides itself and the shared top-level files). */
const LAYERS = {
  // The message model (messages, drafts, headers, MIME composing and parsing, charsets, filters, entities): data
  // every client layer speaks, so it knows none of them.
  message: [],
  config: ['message'],
  // How connections leave the machine (proxy choice, CONNECT tunnels, the fetch every HTTP call uses).
  net: ['message', 'config'],
  store: ['message', 'config'],
  auth: ['message', 'config', 'net', 'store'],
  protocols: ['message', 'config', 'net', 'store', 'auth'],
  mail: ['message', 'config', 'net', 'store', 'auth', 'protocols'],
  triggers: ['message', 'config', 'net', 'store', 'auth', 'protocols', 'mail'],
  // The doctor's last step is a real login through the mail facade, the same one every mail command makes.
  doctor: ['message', 'config', 'net', 'store', 'auth', 'protocols', 'mail'],
  gateway: ['message', 'config', 'net', 'store', 'auth', 'protocols', 'mail'],
  server: ['message', 'config', 'net', 'store', 'auth', 'protocols', 'mail', 'triggers', 'doctor', 'gateway'],
  cli: ['message', 'config', 'net', 'store', 'auth', 'protocols', 'mail', 'triggers', 'doctor', 'server', 'gateway'],
};

/** Files allowed to break their layer's rule today, by the folder they reach into (see the comment above). */
const KNOWN_EXCEPTIONS = {
};

const SHARED = '^src/(errors|secret|log|i18n)(\\.ts$|/)';
const ALL = Object.keys(LAYERS);

const forbidden = [];
for (const [layer, allowed] of Object.entries(LAYERS)) {
  const banned = ALL.filter((l) => l !== layer && !allowed.includes(l));
  for (const target of banned) {
    const known = KNOWN_EXCEPTIONS[layer]?.[target] ?? [];
    forbidden.push({
      name: `layer-${layer}-not-${target}`,
      comment: `src/${layer}/ must not import src/${target}/ (docs/architecture.md, layer table)`,
      severity: 'error',
      from: { path: `^src/${layer}/`, ...(known.length ? { pathNot: known } : {}) },
      to: { path: `^src/${target}/` },
    });
  }
}
// The sandbox is the package @mailbridge/sandbox (packages/sandbox; `#sandbox` in package.json `imports`). mailbridge
// loads it only where it runs it (`demo`, `sandbox`: src/cli/load-sandbox.ts) by import(), so `mailbridge --help` and
// every other command never load it; types may be imported (erased). The one static import is src/sandbox.ts, the
// `mailbridge/sandbox` entry point that re-exports the package for users; nothing in src/ imports that entry.
const SANDBOX_PACKAGE = '(^|/)node_modules/@mailbridge/sandbox/|^packages/sandbox/';
forbidden.push({
  name: 'src-no-static-sandbox-import',
  comment: 'src/ loads the sandbox (#sandbox, @mailbridge/sandbox) only by import() (src/cli/load-sandbox.ts); a static import would load it on every start',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/sandbox\\.ts$' },
  to: { path: SANDBOX_PACKAGE, dependencyTypesNot: ['dynamic-import', 'type-only', 'type-import'] },
});
forbidden.push({
  name: 'src-not-the-sandbox-entry',
  comment: 'src/sandbox.ts is the `mailbridge/sandbox` entry point for users; importing it would load the sandbox statically',
  severity: 'error',
  from: { path: '^src/' },
  to: { path: '^src/sandbox\\.ts$' },
});
forbidden.push({
  name: 'sandbox-imports-no-mailbridge',
  comment: 'packages/sandbox is a package of its own (@mailbridge/sandbox): it imports nothing of mailbridge',
  severity: 'error',
  from: { path: '^packages/sandbox/' },
  to: { path: '^(src|test|scripts|bench|examples)/|(^|/)node_modules/mailbridge/' },
});
forbidden.push({
  name: 'shared-files-import-no-layer',
  comment: 'errors, secret and log sit below every layer and import none of them',
  severity: 'error',
  from: { path: SHARED },
  to: { path: `^src/(${ALL.join('|')})/` },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
