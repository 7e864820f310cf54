import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TokenManager } from '../auth/token-manager.js';
import type { TokenWait } from '../auth/token-endpoint.js';
import { type Locale, localeFromEnv } from '../i18n/index.js';
import { createLogger, type Logger } from '../log.js';
import type { Store } from '../store/store.js';

/** What every CLI command gets: where mailbridge keeps its files, the store, output. */
export interface CliContext {
  /** MAILBRIDGE_HOME, default ~/.mailbridge: the SQLite file and the key file live here. */
  home: string;
  logger: Logger;
  /** Opened on first use and closed when the command ends. */
  store(): Promise<Store>;
  /** A token manager for this command: the wait budget from the environment, progress on a TTY. */
  tokens(): Promise<TokenManager>;
  /** The language of what people read (LC_ALL, LC_MESSAGES, LANG): 'ja' or 'en'. --json output stays English. */
  locale: Locale;
  /** True when the global --json flag was given. */
  json(): boolean;
  /** Print a line (or lines) for a person on stdout. */
  print(text: string): void;
  /** Print a value as JSON on stdout. */
  printJson(value: unknown): void;
  close(): Promise<void>;
}

export function createCliContext(opts: { json: () => boolean }): CliContext {
  const home = process.env.MAILBRIDGE_HOME ?? join(homedir(), '.mailbridge');
  const logger = createLogger();
  let store: Promise<Store> | undefined;
  return {
    home,
    logger,
    // The store, the token manager and what they load are imported on first use: `--help` and
    // commands that need neither start without them.
    store() {
      store ??= import('../store/open.js').then(({ openStore }) => openStore({ home, env: withCredentialKey(process.env) }));
      return store;
    },
    async tokens() {
      const [{ TokenManager }, { describeTokenWait, retryPolicyFromEnv }] = await Promise.all([
        import('../auth/token-manager.js'),
        import('../auth/token-endpoint.js'),
      ]);
      const retry = retryPolicyFromEnv(process.env);
      // A person at a terminal hears why nothing happens; pipes and scripts stay quiet.
      const onWait = process.stderr.isTTY && !opts.json()
        ? (w: TokenWait) => process.stderr.write(`mailbridge: ${describeTokenWait(w)}\n`)
        : undefined;
      return new TokenManager({ store: await this.store(), logger, retry, ...(onWait ? { onWait } : {}) });
    },
    locale: localeFromEnv(),
    json: opts.json,
    print(text) {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    printJson(value) {
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    async close() {
      if (store) await (await store).close();
    },
  };
}

/**
 * Under systemd, the sealing key comes as a credential (`LoadCredential=mailbridge-key:…`, see
 * deploy/mailbridge.service): a file only this service can read, so the key never sits in the
 * environment or the unit. https://systemd.io/CREDENTIALS/ An explicit MAILBRIDGE_KEY wins.
 */
function withCredentialKey(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir || env.MAILBRIDGE_KEY) return env;
  try {
    return { ...env, MAILBRIDGE_KEY: readFileSync(join(dir, 'mailbridge-key'), 'utf8').trim() };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw e;
  }
}
