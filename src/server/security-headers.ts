import type { FastifyInstance } from 'fastify';

/**
 * The same security headers on every answer, the login page and the OAuth callback page
 * included: no framing (clickjacking of the console), no sniffing, no referrer leaking a
 * consent's state or code, and for HTML a CSP that allows the page's own inline styles only.
 * form-action allows http(s): the console's Connect answers a form post with a redirect to
 * the identity platform, which CSP counts as a form target.
 */
export const HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self' http: https:; " +
  "frame-ancestors 'none'; base-uri 'none'";
const OTHER_CSP = "default-src 'none'; frame-ancestors 'none'";

export function installSecurityHeaders(app: FastifyInstance, o: { hsts: boolean }): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    reply.header('content-security-policy', type.startsWith('text/html') ? HTML_CSP : OTHER_CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (o.hsts) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });
}
