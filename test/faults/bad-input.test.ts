/**
 * Fault suite, bad input through the CLI: EVERY resource field out of range through the real
 * `mailbridge resource add`, each refused with a clear, typed error and the store checked
 * unchanged. Header injection and 10,000 recipients through `mailbridge send` are in
 * bad-input-send.test.ts, malformed MIME and an oversized attachment in
 * bad-input-messages.test.ts (split so no file needs a minute). Already covered elsewhere (not
 * repeated): composeMessage refusing CR/LF in every header field (test/message/compose.test.ts),
 * 501 recipients (same), five resource-add mistakes (test/cli/resource.test.ts), best-effort
 * decoding of a few malformed messages (test/message/parse.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cliHome } from '../auth/support.js';
import { assertOneLine, cli, CID, pool, putResources, T, USER } from './bad-input-support.js';

let home: Awaited<ReturnType<typeof cliHome>>;

before(async () => {
  home = await cliHome();
  const store = await home.openStore();
  await putResources(store);
  await store.close();
});
after(async () => { await home?.remove(); });

/** [flags, the field the one-line error must name]: every option of `resource add`, broken. */
const BAD_FIELDS: [string[], RegExp][] = [
  [['--kind', 'exchange'], /kind/],
  [['--preset', 'outlook'], /preset/],
  [['--tenant', ''], /tenantId/],
  [['--client-id', ''], /clientId/],
  [['--client-auth', 'password'], /clientAuth/],
  [['--user', 'not-an-address'], /user/],
  [['--from', 'not-an-address'], /from/],
  [['--cloud', 'mars'], /cloud/],
  [['--flow', 'implicit'], /flow/],
  [['--authority', 'not-a-url'], /authorityUrl/],
  [['--host', ''], /[Hh]ost/],
  [['--host', 'https://outlook.office365.com/'], /server\.host/],
  [['--port', '0'], /port/],
  [['--port', '70000'], /port/],
  [['--port', 'abc'], /port/],
  [['--secure', 'ssl'], /secure/],
  [['--secure', 'none'], /server\.secure/],
  [['--scope', ''], /oauth\.scope/],
  [['--scope', 'Mail.Read offline_access'], /oauth\.scope/],
  [['--authorize-url', 'nope'], /authorizeUrl/],
  [['--token-url', 'nope'], /tokenUrl/],
  [['--device-code-url', 'nope'], /deviceCodeUrl/],
  [['--callback-url', 'http://example.com/cb'], /oauth\.callbackUrl/],
  [['--response-mode', 'fragment'], /responseMode/],
  [['--secret-expires', '2024-13-45'], /secretExpiresAt/],
  [['--rate-limit', '-1'], /rateLimitPerMinute/],
  [['--rate-limit', 'many'], /rateLimitPerMinute/],
  [['--insecure-loopback'], /tls\.insecureLoopback/],
  [['--allow-plaintext-loopback'], /tls\.allowPlaintextLoopback/],
  [['--client-auth', 'certificate'], /certificate/],
  [['--user', 'a@contoso.com\r\nBcc: victim@example.com'], /user/],
  [['--from', 'a@contoso.com\nBcc: victim@example.com'], /from/],
];

test(`resource add: ${BAD_FIELDS.length} fields out of range, each exit 1 with one line naming the field; the store unchanged`, { timeout: 180_000 }, async () => {
  const s1 = await home.openStore();
  const before = JSON.stringify(await s1.listResources());
  await s1.close();
  const base = ['resource', 'add', 'bad', '--kind', 'imap', '--tenant', T, '--client-id', CID, '--user', USER, '--client-secret-stdin'];
  const runs = await pool(BAD_FIELDS.map(([flags]) => () => {
    // A later --kind wins in commander: the bad kind goes last; the rest override the base.
    return cli(home.env, [...base, ...flags], 'sandbox-secret-value-1234567890');
  }));
  runs.forEach((r, i) => assertOneLine(r, BAD_FIELDS[i]![0].join(' '), BAD_FIELDS[i]![1]));
  const s2 = await home.openStore();
  try {
    assert.equal(JSON.stringify(await s2.listResources()), before, 'no resource added or changed');
    assert.equal(await s2.getResource('bad'), undefined);
  } finally {
    await s2.close();
  }
});
