import type { TenantSettings } from './contract.js';

/** A new tenant as the sandbox ships it: SMTP AUTH on (so the guide works), EWS on, no allow-list. */
export function defaultTenantSettings(): TenantSettings {
  return {
    smtpAuthDisabled: false,
    mailboxSmtpAuthDisabled: {},
    ewsEnabled: true,
    ewsAllowedAppIds: [],
    fullAccess: {},
    sendAs: {},
  };
}

/**
 * Is SMTP AUTH allowed for `mailbox`? Exchange: the mailbox's own setting (Set-CASMailbox), when
 * set, wins over the tenant's (Set-TransportConfig). The answer names who disabled it, because
 * the 5.7.139 reply says "for the Tenant" or "for the Mailbox".
 */
export function smtpAuthState(settings: TenantSettings, mailbox: string): 'enabled' | 'disabled_tenant' | 'disabled_mailbox' {
  const own = settings.mailboxSmtpAuthDisabled[mailbox.toLowerCase()];
  if (own === true) return 'disabled_mailbox';
  if (own === false) return 'enabled';
  return settings.smtpAuthDisabled ? 'disabled_tenant' : 'enabled';
}

/** EWS in Exchange Online: blocked by default from this date unless the app is allow-listed… */
export const EWS_BLOCK_DATE = Date.UTC(2026, 9, 1);
/** …and switched off for everyone from this one. */
export const EWS_SHUTDOWN_DATE = Date.UTC(2027, 3, 1);

/**
 * May `appId` use EWS now? Per the Feb 2026 Exchange Team timeline: before 2026-10-01 true/null
 * allow every app and the allow-list (when set) restricts; from 2026-10-01 null counts as false
 * and true admits only allow-listed apps; from 2027-04-01 EWS is gone.
 */
export function ewsAccess(settings: TenantSettings, appId: string, nowMs: number): 'ok' | 'disabled' | 'not_allowed' | 'retired' {
  if (nowMs >= EWS_SHUTDOWN_DATE) return 'retired';
  const blockedEra = nowMs >= EWS_BLOCK_DATE;
  const enabled = settings.ewsEnabled ?? !blockedEra;
  if (!enabled) return 'disabled';
  const allowList = settings.ewsAllowedAppIds.map((a) => a.toLowerCase());
  const listed = allowList.includes(appId.toLowerCase());
  if (allowList.length > 0 && !listed) return 'not_allowed';
  if (blockedEra && !listed) return 'not_allowed';
  return 'ok';
}

/** Does `principal` (a upn or an app id) hold FullAccess on `mailbox`? */
export function hasFullAccess(settings: TenantSettings, mailbox: string, principal: string): boolean {
  const p = principal.toLowerCase();
  return (settings.fullAccess[mailbox.toLowerCase()] ?? []).some((x) => x.toLowerCase() === p);
}

/** May `upn` send as `mailbox` (its own address, or a Send As right)? */
export function canSendAs(settings: TenantSettings, upn: string, mailbox: string): boolean {
  const m = mailbox.toLowerCase();
  const u = upn.toLowerCase();
  return m === u || (settings.sendAs[m] ?? []).some((x) => x.toLowerCase() === u);
}
