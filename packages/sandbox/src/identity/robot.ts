/**
 * The sandbox's scripted person, for the demo and for tests: drive the identity emulator's sign-in and consent pages with plain fetch, as a person in a
 * browser would: fill #username/#password, press Accept (or Cancel), follow redirects on the
 * emulator's own origin, and stop at the client's redirect URI.
 *
 * form_post: the emulator answers an auto-submitting form instead of a redirect; the returned
 * URL is then the form's action with the POSTed fields (code, state, or error…) copied into
 * its query string, so callers read `url.searchParams` in every response mode.
 */
export interface ConsentUser {
  username: string;
  password: string;
}

export interface ConsentOptions {
  /** Press Accept (default) or Cancel on the consent page. */
  accept?: boolean;
}

interface Form {
  id: string;
  action: string;
  fields: Record<string, string>;
}

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(tag);
  return m?.[1] === undefined ? undefined : decodeEntities(m[1]);
}

function parseForm(html: string): Form | undefined {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const input of m[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = attr(input[1]!, 'name');
    if (name) fields[name] = attr(input[1]!, 'value') ?? '';
  }
  return { id: attr(m[1]!, 'id') ?? '', action: attr(m[1]!, 'action') ?? '', fields };
}

function pageError(html: string): string | undefined {
  const m = /<p id="error"[^>]*>([\s\S]*?)<\/p>/i.exec(html);
  return m?.[1] === undefined ? undefined : decodeEntities(m[1]);
}

type Outcome = { kind: 'redirect'; url: URL } | { kind: 'done'; text: string };

/** Follow pages from a first response until the flow leaves the emulator or finishes. */
async function drive(first: Response, firstUrl: URL, user: ConsentUser, opts: ConsentOptions): Promise<Outcome> {
  const origin = firstUrl.origin;
  let res = first;
  let url = firstUrl;
  let signedIn = false;
  for (let step = 0; step < 12; step += 1) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') ?? '', url);
      if (next.origin !== origin) return { kind: 'redirect', url: next };
      url = next;
      res = await fetch(url, { redirect: 'manual' });
      continue;
    }
    const html = await res.text();
    const done = /<h1 id="done">([\s\S]*?)<\/h1>/i.exec(html);
    if (done) return { kind: 'done', text: decodeEntities(done[1]!) };
    const form = parseForm(html);
    const error = pageError(html);
    // An error shown on a page (wrong password, bad user code…) or a sign-in page coming back.
    if (!form || error || (form.id === 'signin-form' && signedIn)) {
      throw new Error(`sign-in stopped (HTTP ${res.status}): ${error ?? 'page without a form'}`);
    }
    let fields: Record<string, string>;
    if (form.id === 'form_post') {
      const target = new URL(form.action);
      for (const [k, v] of Object.entries(form.fields)) target.searchParams.set(k, v);
      return { kind: 'redirect', url: target };
    } else if (form.id === 'signin-form') {
      fields = { ...form.fields, username: user.username, password: user.password };
      signedIn = true;
    } else if (form.id === 'consent-form') {
      fields = { ...form.fields, action: opts.accept === false ? 'cancel' : 'accept' };
    } else {
      throw new Error(`unexpected form #${form.id}`);
    }
    url = new URL(form.action, url);
    res = await fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
  }
  throw new Error('sign-in did not finish within 12 steps');
}

/**
 * Complete an authorization request (sign in, consent) and return the URL the emulator sent
 * the browser to: the client's redirect URI with `code`/`state` (or `error`) in its query.
 * Throws with the page's AADSTS text when the emulator shows an error (wrong password…).
 */
export async function completeConsent(authorizeUrl: string, user: ConsentUser, opts: ConsentOptions = {}): Promise<URL> {
  const start = new URL(authorizeUrl);
  const outcome = await drive(await fetch(start, { redirect: 'manual' }), start, user, opts);
  if (outcome.kind !== 'redirect') throw new Error(`expected a redirect to the client, got: ${outcome.text}`);
  return outcome.url;
}

/**
 * Do the person's part of a device-code flow: enter the user code on the verification page,
 * sign in, consent (or cancel). Returns the final page's message.
 */
export async function completeDeviceLogin(
  verificationUri: string,
  userCode: string,
  user: ConsentUser,
  opts: ConsentOptions = {},
): Promise<string> {
  const start = new URL(verificationUri);
  const first = await fetch(start, { method: 'POST', body: new URLSearchParams({ user_code: userCode }), redirect: 'manual' });
  const outcome = await drive(first, start, user, opts);
  if (outcome.kind !== 'done') throw new Error(`expected the device login to finish, went to ${outcome.url.toString()}`);
  return outcome.text;
}
