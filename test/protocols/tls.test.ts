import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { test } from 'node:test';
import { resourceSchema, type ResourceInput } from '../../src/config/resource.js';
import { ConfigError } from '../../src/errors.js';
import { isLoopbackHost } from '../../src/config/loopback.js';
import { assertCredentialsMayTravel, tlsOptionsFor } from '../../src/protocols/tls.js';

const resource = (over: Partial<ResourceInput> & { host?: string; secure?: 'none' | 'tls' | 'starttls' } = {}) => {
  const { host = 'outlook.office365.com', secure = 'tls', ...rest } = over;
  return resourceSchema.parse({ name: 'r', kind: 'imap', server: { host, port: 993, secure }, user: 'u@contoso.com', authType: 'oauth2', ...rest });
};

test('loopback hosts are recognised, others are not', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'LOCALHOST']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['outlook.office365.com', '10.0.0.1', '128.0.0.1', 'localhost.evil.com', '127.0.0.1.nip.io']) assert.ok(!isLoopbackHost(h), h);
});

test('TLS is verified by default, with SNI for host names only', async () => {
  const opts = await tlsOptionsFor(resource());
  assert.equal(opts.rejectUnauthorized, true);
  assert.equal(opts.servername, 'outlook.office365.com');
  assert.equal((await tlsOptionsFor(resource({ host: '127.0.0.1' }))).servername, undefined);
});

test('caFile adds the CA and keeps the public roots', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-tls-'));
  const file = join(dir, 'ca.pem');
  const pem = rootCertificates[0] as string;
  writeFileSync(file, pem);
  const opts = await tlsOptionsFor(resource({ tls: { caFile: file } }));
  assert.ok(opts.secureContext, 'the CA travels in a TLS context');
  assert.equal(opts.ca, undefined, 'not as a per-connection list that Node would parse for every socket');
  assert.equal(opts.rejectUnauthorized, true);
  const again = await tlsOptionsFor(resource({ tls: { caFile: file } }));
  assert.equal(again.secureContext, opts.secureContext, 'one context per CA, shared by every connection');
});

test('an unreadable or non-PEM caFile is a ConfigError naming the field', async () => {
  await assert.rejects(tlsOptionsFor(resource({ tls: { caFile: '/nonexistent/ca.pem' } })), (e: unknown) => e instanceof ConfigError && e.code === 'TLS_CA_FILE_UNREADABLE' && e.field === 'tls.caFile');
  const dir = mkdtempSync(join(tmpdir(), 'mb-tls-'));
  writeFileSync(join(dir, 'x.pem'), 'hello');
  await assert.rejects(tlsOptionsFor(resource({ tls: { caFile: join(dir, 'x.pem') } })), (e: unknown) => e instanceof ConfigError && e.code === 'TLS_CA_FILE_INVALID');
});

test('insecureLoopback skips verification for loopback only', async () => {
  assert.equal((await tlsOptionsFor(resource({ host: '127.0.0.1', tls: { insecureLoopback: true } }))).rejectUnauthorized, false);
  await assert.rejects(tlsOptionsFor(resource({ tls: { insecureLoopback: true } })), (e: unknown) => e instanceof ConfigError && e.code === 'TLS_INSECURE_NOT_LOOPBACK' && /caFile/.test(e.hint));
});

test('credentials never travel without TLS, unless allowed for a loopback host', () => {
  assert.doesNotThrow(() => assertCredentialsMayTravel(resource({ secure: 'tls' })));
  assert.doesNotThrow(() => assertCredentialsMayTravel(resource({ secure: 'starttls' })));
  assert.throws(() => assertCredentialsMayTravel(resource({ secure: 'none' })), (e: unknown) => e instanceof ConfigError && e.code === 'PLAINTEXT_AUTH_REFUSED' && /XOAUTH2/.test(e.message));
  assert.throws(() => assertCredentialsMayTravel(resource({ secure: 'none', authType: 'basic' })), (e: unknown) => e instanceof ConfigError && /password/.test(e.message));
  assert.throws(() => assertCredentialsMayTravel(resource({ secure: 'none', tls: { allowPlaintextLoopback: true } })), (e: unknown) => e instanceof ConfigError && /only applies to 127/.test(e.hint));
  assert.doesNotThrow(() => assertCredentialsMayTravel(resource({ host: '127.0.0.1', secure: 'none', tls: { allowPlaintextLoopback: true } })));
  assert.doesNotThrow(() => assertCredentialsMayTravel(resource({ secure: 'none', authType: 'none' })));
});
