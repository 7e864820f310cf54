import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT, generateKeyPair } from 'jose';
import { createExchangeContext, type SandboxExchangeContext, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { ALICE, APP, BOB, GRAPH, OUTLOOK } from './support.js';

let identity: IdentityEmulator;
let ctx: SandboxExchangeContext;
/** The sandbox clock runs with real time, shifted by `offset` for expiry tests. */
const clock = { offset: 0 };

before(async () => {
  identity = await startIdentityEmulator();
  ctx = await createExchangeContext({ identity, now: () => Date.now() + clock.offset });
});
after(() => identity.close());

const mint = async (input: Parameters<IdentityEmulator['admin']['mintAccessToken']>[0]) => (await identity.admin.mintAccessToken(input)).access_token;
const IMAP_NEED = { audience: 'outlook' as const, anyScope: ['IMAP.AccessAsUser.All'], anyRole: ['IMAP.AccessAsApp'] };

test('a good delegated Outlook token gives the user principal', async () => {
  const r = await ctx.tokens.validate(await mint({ username: ALICE, audience: OUTLOOK, scope: 'IMAP.AccessAsUser.All SMTP.Send' }), { ...IMAP_NEED, mailbox: ALICE });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.principal.upn, ALICE);
  assert.equal(r.principal.appOnly, false);
  assert.equal(r.principal.appId, APP);
  assert.deepEqual(r.principal.scopes, ['IMAP.AccessAsUser.All', 'SMTP.Send']);
  assert.ok(ctx.tokens.canAccess(r.principal, ALICE));
  assert.equal(ctx.tokens.canAccess(r.principal, BOB), false);
});

test('expired on the sandbox clock', async () => {
  const token = await mint({ username: ALICE, audience: OUTLOOK, scope: 'IMAP.AccessAsUser.All', expiresInSeconds: 600 });
  assert.ok((await ctx.tokens.validate(token, IMAP_NEED)).ok);
  clock.offset = 601_000;
  try {
    const r = await ctx.tokens.validate(token, IMAP_NEED);
    assert.deepEqual(r.ok ? 'ok' : r.reason, 'expired');
  } finally {
    clock.offset = 0;
  }
});

test('a Graph token is refused by Outlook endpoints and the other way round', async () => {
  const graph = await mint({ username: ALICE, audience: GRAPH, scope: 'Mail.Read' });
  const r = await ctx.tokens.validate(graph, IMAP_NEED);
  assert.equal(r.ok ? 'ok' : r.reason, 'wrong_audience');
  const outlook = await mint({ username: ALICE, audience: OUTLOOK, scope: 'Mail.Read' });
  const g = await ctx.tokens.validate(outlook, { audience: 'graph', anyScope: ['Mail.Read'], anyRole: ['Mail.Read'] });
  assert.equal(g.ok ? 'ok' : g.reason, 'wrong_audience');
  assert.ok((await ctx.tokens.validate(graph, { audience: 'graph', anyScope: ['Mail.Read'], anyRole: [] })).ok);
});

test('a token without the protocol scope is insufficient_scope', async () => {
  const r = await ctx.tokens.validate(await mint({ username: ALICE, audience: OUTLOOK, scope: 'SMTP.Send' }), IMAP_NEED);
  assert.equal(r.ok ? 'ok' : r.reason, 'insufficient_scope');
});

test('a token signed by another key is bad_signature; garbage is malformed', async () => {
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({ aud: OUTLOOK, upn: ALICE, scp: 'IMAP.AccessAsUser.All' })
    .setProtectedHeader({ alg: 'RS256', kid: 'nope' }).setExpirationTime('1h').sign(privateKey);
  const r = await ctx.tokens.validate(forged, IMAP_NEED);
  assert.equal(r.ok ? 'ok' : r.reason, 'bad_signature');
  const m = await ctx.tokens.validate('not-a-jwt', IMAP_NEED);
  assert.equal(m.ok ? 'ok' : m.reason, 'malformed');
});

test('app-only needs a role and a mailbox permission', async () => {
  const token = await mint({ clientId: APP, audience: OUTLOOK, roles: ['IMAP.AccessAsApp'] });
  // The default Exchange seed grants the sandbox app FullAccess on every mailbox.
  const ok = await ctx.tokens.validate(token, { ...IMAP_NEED, mailbox: BOB });
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(ok.principal.appOnly, true);
  assert.equal(ok.principal.upn, undefined);
  ctx.admin.revokeFullAccess(BOB, APP);
  try {
    const denied = await ctx.tokens.validate(token, { ...IMAP_NEED, mailbox: BOB });
    assert.equal(denied.ok ? 'ok' : denied.reason, 'no_mailbox_permission');
  } finally {
    ctx.admin.grantFullAccess(BOB, APP);
  }
  const noRole = await ctx.tokens.validate(await mint({ clientId: APP, audience: OUTLOOK, roles: ['SMTP.SendAsApp'] }), { ...IMAP_NEED, mailbox: BOB });
  assert.equal(noRole.ok ? 'ok' : noRole.reason, 'insufficient_scope');
});

test('FullAccess lets a delegated user open another mailbox', async () => {
  const r = await ctx.tokens.validate(await mint({ username: ALICE, audience: OUTLOOK, scope: 'IMAP.AccessAsUser.All' }), IMAP_NEED);
  assert.ok(r.ok);
  assert.equal(ctx.tokens.canAccess(r.principal, BOB), false);
  ctx.admin.grantFullAccess(BOB, ALICE);
  assert.equal(ctx.tokens.canAccess(r.principal, BOB), true);
  ctx.admin.revokeFullAccess(BOB, ALICE);
});
