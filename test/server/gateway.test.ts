/**
 * /api/gateway over the real service (Fastify inject): gateway users added, listed, changed,
 * disabled, their password reset and removed, with typed errors; admin scope only (a read key
 * is refused); the generated password is in the creating answer only and works at the gateway's
 * own check (GatewayUsers over the same store).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseResource } from '../../src/config/validate.js';
import { GatewayUsers } from '../../src/gateway/users.js';
import { startService, type Service } from './support.js';

describe('REST: gateway users', () => {
  let svc: Service;
  before(async () => {
    svc = await startService();
    await svc.store.putResource(
      parseResource({
        name: 'printer-send',
        kind: 'smtp',
        server: { host: 'smtp.office365.com', port: 587, secure: 'starttls' },
        user: 'scan@contoso.com',
        authType: 'none',
      }),
    );
  });
  after(async () => svc?.close());

  test('add (random password, shown once), list with usage, change, disable, reset, remove', async () => {
    const created = await svc.api('POST', '/api/gateway/users', {
      name: 'mfp-3f',
      sendResource: 'printer-send',
      allowedFrom: ['Scan@Contoso.com'],
    });
    assert.equal(created.status, 201, created.text);
    const password = created.json.password as string;
    assert.equal(password.length, 24);
    assert.deepEqual(created.json.user.allowedFrom, ['scan@contoso.com']);
    const direct = new GatewayUsers({ store: svc.store });
    assert.equal(
      (await direct.authenticate('mfp-3f', password, { protocol: 'smtp', remoteAddress: '192.0.2.1' })).ok,
      true,
    );

    const list = await svc.api('GET', '/api/gateway/users');
    assert.equal(list.status, 200);
    assert.equal(list.json[0].name, 'mfp-3f');
    assert.equal(list.json[0].usage[0].logins, 1);
    assert.ok(!list.text.includes(password) && !list.text.includes('scrypt$'), 'neither password nor hash is listed');

    const dup = await svc.api('POST', '/api/gateway/users', { name: 'mfp-3f', sendResource: 'printer-send' });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.error.code, 'GATEWAY_USER_EXISTS');
    const noRes = await svc.api('POST', '/api/gateway/users', { name: 'x1', sendResource: 'nope' });
    assert.deepEqual([noRes.status, noRes.json.error.code], [404, 'RESOURCE_NOT_FOUND']);
    const weak = await svc.api('POST', '/api/gateway/users', {
      name: 'x2',
      sendResource: 'printer-send',
      password: 'short',
    });
    assert.equal(weak.status, 400);

    const disabled = await svc.api('PATCH', '/api/gateway/users/mfp-3f', {
      disabled: true,
      allowedFrom: ['@contoso.com'],
    });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.json.disabled, true);
    assert.deepEqual(disabled.json.allowedFrom, ['@contoso.com']);
    assert.deepEqual(await direct.authenticate('mfp-3f', password, { protocol: 'smtp', remoteAddress: '192.0.2.1' }), {
      ok: false,
      reason: 'disabled',
    });

    const reset = await svc.api('POST', '/api/gateway/users/mfp-3f/password', { password: 'a brand new password' });
    assert.deepEqual(reset.json, { name: 'mfp-3f' });
    await svc.api('PATCH', '/api/gateway/users/mfp-3f', { disabled: false });
    assert.equal(
      (await direct.authenticate('mfp-3f', 'a brand new password', { protocol: 'smtp', remoteAddress: '192.0.2.1' }))
        .ok,
      true,
    );

    const queue = await svc.api('GET', '/api/gateway/queue');
    assert.deepEqual(queue.json, { spool: [], relayed: [], deadLetters: [] });

    assert.deepEqual((await svc.api('DELETE', '/api/gateway/users/mfp-3f')).json, { removed: 'mfp-3f' });
    const gone = await svc.api('DELETE', '/api/gateway/users/mfp-3f');
    assert.deepEqual([gone.status, gone.json.error.code], [404, 'GATEWAY_USER_NOT_FOUND']);
  });

  test('admin scope only', async () => {
    const { key } = await svc.credentials.createApiKey('reader', ['read', 'send', 'modify']);
    for (const [method, url] of [
      ['GET', '/api/gateway/users'],
      ['GET', '/api/gateway/queue'],
      ['POST', '/api/gateway/users'],
    ] as const) {
      const res = await svc.server.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key.reveal()}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { payload: '{"name":"x","sendResource":"printer-send"}' } : {}),
      });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
    }
  });
});
