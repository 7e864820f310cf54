// The layer table of docs/architecture.md as rules: a folder of src/ may import only the folders its row "knows
// about" (and what those know, down the table) plus the shared top-level files (errors, secret, log). `npm run lint`
// runs this; an upward import fails CI.
//
// KNOWN exceptions (today's violations, to be removed by issue 16 items 2 and 3; see `issues show 16`):
// - protocols → mail: protocols/* use the message model and the MIME composer (item 3 moves them to src/message/).
// - doctor → mail: doctor/run.ts opens the Mailbox to probe a resource (found when this rule was first run; the
//   table says doctor knows auth and protocols only: probe through protocols/, or move the table's line).
// - cli → sandbox: `mailbridge demo` and `mailbridge sandbox` start the sandbox (item 2 loads it by dynamic import
//   from its own package).
// Remove an entry as soon as its import is gone; never add one without an issue.

/** Folder → the folders it may import (besides itself and the shared top-level files). */
const LAYERS = {
  config: [],
  store: ['config'],
  auth: ['config', 'store'],
  protocols: ['config', 'store', 'auth'],
  mail: ['config', 'store', 'auth', 'protocols'],
  triggers: ['config', 'store', 'auth', 'protocols', 'mail'],
  doctor: ['config', 'store', 'auth', 'protocols'],
  gateway: ['config', 'store', 'auth', 'protocols', 'mail'],
  server: ['config', 'store', 'auth', 'protocols', 'mail', 'triggers', 'doctor', 'gateway'],
  cli: ['config', 'store', 'auth', 'protocols', 'mail', 'triggers', 'doctor', 'server', 'gateway'],
  sandbox: [],
};

/** Files allowed to break their layer's rule today, by the folder they reach into (see the comment above). */
const KNOWN_EXCEPTIONS = {
  protocols: {
    mail: [
      '^src/protocols/ews/(entities|restriction)\\.ts$',
      '^src/protocols/graph/(attachments|contacts|events|filter|send-mail|todo)\\.ts$',
    ],
  },
  doctor: { mail: ['^src/doctor/run\\.ts$'] },
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
