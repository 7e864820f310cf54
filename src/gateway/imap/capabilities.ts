/**
 * The CAPABILITY lists the IMAP gateway shows. Before login it speaks for itself and offers
 * what a legacy client can use here: a password by LOGIN or AUTHENTICATE PLAIN (with SASL-IR),
 * STARTTLS while the connection is plain, and LOGINDISABLED instead of any password
 * mechanism while a password may not travel (RFC 9051 §6.2.3; RFC 4959; RFC 7888 LITERAL+).
 * Every greeting carries the list, because some clients never ask (email-oauth2-proxy#109).
 * After login the client gets the upstream's own list, minus COMPRESS: issue 13 keeps
 * compression off between client and upstream, so the relayed stream stays plain IMAP that the
 * gateway's session log and an operator's capture can read (EmailEngine's proxy crashed on
 * COMPRESS resets, emailengine#596), and the local hop gains nothing from it.
 */
export function preLoginCapabilities(state: { canStartTls: boolean; loginAllowed: boolean }): string[] {
  const caps = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID'];
  if (state.canStartTls) caps.push('STARTTLS');
  caps.push(...(state.loginAllowed ? ['AUTH=PLAIN'] : ['LOGINDISABLED']));
  return caps;
}

/** The upstream's post-login list as the client may use it through the relay. */
export function postLoginCapabilities(upstream: readonly string[]): string[] {
  return upstream.filter((c) => !/^(COMPRESS=|AUTH=|STARTTLS$|LOGINDISABLED$)/i.test(c));
}
