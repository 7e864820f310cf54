import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, newHome, assertOneLineError, allOutput, T, SECRET, addReceive, type Run } from './resource-support.js';

test('add, list, show, edit, export, remove', () => {
  const home = newHome();
  const runs: Run[] = [];
  const add = cli(home, addReceive, { input: SECRET }); // no final newline
  runs.push(add);
  assert.equal(add.code, 0, add.stderr);

  const list = cli(home, ['resource', 'list']);
  runs.push(list);
  assert.match(list.stdout, /receive\s+imap\s+outlook\.office365\.com:993\s+alice@contoso\.onmicrosoft\.com\s+Missing/);

  const show = cli(home, ['resource', 'show', 'receive']);
  runs.push(show);
  assert.match(show.stdout, /Incoming mail server\s+outlook\.office365\.com/);
  assert.match(show.stdout, /OAuth refresh token status\s+Missing/);
  assert.match(show.stdout, /Scope\s+offline_access https:\/\/outlook\.office365\.com\/IMAP\.AccessAsUser\.All/);
  assert.match(show.stdout, /Client secret\s+san…\(31 chars\)/);

  const json = cli(home, ['--json', 'resource', 'show', 'receive']);
  runs.push(json);
  const parsed = JSON.parse(json.stdout) as { fields: { label: string; value: string }[] };
  assert.equal(parsed.fields.find((f) => f.label === 'Access token URL')?.value, `https://login.microsoftonline.com/${T}/oauth2/v2.0/token`);

  // A new tenant moves the token URL: the secret must come with the change (issue 11 item 4).
  const moved = cli(home, ['resource', 'edit', 'receive', '--tenant', 'contoso.onmicrosoft.com']);
  runs.push(moved);
  assertOneLineError(moved, /oauth\.tokenUrl.*client secret must be given again.*--client-secret-stdin/);
  const edit = cli(home, ['resource', 'edit', 'receive', '--tenant', 'contoso.onmicrosoft.com', '--client-secret-stdin'], { input: 'new-secret-value-0123456789' });
  runs.push(edit);
  assert.equal(edit.code, 0, edit.stderr);
  const after = JSON.parse(cli(home, ['--json', 'resource', 'show', 'receive']).stdout) as { resource: { oauth: { tokenUrl: string } } };
  assert.equal(after.resource.oauth.tokenUrl, 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token', 'derived URLs follow the tenant');

  const exp = cli(home, ['resource', 'export']);
  runs.push(exp);
  assert.match(exp.stdout, /name: receive/);
  assert.match(exp.stdout, /tenantId: contoso\.onmicrosoft\.com/);

  const rm = cli(home, ['resource', 'remove', 'receive']);
  runs.push(rm);
  assert.equal(rm.code, 0);
  assert.match(cli(home, ['resource', 'list']).stdout, /no resources yet/);
  assertOneLineError(cli(home, ['resource', 'remove', 'receive']), /no resource named "receive"/);

  assert.ok(!allOutput(home, runs).includes(SECRET), 'the secret never appears in any output');
});

