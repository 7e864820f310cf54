/**
 * Loopback names and addresses: the only places where test-only relaxations (an untrusted
 * certificate, XOAUTH2 over plaintext, an http callback URL) are honoured. `*.localhost` names
 * are not counted: whether they resolve to loopback depends on the resolver.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
