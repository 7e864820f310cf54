/**
 * The few HTML pages a person (or a script) sees. Plain forms with stable ids and names
 * (#username, #password, #signin, #accept, #cancel, #user_code, #next) so a browser, playwright
 * and a fetch-based script can all drive them; no JavaScript except the form_post auto-submit.
 */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;margin:.4rem 0}
input{width:100%;padding:.4rem}#error{color:#a4262c}.sandbox{color:#605e5c;font-size:.8rem}</style></head>
<body>${body}<p class="sandbox">mailbridge sandbox: a local stand-in for login.microsoftonline.com</p></body></html>`;
}

function errorLine(error?: string): string {
  return error ? `<p id="error" role="alert">${esc(error)}</p>` : '';
}

export function signInPage(p: { loginId: string; appName: string; loginHint?: string; error?: string }): string {
  return page('Sign in to your account', `<h1>Sign in</h1>
<p id="app">to continue to ${esc(p.appName)}</p>${errorLine(p.error)}
<form id="signin-form" method="post" action="/_ui/signin">
<input type="hidden" name="login" value="${esc(p.loginId)}">
<label for="username">Email, phone, or Skype</label><input id="username" name="username" type="email" autocomplete="username" value="${esc(p.loginHint ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<button id="signin" type="submit">Sign in</button>
</form>`);
}

export function consentPage(p: { loginId: string; appName: string; username: string; permissions: string[] }): string {
  const items = p.permissions.map((x) => `<li>${esc(x)}</li>`).join('');
  return page('Permissions requested', `<h1>Permissions requested</h1>
<p id="app">${esc(p.appName)}</p><p id="account">${esc(p.username)}</p>
<p>This app would like to:</p><ul id="permissions">${items}</ul>
<form id="consent-form" method="post" action="/_ui/consent">
<input type="hidden" name="login" value="${esc(p.loginId)}">
<button id="accept" type="submit" name="action" value="accept">Accept</button>
<button id="cancel" type="submit" name="action" value="cancel">Cancel</button>
</form>`);
}

/** response_mode=form_post: the browser POSTs the fields to the redirect URI by itself. */
export function formPostPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  return page('Working...', `<form id="form_post" method="post" action="${esc(action)}">${inputs}
<noscript><button type="submit">Continue</button></noscript></form>
<script>document.getElementById('form_post').submit()</script>`);
}

export function deviceCodePage(p: { error?: string; value?: string }): string {
  return page('Enter code', `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>${errorLine(p.error)}
<form id="devicelogin-form" method="post" action="/devicelogin">
<label for="user_code">Code</label><input id="user_code" name="user_code" autocomplete="off" value="${esc(p.value ?? '')}">
<button id="next" type="submit">Next</button>
</form>`);
}

export function donePage(message: string): string {
  return page('Done', `<h1 id="done">${esc(message)}</h1><p>You can close this window.</p>`);
}

/** An error shown to the person (no safe redirect URI to send it to). */
export function errorPage(message: string): string {
  return page('Sign in error', `<h1>Sorry, but we're having trouble signing you in.</h1>${errorLine(message)}`);
}
