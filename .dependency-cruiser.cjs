// The layer table of docs/architecture.md as rules: a folder of src/ may import only the folders its row "knows
// about" (and what those know, down the table) plus the shared top-level files (errors, secret, log). `npm run lint`
// runs this; an upward import fails CI.
//
// KNOWN exceptions (today's violations, to be removed by issue 16 items 2 and 3; see `issues show 16`):
// - store → triggers: store/store.ts and store/rows.ts use the trigger definition schema (item 3 moves it to config/).
// - cli → sandbox: `mailbridge demo` and `mailbridge sandbox` start the sandbox (item 2 loads it by dynamic import
//   from its own package).
// Remove an entry as soon as its import is gone; never add one without an issue.

/** Folder → the folders it may import (besides itself and the shared top-level files). */
const LAYERS = {
  // The message model (messages, drafts, headers, MIME composing and parsing, charsets, filters, entities): data
  // every client layer speaks, so it knows none of them.
  message: [],
  config: ['message'],
  store: ['message', 'config'],
  auth: ['message', 'config', 'store'],
  protocols: ['message', 'config', 'store', 'auth'],
  mail: ['message', 'config', 'store', 'auth', 'protocols'],
  triggers: ['message', 'config', 'store', 'auth', 'protocols', 'mail'],
  // The doctor's last step is a real login through the mail facade, the same one every mail command makes.
  doctor: ['message', 'config', 'store', 'auth', 'protocols', 'mail'],
  gateway: ['message', 'config', 'store', 'auth', 'protocols', 'mail'],
  server: ['message', 'config', 'store', 'auth', 'protocols', 'mail', 'triggers', 'doctor', 'gateway'],
  cli: ['message', 'config', 'store', 'auth', 'protocols', 'mail', 'triggers', 'doctor', 'server', 'gateway'],
  sandbox: [],
};

/** Files allowed to break their layer's rule today, by the folder they reach into (see the comment above). */
const KNOWN_EXCEPTIONS = {
  store: { triggers: ['^src/store/(store|rows|sqlite|postgres)\\.ts$'] },
  cli: { sandbox: ['^src/cli/commands/demo\\.ts$', '^src/cli/commands/sandbox\\.ts$'] },
};

const SHARED = '^src/(errors|secret|log)(\\.ts$|/)';
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
