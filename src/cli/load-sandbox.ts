import { ConfigError } from '../errors.js';

/** The `@mailbridge/sandbox` package, as `import()` gives it. */
export type SandboxModule = typeof import('#sandbox');

/**
 * Loads `@mailbridge/sandbox` (identity emulator + Exchange emulator) for the commands that run it (`demo`, `sandbox`).
 * It is a package of its own that mailbridge never imports statically (the layer rules check it), so `mailbridge
 * --help` and every other command start without loading its servers.
 *
 * `#sandbox` is package.json's `imports` entry for the sandbox's build, which mailbridge's tarball carries
 * (`packages/sandbox/dist`), so an installed mailbridge (`npm install -g` of the tarball) needs no second package.
 * Under tsx, tsconfig.json's `paths` maps it to the sandbox's sources.
 */
export function loadSandbox(): Promise<SandboxModule> {
  return import('#sandbox');
}

/**
 * The sandbox's own seed error (it imports nothing of mailbridge, so it has a class of its own) as mailbridge's
 * ConfigError, so the CLI prints it as its one line; anything else unchanged.
 */
export function asConfigError(e: unknown, sandbox: SandboxModule): unknown {
  if (!(e instanceof sandbox.SandboxSeedError)) return e;
  return new ConfigError({
    code: e.code,
    message: e.message,
    hint: e.hint,
    ...(e.field ? { field: e.field } : {}),
    cause: e,
  });
}
