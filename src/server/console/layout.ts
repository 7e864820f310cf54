import type { Locale } from '../../i18n/index.js';
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
header a{color:#fff;text-decoration:none}header a:hover{text-decoration:underline}header form{margin-left:auto}
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

/** The signed-in navigation; `current` marks the page a person is on (aria-current). */
const NAV: [href: string, label: string][] = [
  ['/console/', 'Resources'],
  ['/console/triggers', 'Triggers'],
  ['/console/keys', 'API keys'],
  ['/console/gateway', 'Gateway'],
  ['/console/api', 'API reference'],
];

/**
 * The console's page frame: a skip link (the first stop of Tab, to the main content), the
 * navigation, the logout form (with its CSRF token) and the content. Pages may need the
 * console's own script (/console/assets/console.js, served by plugin.ts: the CSP allows
 * scripts from this origin only).
 */
export function layout(title: string, csrf: string | undefined, body: Html, o: { path?: string; locale?: Locale } = {}): string {
  return html`<!doctype html><html lang="${o.locale ?? 'en'}"><head><meta charset="utf-8"><title>${title} · mailbridge</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${new Html(CSS + FORM_CSS)}</style>
<script src="/console/assets/console.js" defer></script></head>
<body><a class="skip-link" href="#main">Skip to main content</a><header><strong>mailbridge</strong>
${csrf ? html`<nav aria-label="Console">${NAV.map(([href, label]) => html`<a href="${href}" ${o.path === href ? html`aria-current="page"` : ''}>${label}</a> `)}</nav>
<form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${csrf}"><button id="logout">Log out</button></form>` : ''}
</header><main id="main" tabindex="-1"><h1>${title}</h1>${body}</main></body></html>`.text;
}
