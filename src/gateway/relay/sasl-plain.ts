/**
 * The SASL PLAIN message (RFC 4616): base64 of `authzid NUL authcid NUL password`. Both
 * gateways take passwords this way (IMAP AUTHENTICATE PLAIN, POP3 AUTH PLAIN).
 */
export function decodeSaslPlain(base64: string): { authzid: string; authcid: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return undefined;
  const parts = Buffer.from(base64, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, authcid, password] = parts as [string, string, string];
  if (!authcid) return undefined;
  return { authzid, authcid, password };
}
