/**
 * Whose mailbox a request is about: `/me` works only with a delegated token, an app-only
 * token must name the user (`/users/{id | userPrincipalName}`, microsoft.md §5). A delegated
 * token used on another mailbox (shared mailbox, delegate access) names it too.
 */
export function mailboxPrefix(opts: { appOnly: boolean; user?: string; tokenUser?: string }): string {
  const user = opts.user?.trim();
  if (!user) return '/me';
  if (!opts.appOnly && opts.tokenUser && opts.tokenUser.toLowerCase() === user.toLowerCase()) return '/me';
  return `/users/${encodeURIComponent(user)}`;
}

/** A path segment (an id) safe to put into a URL: Graph ids may hold '/', '+' and '='. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
