import { LOCALES, type Locale, type Message, messages, t } from '../../i18n/index.js';
import { FORM_CSS } from './form-styles.js';
import { Html, html } from './html.js';

/**
 * The console's stylesheet. Narrow screens (a 390 px phone): nothing may be wider than the
 * viewport, so wide tables scroll inside their own box (display:block + overflow-x; their cells
 * break words only where they must, so columns keep readable widths), long words elsewhere
 * (addresses, URLs, message ids) break, form labels stack above their fields and the
 * header's links wrap. Focus is always visible (a thick outline that shows on the dark header
 * and on white alike), as WCAG 2.4.7 asks.
 */
const CSS = `
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9;overflow-wrap:anywhere}
header{background:#0f3d66;color:#fff;padding:.6em 1.2em;display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:center}
header a{color:#fff;text-decoration:none}header a:hover{text-decoration:underline}header .lang{margin-left:auto;display:flex;gap:.6em}
header .lang [aria-current]{font-weight:600;border-bottom:2px solid #fff}
header a[aria-current=page]{text-decoration:underline;font-weight:600}
.skip-link{position:absolute;left:-999em;top:0;background:#fff;color:#0f3d66;padding:.5em 1em;z-index:10}
.skip-link:focus{left:.5em;top:.5em}
:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
main{padding:1.2em;max-width:1100px}main:focus{outline:none}
table{border-collapse:collapse;width:100%;background:#fff;margin:.6em 0}
th,td{border:1px solid #d8dde3;padding:.35em .5em;text-align:left;vertical-align:top;font-size:.92em}
th{background:#eef1f4}
.badge{padding:.1em .5em;border-radius:.8em;font-size:.85em;background:#ddd;white-space:nowrap}
.Available,.pass,.delivered,.running,.idle,.polling{background:#c9f0d3}.Missing,.skip,.paused{background:#eee}
.Expired,.Revoked,.InvalidClient,.ConsentRequired,.fail,.dead,.failed,.expired{background:#f8d0d0}.warn{background:#fbefc4}
form.inline{display:inline}button{cursor:pointer;font:inherit;padding:.25em .7em}
fieldset{background:#fff;border:1px solid #d8dde3;margin:.6em 0;min-width:0}label{display:block;margin:.3em 0}
label span{display:inline-block;min-width:14em}
input:not([type=checkbox]):not([type=radio]),select,textarea{max-width:100%;font:inherit}
textarea{width:40em}
pre,code{overflow-wrap:anywhere}
pre{background:#fff;border:1px solid #d8dde3;padding:.6em;white-space:pre-wrap}
.ok{color:#0a6b2a}.err{color:#a11}.note{color:#555;font-size:.9em}
iframe.message-html{width:100%;height:60vh;border:1px solid #d8dde3;background:#fff}
.key-box{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}.key-box code{background:#fff;border:1px solid #d8dde3;padding:.4em}
.api-op summary{cursor:pointer}.api-op .method{display:inline-block;min-width:4.5em;font-weight:700;text-transform:uppercase}
.api-op{background:#fff;border:1px solid #d8dde3;margin:.3em 0;padding:.3em .6em}
@media (max-width:700px){
  header{padding:.5em .8em}main{padding:.8em}
  table{display:block;overflow-x:auto}th,td{overflow-wrap:break-word}
  label span{display:block;min-width:0}
  textarea{width:100%}
  input:not([type=checkbox]):not([type=radio]),select{width:100%}
}
`;

const m = messages('console.layout', {
  dashboard: { en: 'Dashboard', ja: 'ダッシュボード' },
  resources: { en: 'Resources', ja: 'リソース' },
  triggers: { en: 'Triggers', ja: 'トリガー' },
  gateway: { en: 'Gateway', ja: 'ゲートウェイ' },
  keys: { en: 'API keys', ja: 'API キー' },
  api: { en: 'API reference', ja: 'API リファレンス' },
  navLabel: { en: 'Console', ja: 'コンソール' },
  skip: { en: 'Skip to main content', ja: 'メイン コンテンツへ移動' },
  logout: { en: 'Log out', ja: 'ログアウト' },
  title: { en: '{title} · mailbridge', ja: '{title} · mailbridge コンソール' },
  languageLabel: { en: 'Language', ja: '表示言語' },
});

/** The signed-in navigation; `current` marks the page a person is on (aria-current). */
const NAV: [href: string, label: Message][] = [
  ['/console/', m.dashboard],
  ['/console/resources', m.resources],
  ['/console/triggers', m.triggers],
  ['/console/gateway', m.gateway],
  ['/console/keys', m.keys],
  ['/console/api', m.api],
];

/** Each language by its own name, so a reader finds theirs whatever the page is in. */
const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', ja: '日本語' };

/**
 * The language switch: a link per language to /console/lang/<locale>, which sets the mb_lang cookie and returns
 * to this page (plugin.ts). Links, not a script: it works without JavaScript and from the keyboard, and on the
 * login page too.
 */
function languageSwitch(locale: Locale, back: string): Html {
  return html`<nav class="lang" aria-label="${t(m.languageLabel, locale)}">${LOCALES.map((l) =>
    l === locale
      ? html`<span lang="${l}" aria-current="true">${LANGUAGE_NAMES[l]}</span> `
      : html`<a lang="${l}" hreflang="${l}" id="lang-${l}" href="/console/lang/${l}?next=${encodeURIComponent(back)}">${LANGUAGE_NAMES[l]}</a> `,
  )}</nav>`;
}

/**
 * The console's page frame: a skip link (the first stop of Tab, to the main content), the
 * navigation, the language switch, the logout form (with its CSRF token) and the content, in the
 * viewer's language. Pages may need the console's own script (/console/assets/console.js, served by
 * plugin.ts: the CSP allows scripts from this origin only); the favicon is served the same way.
 * `back` is where the language switch returns to (the page's own URL).
 */
export function layout(
  title: string,
  csrf: string | undefined,
  body: Html,
  o: { path?: string; locale?: Locale; back?: string } = {},
): string {
  const locale = o.locale ?? 'en';
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${t(m.title, locale, { title })}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${new Html(CSS + FORM_CSS)}</style>
<link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml">
<script src="/console/assets/console.js" defer></script></head>
<body><a class="skip-link" href="#main">${t(m.skip, locale)}</a><header><strong>mailbridge</strong>
${csrf ? html`<nav aria-label="${t(m.navLabel, locale)}">${NAV.map(([href, label]) => html`<a href="${href}" ${o.path === href ? html`aria-current="page"` : ''}>${t(label, locale)}</a> `)}</nav>` : ''}
${languageSwitch(locale, o.back ?? o.path ?? '/console/')}
${csrf ? html`<form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${csrf}"><button id="logout">${t(m.logout, locale)}</button></form>` : ''}
</header><main id="main" tabindex="-1"><h1>${title}</h1>${body}</main></body></html>`.text;
}
