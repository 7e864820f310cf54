import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parsePermissionList, type Permission } from './resources.js';
import type { IdentityState } from './state.js';

/**
 * The part of the emulated tenant a person's work depends on (consents, refresh tokens, "revoke
 * sessions"), kept in one JSON file so a restarted sandbox honours what it issued, as a real
 * tenant does: without it every stored refresh token fails with invalid_grant after a restart.
 * Pending logins, codes and device codes live minutes and are not kept.
 */
const fileSchema = z.object({
  version: z.literal(1),
  seq: z.number().int().nonnegative(),
  consents: z.array(z.object({ key: z.string(), grants: z.array(z.string()) })),
  refreshTokens: z.array(z.object({
    token: z.string(), clientId: z.string(), username: z.string(), permissions: z.array(z.string()),
    oidc: z.array(z.string()), issuedMs: z.number(), seq: z.number(), revoked: z.boolean(),
  })),
  revocations: z.array(z.object({ username: z.string(), revokedAtMs: z.number(), revokedUpToSeq: z.number() })),
});
type StateFile = z.infer<typeof fileSchema>;

const scopeOf = (p: Permission): string => `${p.resource.uri}/${p.name}`;

function snapshot(state: IdentityState): StateFile {
  let seq = 0;
  const refreshTokens = [...state.refreshTokens.values()].map((rt) => {
    seq = Math.max(seq, rt.seq);
    return { ...rt, permissions: rt.permissions.map(scopeOf), oidc: [...rt.oidc] };
  });
  for (const at of state.accessTokens.values()) seq = Math.max(seq, at.seq);
  const revocations = [...state.users.values()].flatMap((u) => (u.revokedAtMs === undefined ? [] : [{
    username: u.username, revokedAtMs: u.revokedAtMs, revokedUpToSeq: u.revokedUpToSeq ?? 0,
  }]));
  for (const r of revocations) seq = Math.max(seq, r.revokedUpToSeq);
  const consents = [...state.consents].map(([key, grants]) => ({ key, grants: [...grants] }));
  return { version: 1, seq, consents, refreshTokens, revocations };
}

function restore(state: IdentityState, file: StateFile): void {
  state.resumeSeqAfter(file.seq);
  for (const c of file.consents) state.consents.set(c.key, new Set([...(state.consents.get(c.key) ?? []), ...c.grants]));
  for (const rt of file.refreshTokens) {
    state.refreshTokens.set(rt.token, { ...rt, permissions: parsePermissionList(rt.permissions, 'delegated'), oidc: new Set(rt.oidc) });
  }
  for (const r of file.revocations) {
    const user = state.user(r.username);
    if (user) Object.assign(user, { revokedAtMs: r.revokedAtMs, revokedUpToSeq: r.revokedUpToSeq });
  }
}

export interface PersistedState {
  /** Write the state now if it changed since the last write. */
  flush(): Promise<void>;
  /** Stop watching and write a last time. */
  close(): Promise<void>;
}

/**
 * Loads `file` into `state` when it exists, then writes the state back (0600, atomically) each
 * second it changed and on close. A file that does not parse is an error, not a silent reset:
 * the tokens it holds would be lost.
 */
export async function persistIdentityState(state: IdentityState, file: string): Promise<PersistedState> {
  let last = '';
  try {
    last = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (last) restore(state, fileSchema.parse(JSON.parse(last)));
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let writing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    writing = writing.then(async () => {
      const text = JSON.stringify(snapshot(state));
      if (text === last) return;
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
      last = text;
    });
    return writing;
  };
  const timer = setInterval(() => { flush().catch(() => undefined); }, 1000);
  timer.unref();
  return {
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
