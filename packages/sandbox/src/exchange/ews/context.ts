import type { ExchangeContext, SandboxMailbox, TokenPrincipal } from '../contract.js';
import { EwsError } from './soap.js';

/** What an operation gets: the sandbox, who is calling, and the mailbox the request acts on. */
export interface EwsCall {
  ctx: ExchangeContext;
  principal: TokenPrincipal;
  /** The caller's own mailbox, or the impersonated one for app-only tokens. */
  mailbox: SandboxMailbox;
}

/**
 * The mailbox a folder id names with <t:Mailbox> (delegate access), or the call's own: another
 * mailbox needs a FullAccess grant, as at Exchange (ErrorAccessDenied otherwise).
 */
export function mailboxFor(call: EwsCall, address?: string): SandboxMailbox {
  if (!address || address.toLowerCase() === call.mailbox.address) return call.mailbox;
  const target = call.ctx.store.mailbox(address.toLowerCase());
  if (!target) throw new EwsError('ErrorNonExistentMailbox', `The SMTP address has no mailbox associated with it.`);
  if (!call.ctx.tokens.canAccess(call.principal, target.address)) {
    throw new EwsError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  }
  return target;
}
