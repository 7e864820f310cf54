/**
 * The proxy choice as data: NO_PROXY rules (hosts, domain suffixes, `*`, ports, IP ranges),
 * loopback never through an environment proxy, lower case before upper case, a resource's
 * override, credentials kept out of what is shown, and the resource schema's checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResource } from '../../src/config/validate.js';
import { isMailbridgeError } from '../../src/errors.js';
import { matchesNoProxy } from '../../src/net/no-proxy.js';
import { parseProxyUrl, proxyFor } from '../../src/net/proxy.js';

describe('NO_PROXY', () => {
  const cases: [string, number, string, boolean][] = [
    ['mail.example.com', 993, '*', true],
    ['example.com', 443, 'example.com', true],
    ['login.example.com', 443, 'example.com', true],
    ['login.example.com', 443, '.example.com', true],
    ['login.example.com', 443, '*.example.com', true],
    ['badexample.com', 443, 'example.com', false],
    ['example.com.evil.test', 443, 'example.com', false],
    ['Graph.Microsoft.COM', 443, 'graph.microsoft.com', true],
    ['graph.microsoft.com.', 443, 'graph.microsoft.com', true],
    ['ews.corp.example', 443, 'ews.corp.example:8443', false],
    ['ews.corp.example', 8443, 'ews.corp.example:8443', true],
    ['10.1.2.3', 993, '10.0.0.0/8', true],
    ['11.1.2.3', 993, '10.0.0.0/8', false],
    ['10.1.2.3', 993, '10.1.2.3', true],
    ['[fd00::5]', 443, 'fd00::/8', true],
    ['fd00::5', 443, '[fd00::5]:443', true],
    ['outlook.office365.com', 993, 'a.example, b.example  outlook.office365.com', true],
    ['outlook.office365.com', 993, '', false],
  ];
  for (const [host, port, list, expected] of cases) {
    it(`${host}:${port} ${expected ? 'matches' : 'does not match'} "${list}"`, () => {
      assert.equal(matchesNoProxy(host, port, list), expected);
    });
  }
});

describe('proxyFor', () => {
  const env = {
    HTTPS_PROXY: 'http://upper:3128',
    https_proxy: 'http://lower:3128',
    HTTP_PROXY: 'proxy.corp:8080',
    NO_PROXY: '.corp.example',
  };

  it('https URLs and mail connections take HTTPS_PROXY (lower case first), plain http takes HTTP_PROXY', () => {
    assert.equal(
      proxyFor({ kind: 'https', host: 'graph.microsoft.com', port: 443 }, undefined, env)?.origin,
      'http://lower:3128',
    );
    assert.equal(
      proxyFor({ kind: 'mail', host: 'outlook.office365.com', port: 993 }, undefined, env)?.source,
      'https_proxy',
    );
    const http = proxyFor({ kind: 'http', host: 'hooks.example.com', port: 80 }, undefined, env);
    assert.equal(http?.origin, 'http://proxy.corp:8080', 'a proxy without scheme is http://');
    assert.equal(http?.source, 'HTTP_PROXY');
  });

  it('NO_PROXY and loopback hosts go direct; a resource\'s proxy applies to every host, "none" to none', () => {
    assert.equal(proxyFor({ kind: 'https', host: 'ews.corp.example', port: 443 }, undefined, env), undefined);
    for (const host of ['localhost', '127.0.0.1', '::1', '[::1]'])
      assert.equal(proxyFor({ kind: 'https', host, port: 443 }, undefined, env), undefined, host);
    assert.equal(proxyFor({ kind: 'https', host: '127.0.0.1', port: 443 }, 'http://res:1', env)?.source, 'resource');
    assert.equal(proxyFor({ kind: 'https', host: 'graph.microsoft.com', port: 443 }, 'none', env), undefined);
    assert.equal(proxyFor({ kind: 'https', host: 'graph.microsoft.com', port: 443 }, undefined, {}), undefined);
  });

  it('credentials: from the URL (percent-decoded) or MAILBRIDGE_PROXY_USER/PASSWORD, never in what is shown', () => {
    const r = parseProxyUrl('http://taro:p%40ss%3Aword@proxy.corp:8080', 'HTTPS_PROXY', {});
    assert.equal(r.display, 'http://taro@proxy.corp:8080');
    assert.equal(r.authorization?.reveal(), `Basic ${Buffer.from('taro:p@ss:word').toString('base64')}`);
    assert.equal(String(r.authorization), '***');
    assert.ok(!JSON.stringify(r).includes('word'));
    const e = parseProxyUrl('http://proxy.corp:8080', 'resource', {
      MAILBRIDGE_PROXY_USER: 'hanako',
      MAILBRIDGE_PROXY_PASSWORD: 'pw',
    });
    assert.equal(e.authorization?.reveal(), `Basic ${Buffer.from('hanako:pw').toString('base64')}`);
  });

  it('a socks or malformed proxy is PROXY_URL_INVALID', () => {
    for (const bad of ['socks5://proxy:1080', 'http://']) {
      assert.throws(
        () => parseProxyUrl(bad, 'HTTPS_PROXY', {}),
        (e: unknown) => isMailbridgeError(e) && e.code === 'PROXY_URL_INVALID',
      );
    }
  });
});

describe("a resource's proxy setting", () => {
  const base = {
    name: 'corp',
    kind: 'imap',
    server: { host: 'outlook.office365.com', port: 993, secure: 'tls' },
    authType: 'basic',
    user: 'u@example.com',
  };
  it('accepts "none" and http(s) proxy URLs', () => {
    assert.equal(parseResource({ ...base, proxy: 'none' }).proxy, 'none');
    assert.equal(parseResource({ ...base, proxy: 'http://proxy.corp:8080' }).proxy, 'http://proxy.corp:8080');
  });
  it('refuses credentials in the URL (settings are not sealed), other schemes and paths, with the reason', () => {
    for (const [proxy, why] of [
      ['http://u:p@proxy:8080', /MAILBRIDGE_PROXY_USER/],
      ['socks5://proxy:1080', /http:\/\/ and https:\/\//],
      ['http://proxy:8080/x', /scheme, host and port/],
      ['proxy', /none/],
    ] as const) {
      assert.throws(
        () => parseResource({ ...base, proxy }),
        (e: unknown) => isMailbridgeError(e) && why.test(e.message),
        proxy,
      );
    }
  });
});
