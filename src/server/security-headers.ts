import type { FastifyInstance } from 'fastify';

/**
 * The same security headers on every answer, the login page and the OAuth callback page
 * included: no framing (clickjacking of the console), no sniffing, no referrer leaking a
 * consent's state or code, and for HTML a CSP that allows the page's own inline styles, the
 * console's script from this origin (no inline script, nothing from elsewhere) and frames from
 * this origin only (a message's HTML, below).
 * form-action allows http(s): the console's Connect answers a form post with a redirect to
 * the identity platform, which CSP counts as a form target.
 */
export const HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; script-src 'self'; frame-src 'self'; " +
  "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'";
const OTHER_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * A received message's own HTML, shown inside the console's message page: a sandboxed
 * document (no script, no forms, no plug-ins, an opaque origin that reads no cookie) that may
 * load nothing from the network (remote images are how senders learn a message was read),
 * only inline styles and data: images; it may be framed by the console alone. The console
 * route marks its answer with this policy; the hook below then keeps it and allows framing
 * from this origin instead of none.
 */
export const MESSAGE_HTML_CSP =
  "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; " +
  "form-action 'none'; frame-ancestors 'self'; base-uri 'none'";

export function installSecurityHeaders(app: FastifyInstance, o: { hsts: boolean }): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    const messageHtml = reply.getHeader('content-security-policy') === MESSAGE_HTML_CSP;
    if (!messageHtml) reply.header('content-security-policy', type.startsWith('text/html') ? HTML_CSP : OTHER_CSP);
    reply.header('x-frame-options', messageHtml ? 'SAMEORIGIN' : 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (o.hsts) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });
}
