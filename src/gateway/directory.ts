/**
 * The gateway's view of its local users (issue 13): legacy clients log in with a name and a password, and the
 * directory says which mailbridge resource speaks for them upstream. The SMTP, IMAP and POP3 gateways depend on
 * this interface only; `users.ts` implements it over the store.
 */

/** The protocols a legacy client can reach the gateway with. */
export type GatewayProtocol = 'smtp' | 'imap' | 'pop3';

/** A gateway user whose local credentials were accepted. */
export interface GatewayPrincipal {
  /** The local user name the client logged in with. */
  readonly user: string;
  /** The mailbridge resource (by name) the gateway uses upstream for this user. */
  readonly resource: string;
  /** Envelope/header From addresses this user may send as (SMTP only; empty means the resource's own address). */
  readonly allowedFrom: readonly string[];
}

/** Why a login was refused; the gateway answers every refusal alike and logs the reason. */
export type GatewayRefusal = 'unknown-user' | 'wrong-password' | 'disabled' | 'rate-limited';

/** The outcome of checking a legacy client's credentials. */
export type GatewayLogin =
  { readonly ok: true; readonly principal: GatewayPrincipal } | { readonly ok: false; readonly reason: GatewayRefusal };

/** Checks local credentials and counts their use. */
export interface GatewayDirectory {
  /** Checks `name`/`password` for `protocol` from `remoteAddress`; never throws for a refusal. */
  authenticate(
    name: string,
    password: string,
    context: { readonly protocol: GatewayProtocol; readonly remoteAddress: string },
  ): Promise<GatewayLogin>;
}
